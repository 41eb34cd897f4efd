"""One module per schema version; see the package docstring."""
