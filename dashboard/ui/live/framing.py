"""Cut a batch of fragments into WebSocket messages the server will actually send.

Why: daphne (autobahn underneath) refuses to send a message over its
``websocket_max_message_size`` (1 MiB by default) and drops the connection instead; the
page then reconnected, got the same oversized refresh, and looped while it said "live".
Fragments are independent out-of-band swaps, so a batch can be sent as several messages
in order. A single fragment over the budget cannot be cut; it is left out and counted,
so the page can say so, and the feeds keep such fragments small (lazy YAML, row chunks).
"""

from __future__ import annotations

from collections.abc import Sequence

#: daphne's default limit is 1 MiB; leave room for the meta element and headroom.
MESSAGE_BUDGET = 768 * 1024


def size(text: str) -> int:
    """Bytes on the wire (the limit counts UTF-8 octets, not characters)."""
    return len(text.encode("utf-8"))


def split(pieces: Sequence[str], budget: int = MESSAGE_BUDGET) -> tuple[list[list[str]], int]:
    """Messages (lists of pieces, in order, each under ``budget`` bytes) and how many
    pieces were too large to send at all. Always at least one message, maybe empty."""
    messages: list[list[str]] = [[]]
    used = 0
    dropped = 0
    for piece in pieces:
        n = size(piece)
        if n > budget:
            dropped += 1
            continue
        if used + n > budget and messages[-1]:
            messages.append([])
            used = 0
        messages[-1].append(piece)
        used += n
    return messages, dropped
