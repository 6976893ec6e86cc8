"""`python -m ctctdesk` is the same as the `ctctdesk` command."""

import sys

from ctctdesk.cli import main

sys.exit(main())
