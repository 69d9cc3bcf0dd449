"""A circular import: eggs imports ham, and ham imports eggs while eggs is still running."""

import eggs

print(eggs.serve())
