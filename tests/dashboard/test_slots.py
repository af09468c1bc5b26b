"""Per-user slots for long-lived connections: a cap, and no slot leaks however a stream ends."""

from __future__ import annotations

import gc

from dashboard.core.web.slots import UserSlots


def test_a_user_gets_at_most_limit_slots_and_others_are_unaffected() -> None:
    slots = UserSlots(2)
    held = [slots.claim("ann"), slots.claim("ann")]
    assert all(s is not None for s in held)
    assert slots.claim("ann") is None
    assert slots.claim("ben") is not None


def test_release_is_idempotent() -> None:
    slots = UserSlots(1)
    slot = slots.claim("ann")
    assert slot is not None
    slot.release()
    slot.release()
    assert slots.held("ann") == 0
    assert slots.claim("ann") is not None


def test_a_slot_dropped_without_release_is_returned() -> None:
    """Django never starts a streaming body whose client left before the first byte, so
    the stream's ``finally`` never runs: collecting the slot must release it."""
    slots = UserSlots(1)
    slot = slots.claim("ann")
    del slot
    gc.collect()
    assert slots.held("ann") == 0
