"""The global search."""
