"""Old code with a circular import, kept to show how the fixture reports one."""
