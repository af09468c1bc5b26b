"""The TokenReview cache: bounded by LRU (a flood of bogus tokens does not sign everyone
out), forgets on sign-out, and failed reviews are limited per client address.

The cache tests count the reviews a spy answers (a data-structure property, no cluster);
the throttle test runs against the real apiserver's TokenReview.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from dashboard.core.auth import identity
from dashboard.core.auth.identity import AuthenticationError, TokenReviewer, TooManyFailures
from dashboard.core.auth.viewer import Viewer
from dashboard.core.web.ratelimit import RateLimiter
from devkit.controlplane import ControlPlane
from devkit.dashboard_server import DashboardServer


class Spy:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, token: str) -> Viewer | None:
        self.asked.append(token)
        return None if token.startswith("bogus") else Viewer(username=token)


def test_a_full_cache_drops_the_least_recently_used_entry_only() -> None:
    spy = Spy()
    reviewer = TokenReviewer(ttl=60, max_entries=3, ask=spy)
    for token in ("ann", "ben", "cat"):
        reviewer.review(token)
    reviewer.review("ann")  # ann is now the most recently used
    with pytest.raises(AuthenticationError):
        reviewer.review("bogus-1")  # evicts ben, the least recently used
    spy.asked.clear()
    assert [reviewer.review(t).username for t in ("ann", "cat")] == ["ann", "cat"]
    assert spy.asked == []  # still cached
    reviewer.review("ben")
    assert spy.asked == ["ben"]


def test_a_flood_of_bogus_tokens_keeps_the_recent_valid_ones() -> None:
    spy = Spy()
    reviewer = TokenReviewer(ttl=60, max_entries=20, ask=spy)
    for i in range(100):  # five times what the cache holds
        reviewer.review("operator")  # in use all along
        with pytest.raises(AuthenticationError):
            reviewer.review(f"bogus-{i}")
    assert spy.asked.count("operator") == 1  # never evicted, never asked again
    assert len(spy.asked) == 101


def test_answers_expire_after_the_ttl_and_sign_out_forgets_one() -> None:
    spy = Spy()
    reviewer = TokenReviewer(ttl=0, max_entries=10, ask=spy)
    reviewer.review("ann")
    reviewer.review("ann")
    assert spy.asked == ["ann", "ann"]  # ttl 0: always asks

    cached = TokenReviewer(ttl=60, max_entries=10, ask=spy)
    cached.review("ann")
    cached.review("ann")
    cached.forget("ann")
    cached.review("ann")
    assert spy.asked == ["ann", "ann", "ann", "ann"]


def test_a_token_seen_valid_is_reviewed_while_its_address_is_held_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Behind an ingress every user shares one client address: bogus tokens that empty its
    bucket must not lock out the users whose tokens reviewed valid before."""
    monkeypatch.setattr(identity, "auth_failure_limiter", RateLimiter(rate=1e-6, burst=3))
    spy = Spy()
    reviewer = TokenReviewer(ttl=0, max_entries=10, ask=spy)  # ttl 0: answers expire at once
    ingress = "10.0.0.1"
    assert reviewer.review("operator", client=ingress).username == "operator"
    for i in range(3):
        with pytest.raises(AuthenticationError):
            reviewer.review(f"bogus-{i}", client=ingress)
    with pytest.raises(TooManyFailures):
        reviewer.review("bogus-3", client=ingress)  # the bucket is empty

    spy.asked.clear()
    assert reviewer.review("operator", client=ingress).username == "operator"
    assert spy.asked == ["operator"]  # reviewed again, not held back
    with pytest.raises(TooManyFailures):
        reviewer.review("bogus-4", client=ingress)
    with pytest.raises(TooManyFailures):
        reviewer.review("newcomer", client=ingress)  # never seen valid: held back too
    assert spy.asked == ["operator"]


@pytest.fixture(scope="module")
def strict_dashboard(
    control_plane: ControlPlane, sample_crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardServer]:
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=Path(tmp_path_factory.mktemp("auth-failures")),
        extra_env={
            "CRSCOPE_AUTH_MODE": "token",
            "CRSCOPE_AUTH_FAILURE_RATE": "0.01",
            "CRSCOPE_AUTH_FAILURE_BURST": "5",
        },
    )
    server.start()
    yield server
    server.stop()


@pytest.mark.cluster
def test_failed_authentications_are_limited_per_address(
    strict_dashboard: DashboardServer, control_plane: ControlPlane
) -> None:
    url = strict_dashboard.url + "/api/v1/resources"
    admin = {"Authorization": f"Bearer {control_plane.tokens['admin']}"}
    assert requests.get(url, headers=admin, timeout=30).status_code == 200  # cached now

    statuses = []
    for i in range(8):
        response = requests.get(url, headers={"Authorization": f"Bearer bogus-{i}"}, timeout=30)
        statuses.append(response.status_code)
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429] * 3
    assert 1 <= int(response.headers["Retry-After"]) <= 100
    assert "too many failed authentications" in response.json()["detail"]

    # The sign-in form is the same door.
    session = requests.Session()
    session.get(strict_dashboard.url + "/signin", timeout=30)
    form = requests.post(
        strict_dashboard.url + "/signin",
        data={"token": "bogus-form", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        cookies=session.cookies,
        timeout=30,
    )
    assert form.status_code == 429
    assert "too many failed authentications" in form.text

    # A token already reviewed and valid costs no review: it still works.
    assert requests.get(url, headers=admin, timeout=30).status_code == 200
