"""`apsis`: the user's command line, a client of a running service (SPEC §9.3).

The service and its API arrive with the engine; until then this command offers only
`--version` and says where to look.
"""

from __future__ import annotations

import click

from .. import __version__


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Checking and previewing job files: see `apsisctl check-jobs` and `apsisctl preview`.",
)
@click.version_option(__version__, prog_name="apsis")
def main() -> None:
    """Talk to an Apsis service."""
