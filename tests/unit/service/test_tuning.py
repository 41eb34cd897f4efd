from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from apsis.config import load_config
from apsis.service.tuning import tune_gc


@pytest.fixture
def restore_gc() -> Iterator[None]:
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.set_threshold(*threshold)
    if enabled:
        gc.enable()


@pytest.mark.usefixtures("restore_gc")
def test_the_default_config_raises_the_collector_thresholds(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("job_dir: .\n")
    tune_gc(load_config(tmp_path / "config.yaml").python.gc)
    assert gc.get_threshold() == (100_000, 50, 10)
    assert gc.isenabled()


@pytest.mark.usefixtures("restore_gc")
def test_the_config_can_set_thresholds_or_turn_the_collector_off(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "job_dir: .\npython: {gc: {enabled: false, threshold: [5000, 20]}}\n"
    )
    tune_gc(load_config(tmp_path / "config.yaml").python.gc)
    assert gc.get_threshold()[:2] == (5000, 20)
    assert not gc.isenabled()
