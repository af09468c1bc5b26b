"""Cutting a batch of fragments into messages the server will send (dashboard.ui.live.framing)."""

from __future__ import annotations

import pytest

from dashboard.ui.live.framing import MESSAGE_BUDGET, size, split


@pytest.mark.parametrize(
    ("pieces", "budget", "messages", "dropped"),
    [
        ([], 10, [[]], 0),
        (["aaa", "bbb"], 10, [["aaa", "bbb"]], 0),
        (["aaaa", "bbbb", "cccc"], 10, [["aaaa", "bbbb"], ["cccc"]], 0),
        (["aaaaaaaaaa", "b"], 10, [["aaaaaaaaaa"], ["b"]], 0),  # exactly the budget fits
        (["a", "x" * 11, "b"], 10, [["a", "b"]], 1),  # one piece can never fit
        (["x" * 11], 10, [[]], 1),
        (["é" * 6], 10, [[]], 1),  # bytes, not characters: 12 octets
    ],
)
def test_split(pieces: list[str], budget: int, messages: list[list[str]], dropped: int) -> None:
    assert split(pieces, budget) == (messages, dropped)


def test_every_message_stays_under_the_servers_limit() -> None:
    rows = [f"<tr>{'w' * 10_240}</tr>" for _ in range(100)]  # a page of 10 KB cells
    messages, dropped = split(rows)
    assert dropped == 0
    assert len(messages) >= 2
    assert [p for m in messages for p in m] == rows  # order kept
    assert all(sum(size(p) for p in m) <= MESSAGE_BUDGET for m in messages)
    assert MESSAGE_BUDGET + 4096 < 1024 * 1024  # room for the meta element under daphne's 1 MiB
