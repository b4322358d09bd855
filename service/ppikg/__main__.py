"""`python -m ppikg` runs the `ppi` command."""

import sys

from .cli import main

sys.exit(main())
