"""The command line: it must start fast, so the report machinery is imported only when asked for."""

import argparse

from shop import config


def main(argv: "list[str] | None" = None) -> str:
    parser = argparse.ArgumentParser(prog="shop")
    parser.add_argument("command", choices=["status", "report"])
    args = parser.parse_args(argv)
    if args.command == "report":
        from shop import report  # deferred: csv and decimal load only for a report

        return report.render([("apple", "0.50"), ("pear", "0.75")])
    return f"ok ({config.CURRENCY})"
