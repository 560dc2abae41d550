"""``python -m sim``: the same as the ``innovsim`` command."""

import sys

from .cli import main

sys.exit(main())
