"""EngineSettings.from_env reads every field from the mapping it is given.

Why: the dashboard, the benchmarks and the tests each pass their own mapping; a field
that silently read ``os.environ`` instead would make a test's settings depend on the
shell it runs in, and a caller's explicit value lose to a stray variable.
"""

from __future__ import annotations

import pytest

from informers import EngineSettings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 600.0),
        ("120", 120.0),
        (" 90.5 ", 90.5),
        ("", 600.0),
        ("ten minutes", 600.0),
        ("-5", 600.0),
        ("0", 600.0),
        ("nan", 600.0),
        ("inf", 600.0),
    ],
)
def test_stuck_after_comes_from_the_given_mapping(raw: str | None, expected: float) -> None:
    env = {} if raw is None else {"CRSCOPE_STUCK_AFTER_SECONDS": raw}
    assert EngineSettings.from_env(env).stuck_after == expected


def test_process_environment_does_not_leak_into_a_given_mapping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRSCOPE_STUCK_AFTER_SECONDS", "42")
    monkeypatch.setenv("CRSCOPE_INCLUDE_GROUPS", "leaked.example.com")
    settings = EngineSettings.from_env({})
    assert settings.stuck_after == 600.0
    assert settings.include_groups == ()


def test_without_a_mapping_the_process_environment_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRSCOPE_STUCK_AFTER_SECONDS", "42")
    assert EngineSettings.from_env().stuck_after == 42.0


def test_every_documented_field_is_read_from_the_mapping() -> None:
    env = {
        "CRSCOPE_INCLUDE_GROUPS": "a.example.com, b.example.com",
        "CRSCOPE_EXCLUDE_GROUPS": "c.example.com",
        "CRSCOPE_INCLUDE_KINDS": "Widget",
        "CRSCOPE_EXCLUDE_KINDS": "Gadget",
        "CRSCOPE_NAMESPACES": "team-a,team-b",
        "CRSCOPE_EXCLUDE_NAMESPACES": "kube-system",
        "CRSCOPE_LIST_MODE": "paged",
        "CRSCOPE_EVENTS": "off",
        "CRSCOPE_STUCK_AFTER_SECONDS": "75",
        "CRSCOPE_STUCK_AFTER_BY_KIND": "example.com/widgets=30,broken",
        "CRSCOPE_METADATA_ONLY_KINDS": "Huge",
        "CRSCOPE_KIND_FAILURE_GRACE": "7",
        "CRSCOPE_HEALTH_RULES": " /etc/crscope/rules.yaml ",
    }
    assert EngineSettings.from_env(env) == EngineSettings(
        include_groups=("a.example.com", "b.example.com"),
        exclude_groups=("c.example.com",),
        include_kinds=("Widget",),
        exclude_kinds=("Gadget",),
        namespaces=("team-a", "team-b"),
        exclude_namespaces=("kube-system",),
        list_mode="paged",
        events="off",
        stuck_after=75.0,
        stuck_after_by_kind={"example.com/widgets": 30.0},
        metadata_only_kinds=("Huge",),
        failure_grace=7.0,
        health_rules_path="/etc/crscope/rules.yaml",
    )
