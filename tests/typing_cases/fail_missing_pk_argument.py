from generated.shop import Shop


def use(db: Shop) -> None:
    db.orders.for_customer(limit=5)
