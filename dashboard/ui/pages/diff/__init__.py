"""The diff between two revisions of an object."""
