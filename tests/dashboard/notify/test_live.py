"""The bell push hook: a notice on a worker thread reaches the consumer's event loop."""

from __future__ import annotations

import asyncio
import threading

from dashboard.notify import inbox
from dashboard.notify.bell import BellPush


async def test_a_notice_on_another_thread_wakes_the_loop_until_closed() -> None:
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    push = BellPush(loop, woken.set)
    notice = inbox.Notice(nid="n1", rule="r", summary="s", scopes=(("g/p", "ns"),))
    thread = threading.Thread(target=inbox.announce, args=(notice,))
    thread.start()
    await asyncio.wait_for(woken.wait(), timeout=2)
    thread.join()
    push.close()
    woken.clear()
    inbox.announce(notice)
    await asyncio.sleep(0)  # one loop turn runs any callback announce() scheduled
    assert not woken.is_set()
