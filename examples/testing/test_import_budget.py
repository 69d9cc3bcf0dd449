"""Guard a package's import cost in its tests.  Copy this file next to your tests and put your own
module names in; it needs only importtrace installed (its pytest plugin provides ``import_trace``).

Each test imports a module *fresh*: an earlier test (or conftest.py) may already have imported it,
and a second import is only a cache hit that costs nothing and shows nothing.
"""

import pytest

import importtrace


def test_cli_does_not_import_the_report_machinery(import_trace):
    """`shop status` must start fast: shop.report, csv and decimal load only for `shop report`."""
    import_trace.fresh_import("shop.cli")
    # Counts cache hits too, so it also fails when an earlier test had already loaded decimal.
    import_trace.assert_not_imported("shop.report", "csv", "decimal")


def test_cli_module_budget(import_trace):
    """A module count is stable from run to run (a time budget is not): at most 3 of our own modules."""
    import_trace.fresh_import("shop.cli")
    import_trace.assert_max_modules(3, "shop")  # shop, shop.cli, shop.config


def test_report_is_imported_on_demand(import_trace):
    cli = import_trace.fresh_import("shop.cli")
    assert "total" in cli.main(["report"])
    import_trace.assert_imported("shop.report", "decimal")


def test_no_circular_imports(import_trace):
    import_trace.fresh_import("shop.cli")
    import_trace.fresh_import("shop.report")
    import_trace.assert_no_cycles()


@pytest.mark.xfail(raises=AssertionError, strict=True, reason="shop.legacy has a circular import")
def test_legacy_code_has_no_circular_imports(import_trace):
    """Run with --runxfail to see the message: it names both modules and the lines of the cycle."""
    import_trace.fresh_import("shop.legacy.orders")
    import_trace.assert_no_cycles()


def test_without_the_fixture():
    """The same checks work anywhere (a script, unittest, another runner): trace a block, then assert."""
    with importtrace.trace() as t, importtrace.fresh_import("shop.cli"):
        pass
    importtrace.assert_not_imported(t, "shop.report")
    importtrace.assert_max_modules(t, 3, "shop")
