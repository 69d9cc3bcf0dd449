"""What is derived from a trace to select and group its events: filters, module kinds, subtrees."""
