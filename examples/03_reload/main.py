"""importlib.reload re-runs a module's code in the same module object; `from` copies go stale."""

import importlib
import os
import sys

import settings
from settings import COLOR, greeting  # copies of the objects settings has right now

print("before:", settings.greeting(), settings.COLOR)

# Stand-in for editing settings.py in your editor: put edited/ first on sys.path, so the reload
# finds edited/settings.py (a reload searches for the module's file again, then re-runs it).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "edited"))
importlib.reload(settings)

print("after: ", settings.greeting(), settings.COLOR, settings.BORDER)  # the new code
print("copies:", greeting(), COLOR)  # still the old objects: from-imports are not updated
print("left over:", settings.old_helper())  # the new code no longer defines it, yet it survives
