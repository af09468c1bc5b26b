"""Restore an object to a past revision: the patch to copy, never applied by crscope."""
