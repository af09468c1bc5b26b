"""Points for a tiny inline SVG sparkline (no inline styles: classes colour the lines).

Why hand-made: two polylines are a few lines of arithmetic; a chart library would be
the heaviest thing on the page and would need script and style exceptions in the CSP.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 120.0
HEIGHT = 24.0
PAD = 1.5


@dataclass(frozen=True)
class Sparkline:
    failed: str
    progress: str
    peak: int
    summary: str
    empty: bool


def _points(values: list[int], peak: int) -> str:
    if not values:
        return ""
    if len(values) == 1:
        values = [values[0], values[0]]
    step = WIDTH / (len(values) - 1)
    span = HEIGHT - 2 * PAD
    return " ".join(
        f"{i * step:.1f},{HEIGHT - PAD - (v / peak) * span if peak else HEIGHT - PAD:.1f}"
        for i, v in enumerate(values)
    )


def sparkline(failed: list[int], progress: list[int]) -> Sparkline:
    peak = max([*failed, *progress, 0])
    summary = (
        f"last hour: Failed now {failed[-1] if failed else 0} (max {max(failed or [0])}), "
        f"InProgress now {progress[-1] if progress else 0} (max {max(progress or [0])})"
    )
    return Sparkline(
        failed=_points(failed, peak),
        progress=_points(progress, peak),
        peak=peak,
        summary=summary,
        empty=len(failed) < 2,
    )
