"""Wait for the machine to go quiet before a stage timed in CPU time, and say what it was.

Why: the health-rule evaluation is timed in process CPU time so that other processes'
time is left out, but on a virtual machine a vCPU the host holds back (steal) and caches
other processes thrash still count against it. In ``make bench`` it ran straight after
the end-to-end stage, with the apiserver still settling; now it starts once the whole
machine is idle, and the results record how long that took and how busy it still was.
What waiting cannot remove is the host's own speed: on idle moments of one day the same
code measured 12.0 and 18.6 µs per object, with its generic-rules baseline 4.2 and
5.9 µs; the baseline is reported beside the figure for that reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

STAT = Path("/proc/stat")


@dataclass(frozen=True)
class Quiet:
    waited_s: float
    busy: float  # the fraction of all cores busy over the last window before the stage
    quiet: bool  # False when the cap ran out first


def cpu_times(stat: Path = STAT) -> tuple[int, int]:
    """(busy, total) jiffies of all cores together, from the first line of /proc/stat."""
    fields = [int(v) for v in stat.read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def wait_quiet(
    *,
    say: Callable[[str], None],
    below: float = 0.15,
    window_s: float = 2.0,
    cap_s: float = 120.0,
    read: Callable[[], tuple[int, int]] | None = None,
) -> Quiet:
    """Wait until less than ``below`` of the machine's CPU was busy over ``window_s``
    (at most ``cap_s``); what was found is returned to be reported with the figure."""
    read = read or cpu_times
    started = time.monotonic()
    while True:
        busy0, total0 = read()
        time.sleep(window_s)
        busy1, total1 = read()
        busy = (busy1 - busy0) / max(1, total1 - total0)
        waited = time.monotonic() - started
        if busy < below or waited >= cap_s:
            quiet = busy < below
            state = "quiet" if quiet else "still busy"
            say(f"machine {state} after {waited:.0f} s: {busy:.0%} of its CPU busy")
            return Quiet(waited_s=round(waited, 1), busy=round(busy, 3), quiet=quiet)
