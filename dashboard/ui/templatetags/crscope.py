"""Template tags for the UI: state badges, live relative times, numbers, object links.

Why tags instead of context: the same markup (a badge, a ``<time>``) appears in pages and
in the fragments pushed over the WebSocket, and must be identical in both so the browser's
swaps and the JavaScript time refresher treat them alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from dashboard.core.rules.why import why_text
from dashboard.core.web import links
from dashboard.core.web.timefmt import absolute, compact_duration, iso, since
from dashboard.ui.yamlview import apply_dump
from informers import State, Status, parse_time

register = template.Library()

STATE_CLASS = {
    State.CURRENT: "current",
    State.IN_PROGRESS: "progress",
    State.FAILED: "failed",
    State.TERMINATING: "terminating",
    State.UNKNOWN: "unknown",
}


def _state(value: Any) -> State | None:
    try:
        return State(str(value))
    except ValueError:
        return None


@register.simple_tag
def icon(name: str, label: str = "") -> SafeString:
    """An SVG icon from the static sprite; decorative unless ``label`` is given."""
    href = f"{static('ui/icons.svg')}#{name}"
    if label:
        return format_html(
            '<svg class="icon" role="img" aria-label="{}"><use href="{}"/></svg>', label, href
        )
    return format_html('<svg class="icon" aria-hidden="true"><use href="{}"/></svg>', href)


@register.filter
def state_class(value: Any) -> str:
    state = _state(value)
    return STATE_CLASS[state] if state is not None else "none"


@register.simple_tag
def state_badge(value: Any, stuck: bool = False) -> SafeString:
    """Colour + icon + text, and the amber "stuck" mark beside it: never colour alone."""
    state = _state(value)
    if state is None:
        badge = format_html('<span class="badge st-none">{}</span>', value or "gone")
    else:
        cls = STATE_CLASS[state]
        badge = format_html(
            '<span class="badge st-{}">{}{}</span>', cls, icon(f"i-{cls}"), state.value
        )
    if stuck:
        return format_html('{}<span class="badge stuck">{}stuck</span>', badge, icon("i-stuck"))
    return badge


@register.filter
def why(status: Any) -> str:
    """The one-line "why this state" of a ``Status`` (plain text: autoescaped where used)."""
    return why_text(status) if isinstance(status, Status) else ""


@register.simple_tag
def state_icon(value: Any) -> SafeString:
    state = _state(value)
    return icon(f"i-{STATE_CLASS[state]}") if state is not None else SafeString("")


@register.simple_tag(takes_context=True)
def rail(context: template.Context, active: str | None = None) -> SafeString:
    """The rail's kind list for this request's viewer (the live feed re-sends it)."""
    from dashboard.core.auth.identity import AuthenticationError, viewer_for_request
    from dashboard.core.runtime.adapter import adapter
    from dashboard.ui.pages.rail import rail as rail_model

    engine = adapter.engine
    request = context.get("request")
    if engine is None or request is None:
        return mark_safe(rail_model.render((), None, adapter.error or "engine not running"))  # noqa: S308
    try:
        groups = rail_model.snapshot(engine, viewer_for_request(request))
    except AuthenticationError:
        return SafeString("")
    return mark_safe(rail_model.render(groups, active))  # noqa: S308 - a rendered template


@register.filter
def apply_yaml(obj: Any) -> str:
    """The "copy for apply" text of an object (see ``yamlview.apply_dump``)."""
    return apply_dump(obj) if isinstance(obj, Mapping) else ""


@register.simple_tag
def reltime(epoch: Any, suffix: str = "ago") -> SafeString:
    """A ``<time>`` whose text the browser keeps fresh; the absolute time is on hover."""
    value = _epoch(epoch)
    if value is None:
        return format_html('<span class="muted">{}</span>', "—")
    text = compact_duration(since(value))
    if suffix:
        text = f"{text} {suffix}"
    return format_html(
        '<time datetime="{}" title="{}" data-rel="{}">{}</time>',
        iso(value),
        absolute(value),
        suffix,
        text,
    )


def _epoch(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return parse_time(value)


@register.filter
def thousands(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.simple_tag
def kind_url(kind: Any) -> str:
    return links.kind_url(kind)


@register.simple_tag
def object_url(kind: Any, namespace: str | None, name: str) -> str:
    return links.object_url(kind, namespace, name)
