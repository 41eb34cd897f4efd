"""Programs that act on the Apsis service itself: statistics, archiving, vacuuming.

Their type names are their dotted class paths, as in Apsis, so job files and stored
runs that name them that way keep working; the short names are aliases.

They run inside the service, through `RunContext.services`: the `Services` protocol
(defined with the program contract in `base.py`) is what they ask of the engine.
"""

from ..base import Services
from .archive import ArchiveProgram
from .stats import StatsProgram
from .vacuum import VacuumProgram

__all__ = ["ArchiveProgram", "Services", "StatsProgram", "VacuumProgram"]
