"""The README's scale curve reaches 200k from a separate run, and says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from benchmarks.beyond import LARGE_RUN, MAIN_RUN, beyond, newest_run
from benchmarks.plot import scale_plot
from benchmarks.report import readme_section
from benchmarks.runfile import load_dashboard, load_results

PUBLISHED = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
MAIN = PUBLISHED / "informers-2026-12-07.json"


def _large_run(directory: Path, date: str, objects: int, sync_s: float) -> Path:
    """A large run's file: the main run's 10k and 100k rows, the latter moved to
    ``objects`` with a recognisable sync time."""
    raw = json.loads(MAIN.read_text())
    rows = [r for r in raw["results"] if r["objects"] in (10_000, 100_000)]
    for row in rows:
        if row["objects"] == 100_000:
            row["objects"], row["sync_s"] = objects, sync_s
    raw["results"] = [r for r in rows if r["contender"] != "python-client"]
    raw["dashboard"] = [dict(d, objects=objects) for d in raw["dashboard"][-1:]]
    raw["meta"].update(date=date, wall_s=1200.0)
    raw["machine"].update(apiserver_rss_max_mb=10940, apiserver_gomemlimit="11GiB")
    path = directory / f"informers-{date}-custom-200k.json"
    path.write_text(json.dumps(raw))
    return path


def test_the_newest_large_run_gives_only_the_sizes_the_main_run_lacks(tmp_path: Path) -> None:
    main = tmp_path / MAIN.name
    shutil.copy(MAIN, main)
    (tmp_path / "informers-2026-12-07-custom.json").write_text("{}")  # neither kind
    _large_run(tmp_path, "2026-12-06", 200_000, 999.0)
    newest = _large_run(tmp_path, "2026-12-07", 200_000, 123.4)
    assert newest_run(tmp_path, MAIN_RUN) == main
    assert newest_run(tmp_path, LARGE_RUN) == newest

    results, machine, _meta, e2e = load_results(main)
    found = beyond(results, tmp_path)
    assert found is not None and found.path == newest
    assert found.sizes() == [200_000]  # its 10k rows are the main run's business
    assert {r.contender for r in found.results} == {"client-go", "crscope"}
    assert [d["objects"] for d in found.dashboard] == [200_000]

    section = readme_section(
        results=results,
        machine=machine,
        results_file="r/run.md",
        e2e=e2e,
        dashboard=load_dashboard(main),
        beyond=found,
        root=tmp_path,
    )
    rows = [line for line in section.splitlines() if line.startswith("| 200,000 | ")]
    assert len(rows) == 3, rows  # two contenders and the dashboard
    assert any("| 123.40 |" in row for row in rows)
    assert "999.00" not in section
    assert "`make bench-200k` on 2026-12-07 (20 min" in section
    assert "highest RSS in it was 10,940 MB, with its Go heap limited to 11GiB" in section
    # the targets stay the main run's: its largest size is still 100k
    assert "| Initial sync, 100,000 objects |" in section

    png = scale_plot(results, caption="c", path=tmp_path / "run.png", beyond=found)
    assert png.read_bytes().startswith(b"\x89PNG")


def test_without_a_larger_size_there_is_nothing_beyond(tmp_path: Path) -> None:
    results, *_ = load_results(MAIN)
    assert beyond(results, tmp_path) is None  # no large run at all
    _large_run(tmp_path, "2026-12-07", 100_000, 1.0)
    assert beyond(results, tmp_path) is None  # nothing past the main run's 100k


def test_an_unreadable_large_run_gives_nothing_beyond(tmp_path: Path) -> None:
    results, *_ = load_results(MAIN)
    (tmp_path / "informers-2026-12-07-custom-200k.json").write_text('{"results": [{}]}')
    assert beyond(results, tmp_path) is None
