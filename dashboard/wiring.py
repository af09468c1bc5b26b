"""Every engine listener of a server process, in one list, attached in one order.

Why one module: the listeners used to be attached from four places (import side effects
of a lifecycle module, two apps' ``ready`` and per-component ``attach`` calls), and tests
copied the wiring by hand. This is the composition root: it alone imports the parts that
listen (history, notifications, the live UI), and the ASGI start-up and the tests both
attach through it. Listeners are attached before the engine starts, so none misses the
initial list, and detached in reverse order after it stops.

Everything the engine publishes passes through one bus, its hub (``informers.fanout``):
the parts listed here listen to it from the start; live pages and watch streams subscribe
to it while open, and a detail page listens to its object's Events there too. The list
pages' memo needs no listener: it keys on the store's own write counter. One part
listens to the notification service rather than the engine: the bell relay, which carries
an in-app notification to the other replicas' sockets (``dashboard.notify.bell``).
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.conf import settings

from dashboard.core.runtime.adapter import adapter
from dashboard.history import metrics as _history_metrics  # noqa: F401 - registers its gauge
from dashboard.history.writer import writer
from dashboard.notify import bell, inbox
from dashboard.notify.service import service as notify_service
from dashboard.ui.pages.home.sampler import sampler
from informers import ClusterConfig, Engine, EngineSettings


@dataclass(frozen=True)
class Part:
    """One listener: what it is, how it joins an engine, how it leaves."""

    name: str
    attach: Callable[[Engine], None]
    detach: Callable[[], None]
    why: str


def _attach_history(engine: Engine) -> None:
    writer.attach(engine)
    writer.start()


def _relay_bell(engine: Engine) -> None:
    inbox.on_notification(bell.relay)


def _stop_relaying_bell() -> None:
    inbox.remove_listener(bell.relay)


#: In attach order; detached in reverse.
PARTS: tuple[Part, ...] = (
    Part(
        "history",
        _attach_history,
        writer.stop,
        "records every change and Event in the database (timeline, diffs, managers)",
    ),
    Part(
        "notifications",
        notify_service.attach_and_start,
        notify_service.stop,
        "matches changes and Events against the notification rules; one outbox thread",
    ),
    Part(
        "bell-relay",
        _relay_bell,
        _stop_relaying_bell,
        "tells the other replicas' live sockets of an in-app notification recorded here",
    ),
    Part(
        "sampler",
        sampler.start,
        sampler.stop,
        "samples state counts for the home page's sparklines",
    ),
)
NAMES = tuple(p.name for p in PARTS)
#: What UI tests attach to an engine of their own (no database writers).
UI_PARTS = ("sampler",)

_attached: list[Part] = []
_lock = threading.Lock()


def attach(engine: Engine, parts: Collection[str] = NAMES) -> None:
    """Attach the named parts (all by default) to ``engine``, before it starts."""
    unknown = set(parts) - set(NAMES)
    if unknown:
        raise ValueError(f"no such wiring part: {', '.join(sorted(unknown))}")
    with _lock:
        for part in PARTS:
            if part.name in parts:
                part.attach(engine)
                _attached.append(part)


def detach() -> None:
    """Detach what ``attach`` attached, in reverse order (the engine has stopped)."""
    with _lock:
        parts = list(reversed(_attached))
        _attached.clear()
    for part in parts:
        part.detach()


def start_engine(
    *,
    config: ClusterConfig | None = None,
    engine_settings: EngineSettings | None = None,
    force: bool = False,
) -> None:
    """The server process's engine, with every part attached (unless ``CRSCOPE_ENGINE``
    is ``off`` and ``force`` is not set)."""
    if settings.CRSCOPE_ENGINE == "off" and not force:
        return
    adapter.start(config=config, engine_settings=engine_settings, on_start=attach, on_stop=detach)
    atexit.register(adapter.stop)
