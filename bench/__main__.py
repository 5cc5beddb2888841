"""``python -m bench``: see ``bench/__init__.py``."""

import sys

from .runner import main

if __name__ == "__main__":
    sys.exit(main())
