"""`python -m dtsen ...`: the command line, as the `dtsen` console script runs it."""

import sys

from dtsen.cli import main

sys.exit(main())
