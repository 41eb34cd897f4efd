"""Apsis: a production task scheduler."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("apsis")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
