"""One wiring module lists every engine listener, and nothing else attaches one.

Why: listeners used to be attached from four places, and tests copied the wiring by hand;
a part attached twice or not at all showed up only as missing history or a dead bell.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard import wiring
from dashboard.ui.pages.home.sampler import sampler

ROOT = Path(__file__).resolve().parents[2]
#: The modules allowed to call an engine's add_*_listener: the wiring and the parts it lists.
LISTENING = {
    "dashboard/wiring.py",
    "dashboard/history/writer.py",
    "dashboard/notify/service.py",
}


class RecordingEngine:
    """What the UI parts touch of an engine: its listener registration and its kinds."""

    def __init__(self) -> None:
        self.event_listeners: list[object] = []
        self.change_listeners: list[object] = []

    def add_event_listener(self, listener: object) -> None:
        self.event_listeners.append(listener)

    def add_change_listener(self, listener: object) -> None:
        self.change_listeners.append(listener)

    def informers(self) -> list[object]:
        return []


def test_the_parts_are_listed_once_in_order() -> None:
    assert wiring.NAMES == (
        "history",
        "notifications",
        "bell-relay",
        "sampler",
    )
    assert set(wiring.UI_PARTS) <= set(wiring.NAMES)
    assert all(p.why for p in wiring.PARTS)


def test_ui_parts_attach_and_detach() -> None:
    engine = RecordingEngine()
    wiring.attach(engine, wiring.UI_PARTS)  # type: ignore[arg-type]
    try:
        # pages subscribe and listen to the hub while open; the page memo needs no listener
        assert engine.event_listeners == []
        assert engine.change_listeners == []
    finally:
        wiring.detach()
    assert sampler._thread is None


def test_an_unknown_part_is_refused() -> None:
    with pytest.raises(ValueError, match="no such wiring part"):
        wiring.attach(RecordingEngine(), ("histroy",))  # type: ignore[arg-type]


def test_only_the_wiring_and_its_parts_add_engine_listeners() -> None:
    found = set()
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in (
                "add_change_listener",
                "add_event_listener",
            ):
                found.add(str(path.relative_to(ROOT)))
    assert found <= LISTENING, (
        f"listeners attached outside dashboard/wiring.py: {found - LISTENING}"
    )
