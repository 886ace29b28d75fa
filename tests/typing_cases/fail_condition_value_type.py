from generated.shop import Customer, Shop


def use(db: Shop) -> None:
    db.customers.scan(filter=Customer.fields.order_count > "many")
