"""shop.util: helpers."""
