"""The health-rule evaluation waits for a quiet machine (``benchmarks/quiet.py``), and says
what it found: a figure taken on a busy machine must not pass for one taken on an idle one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from benchmarks.quiet import cpu_times, wait_quiet


def test_busy_time_is_everything_but_idle_and_iowait(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
    assert cpu_times(stat) == (160, 1000)


def _readings(windows: list[float]) -> Iterator[tuple[int, int]]:
    """Cumulative (busy, total) counters: each window of 100 jiffies ``fraction`` busy."""
    busy = total = 0
    for fraction in windows:
        yield busy, total
        busy, total = busy + int(fraction * 100), total + 100
        yield busy, total


def test_it_waits_through_busy_windows_and_reports_the_quiet_one() -> None:
    readings = _readings([0.9, 0.6, 0.05])
    said: list[str] = []
    quiet = wait_quiet(say=said.append, window_s=0.001, read=lambda: next(readings))
    assert quiet.quiet and quiet.busy == 0.05
    assert said == [f"machine quiet after {quiet.waited_s:.0f} s: 5% of its CPU busy"]


def test_when_the_wait_runs_out_it_says_still_busy() -> None:
    readings = _readings([0.9] * 1000)
    said: list[str] = []
    quiet = wait_quiet(say=said.append, window_s=0.001, cap_s=0.0, read=lambda: next(readings))
    assert not quiet.quiet and quiet.busy == 0.9
    assert "still busy" in said[0]
