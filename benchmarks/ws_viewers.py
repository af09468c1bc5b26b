"""N protocol-level viewers of a live page: the server's load of N open tabs, without N browsers.

Why: the change-to-DOM goal is for 50 viewers, and 50 headless Chromium renderers do not
fit on 2 cores beside the apiserver and the dashboard; they measured the browsers, not the
server. So ``benchmarks.ui_latency`` measures latency on a real Chromium page and adds
viewers from here, which cost the server what a page costs it because they do on the
socket exactly what the page does (``dashboard/static/ui/crscope.js`` on htmx's ws
extension):

* GET the page, keeping the cookies it sets, and open ``ws://`` + host + the page's
  ``ws-connect`` address with those cookies, the page's Origin and no subprotocol.
  (Chromium also offers permessage-deflate; daphne declines it, so frames are plain.)
* After each message, send ``{"ack":<data-seq of #live-meta>}``. The server keeps at most
  ``ACK_WINDOW`` messages unacknowledged, so a viewer that did not ack would be sent less.
  A page acks once it has applied the message; a viewer acks on receipt.
* Send nothing else (no pause), and answer the server's pings (as browsers do).

All viewers run on one asyncio loop in their own process, so their work and GIL waits are
not the measuring process's. ``python -m benchmarks.ws_viewers PAGE_URL --viewers N``
prints ``ready`` once every viewer has had a first message (or failed), runs until a line
or EOF on stdin, then prints one JSON line: for each viewer, per message its receive time,
its ``data-at`` (the server's send time) and whether it was acked, and when it first saw
each row token
``name|size`` (the token ``ui_latency``'s Chromium probe records), so the caller can tell
whether the viewers kept up.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from benchmarks.sidecar import Sidecar

WS_CONNECT = re.compile(r'\bws-connect="([^"]+)"')
META = re.compile(r'<div id="live-meta"[^>]*>')
SEQ = re.compile(r'\bdata-seq="(\d+)"')
AT = re.compile(r'\bdata-at="([0-9.]+)"')
ROW = re.compile(r"<tr\b([^>]*)>(.*?)</tr>", re.S)
NAME = re.compile(r'<td class="name"><a [^>]*>([^<]*)</a>')
SIZE = re.compile(r'<td class="col-integer">([^<]*)</td>')


@dataclass
class Viewer:
    # [received, data-at, 1 once acked] per message
    messages: list[list[float]] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)  # name|size -> first received
    cookies: list[str] = field(default_factory=list)
    close_code: int | None = None
    error: str = ""


def read(text: str, now: float, viewer: Viewer) -> int | None:
    """Record one message; the seq the page would ack (its last #live-meta's), if any."""
    metas = META.findall(text)
    seq = SEQ.search(metas[-1]) if metas else None
    at = AT.search(metas[-1]) if metas else None
    viewer.messages.append([now, float(at.group(1)) if at else 0.0, 0])
    for attrs, cells in ROW.findall(text):
        name, size = NAME.search(cells), SIZE.search(cells)
        if "leaving" not in attrs and name and size:
            viewer.tokens.setdefault(f"{html.unescape(name.group(1)).strip()}|{size.group(1)}", now)
    return int(seq.group(1)) if seq else None


async def view(page_url: str, viewer: Viewer, sockets: list[Any]) -> None:
    parts = urlsplit(page_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    jar = aiohttp.CookieJar(unsafe=True)  # the server is an IP address; keep its cookies
    try:
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            async with http.get(page_url) as response:
                response.raise_for_status()
                found = WS_CONNECT.search(await response.text())
            if found is None:
                raise RuntimeError("the page has no ws-connect address")
            viewer.cookies = sorted(cookie.key for cookie in jar)
            socket_url = origin.replace("http", "ws", 1) + html.unescape(found.group(1))
            async with http.ws_connect(socket_url, origin=origin, max_msg_size=0) as ws:
                sockets.append(ws)
                async for message in ws:
                    if message.type is not aiohttp.WSMsgType.TEXT:
                        break
                    seq = read(message.data, time.time(), viewer)
                    if seq is not None:
                        await ws.send_str(f'{{"ack":{seq}}}')  # JSON.stringify({ack: seq})
                        viewer.messages[-1][2] = 1
                viewer.close_code = ws.close_code
    except Exception as exc:  # reported to the caller, which decides
        viewer.error = f"{type(exc).__name__}: {exc}"


async def run(page_url: str, count: int, ready_timeout: float) -> dict[str, Any]:
    viewers = [Viewer() for _ in range(count)]
    sockets: list[Any] = []
    tasks = [asyncio.create_task(view(page_url, v, sockets)) for v in viewers]
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline and not all(
        v.messages or t.done() for v, t in zip(viewers, tasks, strict=True)
    ):
        await asyncio.sleep(0.1)
    cookies = ",".join(sorted({c for v in viewers for c in v.cookies})) or "none"
    print(f"ready {sum(1 for v in viewers if v.messages)}/{count} cookies={cookies}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    await asyncio.wait(tasks, timeout=15)
    return {"viewers": [asdict(v) for v in viewers]}


class ViewerProcess(Sidecar):
    """The viewers' process, from the benchmark's side: start, wait until live, stop
    (``stop`` returns what they received, see the module docstring)."""

    def __init__(self, page_url: str, viewers: int) -> None:
        args = ("benchmarks.ws_viewers", page_url, "--viewers", str(viewers))
        super().__init__("the viewers' process", *args)

    def wait_ready(self, timeout: float = 120.0) -> str:
        line = self.first_line(timeout)
        live = re.match(r"ready (\d+)/(\d+)", line)
        if live is None or live.group(1) != live.group(2):
            raise self.not_ready(timeout, line)
        return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page_url", help="the live page, e.g. http://127.0.0.1:8000/k/…/?…")
    parser.add_argument("--viewers", type=int, default=49)
    parser.add_argument("--ready-timeout", type=float, default=90.0)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.page_url, args.viewers, args.ready_timeout))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
