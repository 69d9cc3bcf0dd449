"""tools.hammer."""
