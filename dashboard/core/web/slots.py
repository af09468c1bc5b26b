"""Per-user caps on long-lived connections (watch streams), counted in this process.

Why: one user opening hundreds of streams would take the server's memory and CPU from
everyone else, and each stream holds a hub subscription. A request claims a slot before
its stream starts and the stream releases it when it ends. Release is idempotent and also
happens when the slot is garbage-collected, because Django never starts a streaming body
whose client left before the first byte, so the stream's own ``finally`` may never run.
Like the API rate limit, the count is per replica.
"""

from __future__ import annotations

import threading
from collections import Counter


class Slot:
    def __init__(self, owner: UserSlots, user: str) -> None:
        self._owner, self.user, self._held = owner, user, True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._owner._release(self.user)

    def __del__(self) -> None:
        self.release()


class UserSlots:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._held: Counter[str] = Counter()
        self._lock = threading.Lock()

    def claim(self, user: str) -> Slot | None:
        """A slot for ``user``, or None when they already hold ``limit`` of them."""
        with self._lock:
            if self._held[user] >= self.limit:
                return None
            self._held[user] += 1
        return Slot(self, user)

    def held(self, user: str) -> int:
        with self._lock:
            return self._held[user]

    def _release(self, user: str) -> None:
        with self._lock:
            self._held[user] -= 1
            if self._held[user] <= 0:
                del self._held[user]
