"""The user's rules file: reloaded on change, the last good rules kept when it is bad."""

from __future__ import annotations

import os
from pathlib import Path

from informers import EngineSettings, shipped_rules
from informers.healthrules import HealthRulesSource

GOOD = """\
rules:
  - name: mine/Widget
    match: {group: example.com, kind: Widget}
    cases:
      - {when: 'object.status.phase == "Broken"', state: Failed, reason: Broken}
"""

BAD = """\
rules:
  - name: mine/Widget
    match: {group: example.com, kind: Widget}
    cases:
      - {when: 'object.status.phase ==', state: Failed, reason: Broken}
"""


def _write(path: Path, text: str, *, bump: int) -> None:
    path.write_text(text, encoding="utf-8")
    # a distinct mtime even on coarse clocks: the source compares (mtime, size, inode)
    stamp = 1_700_000_000 + bump
    os.utime(path, (stamp, stamp))


def test_the_environment_names_the_file() -> None:
    settings = EngineSettings.from_env({"CRSCOPE_HEALTH_RULES": " /etc/crscope/health.yaml "})
    assert settings.health_rules_path == "/etc/crscope/health.yaml"
    assert EngineSettings.from_env({}).health_rules_path == ""


def test_without_a_file_the_shipped_pack_is_in_force() -> None:
    source = HealthRulesSource("")
    assert source.load() is False
    assert source.current is shipped_rules()
    status = source.status()
    assert (status.path, status.error, status.user_rule_names) == (None, None, ())


def test_user_rules_come_before_the_pack(tmp_path: Path) -> None:
    path = tmp_path / "health.yaml"
    _write(path, GOOD, bump=0)
    source = HealthRulesSource(str(path))
    assert source.load() is True
    status = source.status()
    assert status.rule_names[0] == "mine/Widget"
    assert status.rule_names[1:] == shipped_rules().names()
    assert status.user_rule_names == ("mine/Widget",)
    assert status.error is None and status.loaded_at is not None


def test_a_bad_file_keeps_the_previous_rules_and_says_where(tmp_path: Path) -> None:
    path = tmp_path / "health.yaml"
    _write(path, GOOD, bump=0)
    source = HealthRulesSource(str(path), reload_seconds=0)
    source.load()
    good = source.current
    loaded_at = source.loaded_at

    _write(path, BAD, bump=1)
    assert source.maybe_reload(now=1.0) is False
    assert source.current is good
    status = source.status()
    assert status.error is not None
    assert status.error.startswith(f"{path}: rules[0].cases[0].when: line 5, column ")
    assert "CEL:" in status.error
    assert status.loaded_at == loaded_at
    assert status.public()["error"] == status.error

    _write(path, GOOD.replace("Broken", "Smashed"), bump=2)
    assert source.maybe_reload(now=2.0) is True
    assert source.current is not good
    assert source.status().error is None


def test_an_unchanged_file_is_not_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "health.yaml"
    _write(path, GOOD, bump=0)
    source = HealthRulesSource(str(path), reload_seconds=0)
    source.load()
    current = source.current
    assert source.maybe_reload(now=1.0) is False
    assert source.current is current


def test_a_missing_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    source = HealthRulesSource(str(tmp_path / "nope.yaml"))
    assert source.load() is False
    assert source.current is shipped_rules()
    assert "cannot read" in (source.status().error or "")
