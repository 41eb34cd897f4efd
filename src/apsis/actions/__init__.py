"""Actions: what happens when a run changes state (SPEC §7). Importing this registers every kind."""

from .base import Action, ActionFilter, actions
from .email import EmailAction
from .schedule import ScheduleAction, successor_actions
from .webhook import WebhookAction

__all__ = [
    "Action",
    "ActionFilter",
    "EmailAction",
    "ScheduleAction",
    "WebhookAction",
    "actions",
    "successor_actions",
]
