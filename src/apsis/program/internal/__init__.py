"""Programs that act on the Apsis service itself: statistics, archiving, vacuuming.

Their type names are their dotted class paths, as in Apsis, so job files and stored
runs that name them that way keep working; the short names are aliases.
"""

from .archive import ArchiveProgram
from .stats import StatsProgram
from .vacuum import VacuumProgram

__all__ = ["ArchiveProgram", "StatsProgram", "VacuumProgram"]
