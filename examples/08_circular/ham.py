"""ham imports eggs, which is only half-made at that moment."""

import eggs  # works: ham gets the unfinished module eggs

try:
    from eggs import SPAM  # noqa: F401  fails: eggs has not reached the line that defines SPAM yet
except ImportError as exc:
    print("ham:", exc)


def cook() -> str:
    return "ham and " + eggs.SPAM  # fine: cook() runs later, after eggs has finished
