"""One way to say times: the UI pages, the notification pages and the payloads agree.

Why: the notification pages had their own "ago" (rounded: 90 minutes said "2h ago")
while the list and home pages said "1h 30m ago" for the same age.
"""

from __future__ import annotations

import time

from dashboard.core.web import timefmt
from dashboard.notify.templatetags import notify_tags


def test_relative_says_ago_for_the_past_and_in_for_the_future() -> None:
    assert timefmt.relative(1000.0, now=1000.0 + 725) == "12m ago"
    assert timefmt.relative(1000.0 + 180, now=1000.0) == "in 3m"
    assert timefmt.relative(1000.0, now=1000.0) == "0s ago"


def test_notification_pages_say_ages_in_the_words_of_the_other_pages() -> None:
    ninety_minutes_ago = time.time() - 5400 - 5  # a few seconds of slack for a slow run
    assert notify_tags.ago(ninety_minutes_ago) == "1h 30m ago"
    assert notify_tags.ago(None) == ""
    assert notify_tags.epoch_iso(0) == timefmt.iso(0) == "1970-01-01T00:00:00Z"


def test_payload_times_keep_their_fraction() -> None:
    assert timefmt.iso_precise(1.5) == "1970-01-01T00:00:01.500000Z"
    assert timefmt.iso_precise(2.0) == "1970-01-01T00:00:02Z"
