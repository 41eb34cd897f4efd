"""`apsis-agent`: runs and watches a host's processes for the service (SPEC §10)."""

from __future__ import annotations

import click

from .. import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="apsis-agent")
def main() -> None:
    """The Apsis process agent."""
