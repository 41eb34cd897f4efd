"""The `store` fixture: every test in this folder runs against a real database file.

The tests use the store's API only, so the same modules can run against PostgreSQL by
parametrizing this fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from apsis.store import Store, create_store, open_store


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "apsis.db"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    create_store(store_path)
    opened = open_store(store_path)
    yield opened
    opened.close()
