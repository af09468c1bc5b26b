"""Which list failures make a kind unavailable instead of holding up readiness.

Why in-process: the rule is a pure function of the HTTP status, the message and how long
the failure has lasted; ``test_unlistable_kinds`` checks it against the real apiserver.
"""

from __future__ import annotations

import pytest

from informers.kindfailure import CONVERSION_FAILED, classify, past_grace, unlistable


@pytest.mark.parametrize(
    ("status", "message", "reason"),
    [
        (403, "gadgets is forbidden", "forbidden"),
        (404, "the server could not find the requested resource", "not found"),
        (500, 'conversion webhook for t/v1 failed: Post "https://..."', CONVERSION_FAILED),
        (429, "storage is (re)initializing: Conversion Webhook failed", CONVERSION_FAILED),
        (500, "etcdserver: request timed out", None),
        (429, "too many requests", None),
        (0, "connection refused", None),
    ],
)
def test_only_failures_retrying_will_not_fix_are_classified(
    status: int, message: str, reason: str | None
) -> None:
    assert classify(status, message) == reason


def test_a_failure_counts_only_while_it_lasts_and_past_the_grace() -> None:
    assert unlistable(status=403, message="forbidden", since=0.0) is None, "none since"
    failure = unlistable(status=403, message="forbidden", since=100.0)
    assert failure is not None and failure.reason == "forbidden"
    assert past_grace(failure, grace=30.0, now=129.9) is None
    assert past_grace(failure, grace=30.0, now=130.0) is failure
    assert past_grace(None, grace=0.0, now=1e9) is None
