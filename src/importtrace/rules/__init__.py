"""Rules on a trace: check, the assertions for tests, and the diff of two runs."""
