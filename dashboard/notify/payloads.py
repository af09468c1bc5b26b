"""Message bodies: the generic webhook JSON and the Slack-compatible ``{text, blocks}``.

Why built from the stored occurrences at send time: the outbox row is the source of truth,
so a retry (or a replica picking up after a crash) sends the same content under the same
id. A window that collected many occurrences becomes one message: per object, the first
old state, the last new state and an occurrence count; the list is capped so one storm
cannot produce a megabyte webhook.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard.core.web.links import object_url_by_key
from dashboard.core.web.timefmt import iso_precise
from dashboard.notify.models import Notification, Occurrence

MAX_OBJECTS = 50
SLACK_LINES = 10


@dataclass
class ObjectSummary:
    """One object's share of a notification."""

    first: Occurrence
    last: Occurrence
    count: int = 1
    paths: list[str] = field(default_factory=list)

    def add(self, occurrence: Occurrence) -> None:
        self.last = occurrence
        self.count += 1
        for path in occurrence.changed_paths or []:
            if path not in self.paths and len(self.paths) < 100:
                self.paths.append(path)


def summarize(occurrences: Iterable[Occurrence]) -> list[ObjectSummary]:
    """Occurrences (oldest first) folded per object, in order of first appearance."""
    by_object: dict[tuple[str, str, str, str], ObjectSummary] = {}
    for occ in occurrences:
        key = (occ.kind, occ.namespace, occ.name, occ.uid)
        summary = by_object.get(key)
        if summary is None:
            by_object[key] = ObjectSummary(first=occ, last=occ, paths=list(occ.changed_paths or []))
        else:
            summary.add(occ)
    return list(by_object.values())


def identity(occ: Occurrence) -> dict[str, Any]:
    group = occ.kind.partition("/")[0]
    version = occ.api_version.rpartition("/")[2] if occ.api_version else ""
    return {
        "group": group,
        "version": version,
        "kind": occ.kind_name,
        "plural": occ.kind.partition("/")[2],
        "namespace": occ.namespace or None,
        "name": occ.name,
        "uid": occ.uid,
    }


def _state(state: str, reason: str, message: str) -> dict[str, str] | None:
    return {"state": state, "reason": reason, "message": message} if state else None


def _new_state(occ: Occurrence) -> dict[str, str] | None:
    """The new state, with the rule that decided it and the one-line why (empty strings
    when no rule did, e.g. an occurrence stored before rules existed)."""
    shown = _state(occ.new_state, occ.new_reason, occ.message)
    if shown is not None:
        why = why_of(occ)
        shown["rule"] = str(why.get("rule") or "")
        shown["why"] = str(why.get("text") or "")
    return shown


def why_of(occ: Occurrence) -> Mapping[str, Any]:
    why = (occ.detail or {}).get("why")
    return why if isinstance(why, Mapping) else {}


def object_entry(summary: ObjectSummary, public_url: str) -> dict[str, Any]:
    first, last = summary.first, summary.last
    path = object_url_by_key(first.kind, first.namespace, first.name)
    return {
        "object": identity(first),
        "old_state": _state(first.old_state, first.old_reason, ""),
        "new_state": _new_state(last),
        "changed_paths": summary.paths,
        "link": f"{public_url}{path}" if public_url else None,
        "path": path,
        "occurrences": summary.count,
        "first_seen": iso_precise(first.observed),
        "last_seen": iso_precise(last.observed),
        "detail": last.detail or {},
        "text": line(summary),
    }


def webhook_payload(
    notification: Notification, occurrences: list[Occurrence], *, public_url: str
) -> dict[str, Any]:
    """The generic webhook body; top-level object fields describe the first object."""
    summaries = summarize(occurrences)
    entries = [object_entry(s, public_url) for s in summaries[:MAX_OBJECTS]]
    head = entries[0] if entries else {}
    return {
        "id": notification.nid,
        "rule": notification.rule,
        "trigger": notification.trigger,
        "when": notification.description,
        "time": iso_precise(notification.last_at),
        "first_seen": iso_precise(notification.opened_at),
        "count": len(occurrences),
        "object_count": len(summaries),
        "summary": headline(notification, summaries),
        "object": head.get("object"),
        "old_state": head.get("old_state"),
        "new_state": head.get("new_state"),
        "changed_paths": head.get("changed_paths", []),
        "link": head.get("link"),
        "objects": entries,
        "truncated": len(summaries) > MAX_OBJECTS,
    }


def _name(occ: Occurrence) -> str:
    return f"{occ.namespace}/{occ.name}" if occ.namespace else occ.name


def line(summary: ObjectSummary) -> str:
    """One human line for an object, e.g. ``shop/web: InProgress → Failed (CrashLoop)``."""
    first, last = summary.first, summary.last
    what = _what(first, last)
    times = f" (x{summary.count})" if summary.count > 1 else ""
    kind = last.kind_name or last.kind
    return f"{kind} {_name(last)}: {what}{times}"


def _what(first: Occurrence, last: Occurrence) -> str:
    detail: Mapping[str, Any] = last.detail or {}
    if "event" in detail:
        event = detail["event"]
        return f"{event.get('type')} event {event.get('reason')}: {event.get('message', '')}"[:300]
    if "stuck_for" in detail:
        return f"stuck in {last.new_state} for {detail['stuck_for']:.0f}s"
    if "path" in detail:
        return f"{detail['path']} changed {detail.get('old')!r} → {detail.get('new')!r}"[:300]
    if not last.new_state:
        return "deleted"
    if not first.old_state:
        return f"created ({last.new_state})"
    reason = f" ({last.new_reason})" if last.new_reason else ""
    return f"{first.old_state} → {last.new_state}{reason}"


def headline(notification: Notification, summaries: list[ObjectSummary]) -> str:
    if len(summaries) == 1:
        return f"[{notification.rule}] {line(summaries[0])}"
    return f"[{notification.rule}] {len(summaries)} objects: {notification.description}"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(
    notification: Notification, occurrences: list[Occurrence], *, public_url: str
) -> dict[str, Any]:
    """Slack (and Mattermost/Rocket.Chat) incoming-webhook format."""
    summaries = summarize(occurrences)
    text = f"crscope: {headline(notification, summaries)}"
    lines = []
    for summary in summaries[:SLACK_LINES]:
        entry = _slack_escape(line(summary))
        occ = summary.last
        if public_url:
            url = public_url + object_url_by_key(occ.kind, occ.namespace, occ.name)
            entry = f"<{url}|{_slack_escape(_name(occ))}> {entry}"
        lines.append(f"• {entry}")
    if len(summaries) > SLACK_LINES:
        lines.append(f"… and {len(summaries) - SLACK_LINES} more")
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_slack_escape(text)}*"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": _slack_escape(
                        f"rule {notification.rule} · {len(occurrences)} occurrence(s) · "
                        f"id {notification.nid}"
                    ),
                }
            ],
        },
    ]
    return {"text": text[:3000], "blocks": blocks}
