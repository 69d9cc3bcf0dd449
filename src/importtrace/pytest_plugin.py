"""pytest plugin (placeholder until the pytest issue lands).

PYTEST_DONT_REWRITE
"""
