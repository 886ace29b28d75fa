from generated.shop import Shop


def use(db: Shop) -> None:
    db.customers.batch_get([{"customer": "c1"}])
