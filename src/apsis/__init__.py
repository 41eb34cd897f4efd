"""Apsis: a production task scheduler."""


def __getattr__(name: str) -> str:
    """`__version__`, read from the installed package's metadata when first asked for:
    reading it costs more than the rest of this package's import."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("apsis")
    except PackageNotFoundError:  # running from a source tree without installation
        found = "0.0.0"
    globals()["__version__"] = found
    return found
