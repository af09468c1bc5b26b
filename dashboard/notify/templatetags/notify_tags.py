"""Template filters for notification pages: epoch seconds as readable times."""

from __future__ import annotations

from django import template

from dashboard.core.web import timefmt

register = template.Library()


@register.filter
def epoch_iso(value: float | None) -> str:
    """``2024-05-01T10:00:00Z`` for a ``datetime`` attribute; empty for no value."""
    return "" if value is None else timefmt.iso(float(value))


@register.filter
def ago(value: float | None) -> str:
    """A short relative time ("12s ago", "in 3m"), in the words of the other pages."""
    return "" if value is None else timefmt.relative(float(value))
