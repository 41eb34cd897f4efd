"""`apsis`: the user's command line, a client of a running service (SPEC §9.3).

The commands live in `apsis.cli.user`; this module is the entry point's name.
"""

from __future__ import annotations

from .user.commands import main

__all__ = ["main"]
