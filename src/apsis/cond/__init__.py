"""Conditions: gates a waiting run must pass (SPEC §6). Importing this registers every kind."""

from .base import Condition, conditions, format_instance
from .const import Const
from .dependency import Dependency
from .max_running import MaxRunning
from .poll import Poll
from .resource import Resource
from .skip_duplicate import SkipDuplicate

__all__ = [
    "Condition",
    "Const",
    "Dependency",
    "MaxRunning",
    "Poll",
    "Resource",
    "SkipDuplicate",
    "conditions",
    "format_instance",
]
