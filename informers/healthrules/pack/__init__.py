"""The shipped health rule pack: one ``<project>.yaml`` per project, loaded as package data."""
