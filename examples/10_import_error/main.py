"""Two ways an import fails: the module is nowhere to be found, or its own code raises."""

try:
    import fancy_colors  # noqa: F401  not installed anywhere: the search finds nothing
except ModuleNotFoundError as exc:
    print("main:", exc)

for attempt in (1, 2):
    try:
        import broken  # noqa: F401  found, but its code raises: it is not kept in sys.modules
    except ZeroDivisionError as exc:
        print("main: attempt %d: importing broken failed: %s" % (attempt, exc))
