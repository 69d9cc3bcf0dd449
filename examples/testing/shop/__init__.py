"""A tiny shop: the package that test_import_budget.py guards."""
