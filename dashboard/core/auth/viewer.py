"""Who is asking: the caller every authorization question is about.

Why a module of its own: the authorization function (``access``) asks the reviewer
(``rbac``), and the reviewer's cache is keyed by the caller, so both need this type; kept
in ``access`` it made the two import each other, which was dodged with imports inside
functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Viewer:
    """The caller. ``server`` means the dashboard's own identity (auth mode ``none``)."""

    username: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    token: str | None = field(default=None, repr=False, compare=False)
    server: bool = False

    @property
    def cache_key(self) -> str:
        return f"{self.username}|{self.uid}|{','.join(sorted(self.groups))}"


SERVER = Viewer(username="crscope (server identity)", server=True)
