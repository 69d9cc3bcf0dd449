"""The app package: runs first under `python -m app`."""

print("app/__init__.py runs, as", __name__)
