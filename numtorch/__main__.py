"""``python -m numtorch`` = the ``numtorch`` command."""

import sys

from .cli import main

sys.exit(main())
