"""Wire the live UI into an engine: the sparkline sampler and Event routing.

Why hooks on the adapter: they must be attached before the engine starts (so no change
is missed) and detached when it stops; the adapter calls them at exactly those moments.
Tests that build their own engine call ``install`` themselves.
"""

from __future__ import annotations

from dashboard.ui.live import eventbus
from dashboard.ui.sampler import sampler
from informers import Engine


def install(engine: Engine) -> None:
    engine.add_event_listener(eventbus.publish)
    sampler.start(engine)


def uninstall() -> None:
    sampler.stop()
