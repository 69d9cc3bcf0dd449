"""The trace: events built from raw records, their queries, and the trace file format."""

#: importtrace's version (here, in the bottom layer, so that any layer may show it; importtrace re-exports it)
__version__ = "0.1.0"
