"""The rules file: reloads on change, and a broken file keeps the previous rules active."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from dashboard.notify.loader import RulesSource

ONE = "rules:\n  - {name: one, trigger: stuck}\n"
TWO = ONE + "  - {name: two, trigger: created}\n"


def _touch_later(path: Path) -> None:
    """Some filesystems keep mtimes coarse: make the change visible whatever the clock."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def names(source: RulesSource) -> list[str]:
    return [r.name for r in source.current.rules]


def test_reloads_when_the_file_changes(rules_file: Callable[[str], Path]) -> None:
    path = rules_file(ONE)
    source = RulesSource(str(path), reload_seconds=0)
    assert source.load()
    assert names(source) == ["one"]
    assert not source.maybe_reload(), "unchanged file: no reload"
    path.write_text(TWO)
    _touch_later(path)
    assert source.maybe_reload()
    assert names(source) == ["one", "two"]
    assert source.version == 2


def test_a_malformed_file_keeps_the_previous_rules_and_shows_the_error(
    rules_file: Callable[[str], Path],
) -> None:
    path = rules_file(TWO)
    source = RulesSource(str(path), reload_seconds=0)
    source.load()
    path.write_text("rules: [ {name: broken\n")
    _touch_later(path)
    assert not source.maybe_reload()
    assert names(source) == ["one", "two"]
    assert source.file_error is not None and "not valid YAML" in source.file_error
    status = source.status()
    assert status["fileError"] == source.file_error and len(status["rules"]) == 2
    path.write_text(ONE)
    _touch_later(path)
    assert source.maybe_reload()
    assert source.file_error is None and names(source) == ["one"]


def test_a_bad_rule_is_reported_while_the_others_load(rules_file: Callable[[str], Path]) -> None:
    source = RulesSource(str(rules_file(ONE + "  - {name: bad, trigger: {state: Nope}}\n")))
    source.load()
    assert names(source) == ["one"]
    (error,) = source.status()["errors"]
    assert (error["name"], error["field"]) == ("bad", "trigger.state")


def test_a_missing_file_is_an_error_until_it_appears(tmp_path: Path) -> None:
    path = tmp_path / "later.yaml"
    source = RulesSource(str(path), reload_seconds=0)
    assert not source.load()
    assert source.file_error is not None and "cannot read" in source.file_error
    path.write_text(ONE)
    assert source.maybe_reload()
    assert names(source) == ["one"] and source.file_error is None


def test_a_configmap_style_symlink_swap_is_seen(tmp_path: Path) -> None:
    """Kubernetes updates a mounted ConfigMap by repointing a ``..data`` symlink."""
    for version, text in (("v1", ONE), ("v2", TWO)):
        (tmp_path / version).mkdir()
        (tmp_path / version / "rules.yaml").write_text(text)
    (tmp_path / "..data").symlink_to("v1")
    (tmp_path / "rules.yaml").symlink_to("..data/rules.yaml")
    source = RulesSource(str(tmp_path / "rules.yaml"), reload_seconds=0)
    source.load()
    assert names(source) == ["one"]
    (tmp_path / "..data_tmp").symlink_to("v2")
    os.replace(tmp_path / "..data_tmp", tmp_path / "..data")
    assert source.maybe_reload()
    assert names(source) == ["one", "two"]


def test_no_path_means_no_rules_and_no_error() -> None:
    source = RulesSource("")
    assert not source.load()
    assert source.current.rules == () and source.file_error is None
