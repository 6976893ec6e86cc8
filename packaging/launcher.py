"""The bundle's entry script: the same as the `ctctdesk` command (PyInstaller needs a script, not an entry
point)."""

import sys

from ctctdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
