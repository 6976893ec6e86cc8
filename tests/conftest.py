"""Suite-wide settings. Feature fixtures live in the conftest.py of each test folder or in tests/support."""

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parent.parent
# The official Constant Contact spec sits beside the project, never inside it.
SPEC_PATH = REPO_ROOT.parent / "shared" / "contracts" / "constant-contact-v3.swagger.yaml"

pytest_plugins = ["tests.support.sandbox_fixtures", "tests.support.cmon_fixtures", "tests.support.raw_http"]
