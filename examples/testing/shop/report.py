"""Reports: the heavy part (csv and decimal stand in for pandas and friends)."""

import csv
import decimal
import io

from shop import config


def render(rows: "list[tuple[str, str]]") -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    total = sum(decimal.Decimal(price) for _, price in rows)
    writer.writerows([*rows, ("total", f"{total} {config.CURRENCY}")])
    return out.getvalue()
