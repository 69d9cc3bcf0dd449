ITEMS = {"apple": "0.50", "pear": "1.00"}
