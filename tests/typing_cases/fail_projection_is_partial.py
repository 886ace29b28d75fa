from generated.shop import Customer, Shop


def use(db: Shop) -> Customer | None:
    return db.customers.get(customer_id="c1", projection=["name"])
