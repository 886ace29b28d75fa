from generated.shop import Customer, Shop


def use(db: Shop) -> Customer:
    return db.customers.by_email("a@x")
