"""Settings every command needs."""

CURRENCY = "EUR"
