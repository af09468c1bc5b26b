"""The event ceiling: how many watch events per second each informer consumes on one core.

Why a recording: the apiserver on the same two cores cannot write faster than about 2,000
events/s, so any rate measured live is the apiserver's ceiling, not the informer's. This
records one real LIST and one real watch stream (the load generator's patches, each
carrying its managedFields, as the sync benchmark's do), then replays the same bytes to
each contender as fast as it reads them: crscope through its ListerWatcher seam
(``benchmarks/crscope_replay.py``), client-go through a fake ListerWatcher
(``clientgo/replay.go``). Each runs under ``taskset -c 0``, so its events per second is
what one core gives it; both leave out only the socket and HTTP framing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from benchmarks.contender import ROOT
from benchmarks.dataset import BenchKind
from benchmarks.loadgen import LoadGenerator
from benchmarks.wire import WireClient, WireError

#: The events recorded and replayed; at about 3,000/s crscope reads them in ~7 s.
DEFAULT_EVENTS = 20_000
#: The load generator's rate while recording: near what the apiserver sustains here.
RECORD_RATE = 2_000.0
_MARKER = b'{"type":"MODIFIED"'


@dataclass(frozen=True)
class Replayed:
    contender: str
    events: int
    seconds: float
    cpu_s: float
    events_per_s: float
    cpus: int
    error: str = ""


def record(
    kubeconfig: Path,
    kind: BenchKind,
    *,
    objects: int,
    events: int,
    directory: Path,
    say: Callable[[str], None],
) -> int:
    """Write ``crds.json``, ``list.json`` and ``watch.ndjson`` (exactly ``events`` events
    from the LIST's resourceVersion on) into ``directory``; returns the stream's bytes."""
    shutil.rmtree(directory, ignore_errors=True)  # never measure an earlier run's files
    directory.mkdir(parents=True)
    with WireClient.from_kubeconfig(kubeconfig, timeout=600) as client:
        status, crd = client.request(
            "GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{kind.crd_name}"
        )
        if status != 200:
            raise RuntimeError(f"reading the benchmark CRD answered HTTP {status}")
        crds = {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinitionList",
            "metadata": {"resourceVersion": orjson.loads(crd)["metadata"]["resourceVersion"]},
            "items": [orjson.loads(crd)],
        }
        (directory / "crds.json").write_bytes(orjson.dumps(crds))
        status, listed = client.request("GET", kind.path())
        if status != 200:
            raise RuntimeError(f"listing the benchmark objects answered HTTP {status}")
    (directory / "list.json").write_bytes(listed)
    version = orjson.loads(listed)["metadata"]["resourceVersion"]
    recorder = _Recorder(kubeconfig, kind, version, events)
    recorder.start()
    loadgen = LoadGenerator(kubeconfig, kind, objects=objects)
    try:
        deadline = time.monotonic() + 300
        while not recorder.full.is_set() and time.monotonic() < deadline:
            if recorder.error:
                break
            loadgen.step(RECORD_RATE, 5.0)
    finally:
        loadgen.close()
        recorder.full.wait(30)
        recorder.close()
    if recorder.error or len(recorder.lines) < events:
        raise RuntimeError(
            f"recorded {len(recorder.lines)} of {events} events: {recorder.error or 'too slow'}"
        )
    stream = b"".join(recorder.lines[:events])
    (directory / "watch.ndjson").write_bytes(stream)
    say(f"recorded {events} events ({len(stream) / 2**20:.1f} MiB)")
    return len(stream)


class _Recorder:
    """Keep the raw lines of one watch until ``events`` MODIFIED events have arrived."""

    def __init__(self, kubeconfig: Path, kind: BenchKind, version: str, events: int) -> None:
        self._client = WireClient.from_kubeconfig(kubeconfig, timeout=600)
        self._target = f"{kind.path()}?watch=true&resourceVersion={version}&timeoutSeconds=900"
        self._events = events
        self.lines: list[bytes] = []
        self.error = ""
        self.full = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="recorder")

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        pending = b""
        try:
            for chunk in self._client.stream("GET", self._target):
                data = pending + chunk
                cut = data.rfind(b"\n") + 1
                complete, pending = data[:cut], data[cut:]
                for line in complete.splitlines(keepends=True):
                    if len(self.lines) >= self._events:
                        return
                    if not line.startswith(_MARKER):  # the load only patches: an error event
                        self.error = line[:300].decode(errors="replace")
                        return
                    self.lines.append(line)
                if len(self.lines) >= self._events:
                    return
            self.error = self.error or "the watch ended early"
        except (OSError, ValueError, WireError) as err:
            self.error = self.error or str(err)
        finally:
            self.full.set()

    def close(self) -> None:
        self._client.shutdown()
        self._thread.join(5)
        self._client.close()


def replay(name: str, argv: list[str], *, log: Path, timeout: float = 900.0) -> Replayed:
    """Run one contender's replay pinned to core 0; its last ``replayed`` line is the result."""
    taskset = shutil.which("taskset")
    command = [taskset, "-c", "0", *argv] if taskset else argv
    with log.open("ab") as err:
        try:
            proc = subprocess.run(
                command, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return Replayed(name, 0, 0.0, 0.0, 0.0, 0, error=f"no result after {timeout:.0f}s")
    lines = [orjson.loads(line) for line in proc.stdout.splitlines() if line.startswith(b"{")]
    done = [m for m in lines if m.get("msg") == "replayed"]
    if not done:
        errors = [str(m.get("error")) for m in lines if m.get("msg") == "error"]
        why = errors[-1] if errors else f"exit {proc.returncode}; see {log}"
        return Replayed(name, 0, 0.0, 0.0, 0.0, 0, error=why)
    last = done[-1]
    cpus = int(last.get("cpus", last.get("gomaxprocs", 0)))
    return Replayed(
        name,
        events=int(last["events"]),
        seconds=float(last["seconds"]),
        cpu_s=float(last["replay_cpu_s"]),
        events_per_s=float(last["events_per_s"]),
        cpus=cpus if taskset else 0,
    )


def run_ceiling(
    kubeconfig: Path,
    kind: BenchKind,
    *,
    objects: int,
    clientgo: Path | None,
    directory: Path,
    say: Callable[[str], None],
    events: int = DEFAULT_EVENTS,
) -> dict[str, Any]:
    """Record into ``directory`` once, replay to each contender; a failure is reported,
    not raised. The recording stays for the caller (its LIST feeds the memory parts) to
    remove; each replay's log is written in ``directory``'s parent."""
    try:
        say(f"recording {events} watch events over {objects} objects")
        size = record(
            kubeconfig, kind, objects=objects, events=events, directory=directory, say=say
        )
    except (RuntimeError, OSError, WireError) as exc:
        return {"objects": objects, "events": events, "error": f"recording: {exc}"}
    common = ["--expect", str(objects)]
    runs = [
        (
            "crscope",
            [
                sys.executable,
                "-m",
                "benchmarks.crscope_replay",
                "--replay",
                str(directory),
                "--group",
                kind.group,
                "--plural",
                kind.plural,
                *common,
                "--expect-events",
                str(events),
            ],
        )
    ]
    if clientgo is not None:
        runs.append(
            (
                "client-go",
                [
                    str(clientgo),
                    "-replay",
                    str(directory),
                    "-expect",
                    str(objects),
                    "-expect-events",
                    str(events),
                ],
            )
        )
    results = []
    for name, argv in runs:
        say(f"replaying to {name} on one core")
        # beside the recording, not in it: the caller removes the recording
        result = replay(name, argv, log=directory.parent / f"replay-{name}.log")
        say(
            f"  {name}: {result.events_per_s:,.0f} events/s"
            if not result.error
            else f"  {name}: {result.error}"
        )
        results.append(asdict(result))
    return {
        "objects": objects,
        "events": events,
        "pinned": all(c["cpus"] == 1 for c in results),
        "stream_bytes": size,
        "contenders": results,
    }
