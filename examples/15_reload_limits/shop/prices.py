print("shop/prices.py runs")
APPLE = 0.5
