"""The engine: the one place runs change state (DESIGN.md §1)."""
