"""Where the engine's memory goes: bytes per cached object, by part.

Why: the table says how many KB an object costs (RSS after settling, divided by the
objects), not what they are spent on, and a change that adds an index or a field shows up
there only as a bigger number. This syncs the engine in-process on a real LIST body (the
one ``benchmarks/ceiling.py`` records; any ``*List`` JSON works) through the
ListerWatcher seam, with ``tracemalloc`` tracing, and sums what is still allocated after
the sync by the module that allocated it (``--crds`` is the CRD list that names the kind;
the recording has both). The parsed JSON is allocated at this module's
``orjson.loads`` line, as it would be at the client's; what the engine keeps of it (with
managedFields dropped) is reported as "object trees".

    python -m benchmarks.memory_parts --list LIST.json --crds CRDS.json --group G --plural P
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
import tracemalloc
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from benchmarks.crscope_replay import Quiet
from informers import Engine, EngineSettings
from informers.listerwatcher import EventStream, ListOptions, WatchOptions
from informers.registry import CRD_PATH
from informers.testing import unused_client

ROOT = Path(__file__).resolve().parent.parent

#: What each module's allocations are, in the words of the report.
PARTS = {
    "benchmarks/memory_parts.py": "object trees (parsed JSON, managedFields dropped)",
    "informers/store.py": "store: entries, name order and indexes",
    "informers/informer.py": "informer: per-object bookkeeping",
    "informers/managedfields.py": "field-manager summaries (change attribution)",
    "informers/status.py": "reconcile state",
    "informers/phases.py": "reconcile state",
    "informers/awaiting.py": "reconcile state",
    "informers/timestamps.py": "timestamps",
    "informers/columns.py": "printer columns",
    "<string>": "dataclass constructors (entries, states)",
}


@dataclass(frozen=True)
class Part:
    name: str
    bytes_per_object: float
    blocks_per_object: float


class Listed:
    """One collection read from a LIST body (parsed at each list call, so the parse is
    traced), with a quiet watch after it."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def list(self, options: ListOptions) -> dict[str, Any]:
        parsed: dict[str, Any] = orjson.loads(self._body)
        return parsed

    def watch(self, options: WatchOptions) -> EventStream:
        return Quiet()


class Parsed(Listed):
    """A collection parsed before tracing starts: the CRD list, which is not per object."""

    def __init__(self, body: bytes) -> None:
        super().__init__(body)
        self._parsed: dict[str, Any] = orjson.loads(body)

    def list(self, options: ListOptions) -> dict[str, Any]:
        return self._parsed


def measure(
    body: bytes, *, crds: bytes, group: str, plural: str, timeout: float = 600.0
) -> tuple[int, list[Part]]:
    """Sync the engine on ``body`` under tracemalloc; returns the objects and the parts,
    largest first."""
    definitions, collection = Parsed(crds), Listed(body)
    engine = Engine(
        unused_client(),
        EngineSettings(include_groups=(group,), events="off", list_mode="paged"),
        source=lambda path: definitions if path == CRD_PATH else collection,
    )
    key = f"{group}/{plural}"
    gc.collect()
    tracemalloc.start(1)
    engine.start()
    deadline = time.monotonic() + timeout
    try:
        while True:
            informer = engine.informer(key)
            if informer is not None and informer.synced:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"not synced after {timeout:.0f}s")
            time.sleep(0.05)
        objects = len(informer.store)
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for stat in snapshot.statistics("filename"):
        filename = stat.traceback[0].filename
        relative = _relative(filename)
        name = PARTS.get(relative, relative)
        totals[name][0] += stat.size
        totals[name][1] += stat.count
    parts = [
        Part(name, size / objects, count / objects)
        for name, (size, count) in totals.items()
        if objects
    ]
    engine.stop(timeout=2.0)
    return objects, sorted(parts, key=lambda p: -p.bytes_per_object)


def _relative(filename: str) -> str:
    """The project-relative module, "<string>" as is, anything else as other packages
    (the venv may sit inside the project)."""
    if filename.startswith("<"):
        return filename
    path = Path(filename).resolve()
    if path.is_relative_to(ROOT) and "site-packages" not in path.parts:
        return str(path.relative_to(ROOT))
    return "the standard library and other packages"


def markdown(objects: int, parts: list[Part], *, top: int = 12) -> str:
    shown, rest = parts[:top], parts[top:]
    total = sum(p.bytes_per_object for p in parts)
    lines = [
        f"Engine memory by part after syncing {objects:,} objects (tracemalloc, in-process):",
        "",
        "| Part (allocated in) | Bytes/object | Share | Blocks/object |",
        "|---|---:|---:|---:|",
    ]
    for p in shown:
        lines.append(
            f"| {p.name} | {p.bytes_per_object:,.0f} | {p.bytes_per_object / total:.0%} "
            f"| {p.blocks_per_object:.1f} |"
        )
    if rest:
        other = sum(p.bytes_per_object for p in rest)
        lines.append(f"| {len(rest)} other modules | {other:,.0f} | {other / total:.0%} | |")
    lines.append(f"| **total traced** | **{total:,.0f}** | | |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--list", type=Path, required=True, help="a LIST body (JSON)")
    parser.add_argument("--crds", type=Path, required=True, help="a CRD list naming its kind")
    parser.add_argument("--group", required=True)
    parser.add_argument("--plural", required=True)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--json", action="store_true", help="one JSON line, for the harness")
    args = parser.parse_args(argv)
    objects, parts = measure(
        args.list.read_bytes(), crds=args.crds.read_bytes(), group=args.group, plural=args.plural
    )
    if args.json:
        print(orjson.dumps({"objects": objects, "parts": [asdict(p) for p in parts]}).decode())
    else:
        sys.stdout.write(markdown(objects, parts, top=args.top))
    return 0


def run_memory_parts(recording: Path, *, group: str, plural: str) -> dict[str, Any]:
    """The harness's call, on a recording's ``list.json`` and ``crds.json``: measure in a
    fresh process (tracing slows it and its heap must be the engine's alone); a failure is
    reported, not raised."""
    command = [sys.executable, "-m", "benchmarks.memory_parts", "--group", group]
    command += ["--plural", plural, "--json", "--list", str(recording / "list.json")]
    command += ["--crds", str(recording / "crds.json")]
    try:
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, check=False, timeout=1800)
    except subprocess.TimeoutExpired:
        return {"error": "no answer after 30 minutes"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith(b"{")]
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: {' / '.join(tail)}"}
    try:
        result: dict[str, Any] = orjson.loads(lines[-1])
    except orjson.JSONDecodeError as exc:
        return {"error": f"unreadable answer: {exc}"}
    return result


def memory_markdown(memory: dict[str, Any] | None, *, top: int = 12) -> str:
    """The results file's section, from ``run_memory_parts``'s answer."""
    if not memory:
        return ""
    if memory.get("error"):
        return f"## Where memory goes\n\nNot measured: {memory['error']}\n"
    parts = [Part(**p) for p in memory["parts"]]
    return "## Where memory goes\n\n" + markdown(memory["objects"], parts, top=top)


if __name__ == "__main__":
    sys.exit(main())
