"""Why a kind cannot be listed, and whether that may hold up the whole deployment.

Why its own module: one kind that cannot be listed must not take every other kind out of
service. A 403 (a CRD added to a watched group before the ClusterRole grants it), a 404
(a version not served yet) or a failing conversion webhook will not be fixed by the
dashboard retrying harder; once such a failure has lasted past a short grace period the
kind is reported as unavailable (on its page, the rail and in metrics) and readiness no
longer waits for it. The reflector keeps retrying with backoff, so the kind joins as soon
as it can be listed. Network errors and 5xx answers are not in this class: they usually
mean the apiserver itself is in trouble, which readiness must reflect.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Shown to people and used as a metric label; the HTTP status picks one.
_REASONS = {403: "forbidden", 404: "not found"}
CONVERSION_FAILED = "conversion failed"


@dataclass(frozen=True, slots=True)
class KindFailure:
    """A kind's list fails in a way that retrying soon will not fix."""

    reason: str
    status: int
    message: str
    since: float


def classify(status: int, message: str) -> str | None:
    """The reason for a 403, a 404 or a conversion error; None for any other failure.

    A failing conversion webhook shows as a 500, or as a 429 "storage is
    (re)initializing" while the watch cache cannot fill; the message names it.
    """
    if "conversion webhook" in message.lower():
        return CONVERSION_FAILED
    return _REASONS.get(status)


def unlistable(*, status: int, message: str, since: float) -> KindFailure | None:
    """The current failure (``since`` 0.0: none) if it is one :func:`classify` names."""
    reason = classify(status, message) if since else None
    if reason is None:
        return None
    return KindFailure(reason=reason, status=status, message=message, since=since)


def past_grace(failure: KindFailure | None, *, grace: float, now: float) -> KindFailure | None:
    """``failure`` once it has lasted ``grace`` seconds, so a brief race is not reported."""
    if failure is None or now - failure.since < grace:
        return None
    return failure
