"""A module is loaded once per run: every importer gets the same module object, so its names are
shared state (a singleton)."""

import first
import second

print("first.counter is second.counter:", first.counter is second.counter)

import counter  # noqa: E402  a third importer: the very same module object again

print("count after both bumped it:", counter.count)
