"""`import` binds one name, the module; `from ... import` copies names out of it."""

import shapes  # binds the name shapes: use shapes.area, shapes.PI
from shapes import PI, area  # copies two names into this module: use area, PI

print("shapes.area(2) =", shapes.area(2))
print("area(2) =", area(2), "(the same function:", area is shapes.area, ")")

PI = 3  # noqa: F811  rebinding our copy does not change the module
print("our PI =", PI, "but shapes.PI =", shapes.PI)
