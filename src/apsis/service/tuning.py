"""Process-wide settings from the config's `python` section (SPEC §8).

The garbage collector is the one that matters. Each run costs a few dozen short-lived
objects (futures, callbacks, JSON dicts), and with CPython's default thresholds
(700, 10, 10) those allocations trigger a collection every few runs, each of which
walks the young objects and, every hundred, everything the service holds: no-op runs
went at 2,000/s with the defaults and at 6,000/s with (100000, 50, 10) on the same
machine (`bench/engine.py`, `noop_runs_per_s`). The service's objects are mostly
freed by reference counting; the collector is only for the rare cycle, so running it
less often costs a little memory, never correctness.
"""

from __future__ import annotations

import gc

from ..config import GcConfig


def tune_gc(config: GcConfig) -> None:
    """Apply `python.gc`: the collector's thresholds, or no collector at all."""
    gc.set_threshold(*config.threshold)
    if config.enabled:
        gc.enable()
    else:
        gc.disable()
