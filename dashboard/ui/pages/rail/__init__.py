"""The rail of kinds on every page, and its live counts."""
