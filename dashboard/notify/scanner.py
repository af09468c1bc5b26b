"""Finding objects that just became stuck: a change that never happens.

Why a periodic scan: an object becomes stuck by the passage of time (InProgress or
Terminating for longer than the kind's threshold), not by an update, so no Change ever
announces it. Each scan lists the InProgress/Terminating entries (an index read) of kinds
some stuck rule watches and reports those not stuck at the previous scan. A stuck episode
is identified by (uid, since): an update that keeps the state does not re-announce it. The
first scan of a kind only records what is already stuck, as the start-up list never
notifies.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

from dashboard.notify.matching import Hit, match_stuck
from dashboard.notify.rules import Rule, TriggerType
from informers import Engine, State

_SLOW_STATES = (State.IN_PROGRESS, State.TERMINATING)


class StuckScanner:
    def __init__(self) -> None:
        self._stuck: dict[str, dict[str, tuple[str, float]]] = {}

    def scan(self, engine: Engine, rules: Sequence[Rule], now: float) -> list[Hit]:
        stuck_rules = [r for r in rules if r.trigger.type is TriggerType.STUCK]
        watched: set[str] = set()
        hits: list[Hit] = []
        for informer in engine.informers():
            kind = informer.kind.key
            relevant = [r for r in stuck_rules if _kind_matches(r, kind)]
            if not relevant or not informer.synced:
                continue
            watched.add(kind)
            threshold = engine.settings.stuck_threshold(kind)
            entries = [
                e for e in informer.store.list(states=_SLOW_STATES) if e.stuck(now, threshold)
            ]
            current = {e.key: (e.uid, e.since) for e in entries}
            previous = self._stuck.get(kind)
            self._stuck[kind] = current
            if previous is None:
                continue  # the baseline: already stuck before anyone was watching
            for entry in entries:
                if previous.get(entry.key) != current[entry.key]:
                    hits.extend(match_stuck(relevant, kind, entry, now))
        for kind in list(self._stuck.keys() - watched):
            del self._stuck[kind]  # no rule watches it any more: start over if one returns
        return hits


def _kind_matches(rule: Rule, kind: str) -> bool:
    return not rule.match.kinds or any(fnmatch.fnmatchcase(kind, k) for k in rule.match.kinds)
