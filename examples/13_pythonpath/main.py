"""sys.path is: the script's folder, then PYTHONPATH's folders in order, then the standard library, then
installed packages.  The first folder that has the module wins."""

import sys

for number, entry in enumerate(sys.path[:3], start=1):
    print("[%d] %s" % (number, entry))

import greetings  # noqa: E402  in lib/ and in vendor/: lib/ comes first on PYTHONPATH

print(greetings.hello())
