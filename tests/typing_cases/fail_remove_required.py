from generated.shop import Shop


def use(db: Shop) -> None:
    db.customers.update(customer_id="c1").remove("email").execute()
