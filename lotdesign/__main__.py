"""``python -m lotdesign`` runs the command line."""

import sys

from lotdesign.cli import main

sys.exit(main())
