"""Deliberate bugs in the code that guards users, and the tests that must catch each one.

Run ``make mutants`` (``python -m tests.mutants``); the format is in README.md here.
"""
