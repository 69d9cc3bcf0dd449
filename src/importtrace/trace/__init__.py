"""The trace: events built from raw records, their queries, and the trace file format."""
