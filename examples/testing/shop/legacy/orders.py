from . import customers


def owner(order_id: int) -> str:
    return customers.name(order_id)
