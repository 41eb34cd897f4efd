"""The `apsis` tests reuse the service tests' live service helper, which lives beside
their conftest rather than in a package; put its directory on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

SERVICE_TESTS = str(Path(__file__).resolve().parent.parent / "service")
if SERVICE_TESTS not in sys.path:
    sys.path.insert(0, SERVICE_TESTS)
