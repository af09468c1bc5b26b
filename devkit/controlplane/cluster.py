"""Run etcd and kube-apiserver on free loopback ports, and stop them without leftovers.

Why a class with explicit start/stop/restart: tests need to kill and restart the apiserver
on the same port and etcd (to prove informers recover), and to compact etcd (to force 410s).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from devkit.controlplane.build import ensure_binaries
from devkit.controlplane.certs import generate_pki
from devkit.controlplane.lifetime import PidFile, die_with_parent

#: Users in the static token file. ``admin`` is cluster-admin through system:masters;
#: the others have no RBAC grants until a test creates them.
USERS: dict[str, tuple[str, ...]] = {
    "admin": ("system:masters",),
    "limited": (),
    "alice": ("team-a",),
    "bob": (),
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ControlPlane:
    """A running local control plane. Use :meth:`start` / :meth:`stop`, or as a context manager."""

    state_dir: Path | None = None
    extra_apiserver_args: list[str] = field(default_factory=list)
    #: Added to kube-apiserver's environment only (``GOMEMLIMIT`` for the benchmark), so
    #: the Go programs a test or benchmark starts beside it keep their own defaults.
    apiserver_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    etcd_port: int = 0
    tokens: dict[str, str] = field(default_factory=dict)
    _etcd: subprocess.Popen[bytes] | None = None
    _apiserver: subprocess.Popen[bytes] | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = None
    _pids: PidFile | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, *, timeout: float = 60.0) -> ControlPlane:
        self._etcd_bin, self._api_bin = ensure_binaries()
        if self.state_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="crscope-cp-")
            self.state_dir = Path(self._tmp.name)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        # A run that was killed may have left its etcd and apiserver behind (from before
        # they died with their parent, or a parent that hung): they hold this directory.
        self._pids = PidFile(self.state_dir, "controlplane")
        self._pids.stop_stale()
        self._pki_dir = self.state_dir / "pki"
        self._pki_dir.mkdir(exist_ok=True)
        self.pki = generate_pki(self._pki_dir)
        self.tokens = {user: secrets.token_hex(16) for user in USERS}
        token_file = self._pki_dir / "tokens.csv"
        token_file.write_text(
            "".join(f'{self.tokens[u]},{u},uid-{u},"{",".join(g)}"\n' for u, g in USERS.items())
        )
        self._token_file = token_file
        self.port = self.port or free_port()
        self.etcd_port = self.etcd_port or free_port()
        self._start_etcd(timeout=timeout)
        self.start_apiserver(timeout=timeout)
        self._write_kubeconfigs()
        return self

    def _start_etcd(self, *, timeout: float = 60.0) -> None:
        """Start etcd and wait until it answers.

        Why retries: the ports come from ``free_port``, which closes its probe socket before
        etcd binds, so another process (a second test run, a helper's apiserver) can take
        one in between; etcd then exits at once. A fresh pair of ports is tried, and a final
        failure quotes etcd's own log, since the state directory is gone by the time a
        reader looks.
        """
        assert self.state_dir is not None
        deadline = time.monotonic() + timeout
        for attempt in range(3):
            if attempt:
                self.etcd_port = free_port()
            proc = self._spawn_etcd()
            while time.monotonic() < deadline and proc.poll() is None:
                with contextlib.suppress(OSError):
                    self.etcd_request("/v3/maintenance/status", {})
                    return
                time.sleep(0.1)
            if proc.poll() is None:
                break  # alive but silent until the deadline: a retry would not help
        log = (self.state_dir / "etcd.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"etcd did not become ready within {timeout:.0f}s; its log:\n{log}")

    def _spawn_etcd(self) -> subprocess.Popen[bytes]:
        assert self.state_dir is not None
        if self._etcd is not None and self._etcd.poll() is None:
            self._etcd.kill()
            self._etcd.wait()
        data = self.state_dir / "etcd-data"
        shutil.rmtree(data, ignore_errors=True)
        peer = free_port()
        url = f"http://127.0.0.1:{self.etcd_port}"
        argv = [
            str(self._etcd_bin),
            "--data-dir",
            str(data),
            "--name",
            "crscope",
            "--listen-client-urls",
            url,
            "--advertise-client-urls",
            url,
            "--listen-peer-urls",
            f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls",
            f"http://127.0.0.1:{peer}",
            "--initial-cluster",
            f"crscope=http://127.0.0.1:{peer}",
            "--unsafe-no-fsync",
            "--log-level",
            "error",
            "--quota-backend-bytes",
            str(8 << 30),
        ]
        self._etcd = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=open(self.state_dir / "etcd.log", "wb"),  # noqa: SIM115
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
        self._record("etcd", self._etcd, argv)
        return self._etcd

    def start_apiserver(self, *, timeout: float = 60.0) -> None:
        """Start (or restart) kube-apiserver on the same port and etcd."""
        assert self.state_dir is not None
        p = self.pki
        args = [
            str(self._api_bin),
            f"--etcd-servers=http://127.0.0.1:{self.etcd_port}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.port}",
            f"--tls-cert-file={p['server.crt']}",
            f"--tls-private-key-file={p['server.key']}",
            f"--client-ca-file={p['ca.crt']}",
            f"--service-account-key-file={p['sa.pub']}",
            f"--service-account-signing-key-file={p['sa.key']}",
            "--service-account-issuer=https://kubernetes.default.svc",
            "--service-cluster-ip-range=10.0.0.0/24",
            f"--token-auth-file={self._token_file}",
            "--authorization-mode=Node,RBAC",
            "--enable-priority-and-fairness=false",
            "--disable-admission-plugins=ServiceAccount",
            f"--cert-dir={self._pki_dir}",
            "--v=0",
            *self.extra_apiserver_args,
        ]
        log = open(self.state_dir / "apiserver.log", "ab")  # noqa: SIM115
        self._apiserver = subprocess.Popen(
            args,
            stdout=log,
            stderr=log,
            env={**os.environ, **self.apiserver_env} if self.apiserver_env else None,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
        self._record("apiserver", self._apiserver, args)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._apiserver.poll() is not None:
                raise RuntimeError(
                    f"kube-apiserver exited with {self._apiserver.returncode}; "
                    f"see {self.state_dir / 'apiserver.log'}"
                )
            with contextlib.suppress(OSError, urllib.error.URLError):
                if self.request("GET", "/readyz")[0] == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"kube-apiserver not ready in {timeout}s; see apiserver.log")

    def _record(self, role: str, proc: subprocess.Popen[bytes], argv: list[str]) -> None:
        assert self._pids is not None, "start() sets up the pid file"
        self._pids.record(role, proc.pid, argv)

    @property
    def apiserver_pid(self) -> int | None:
        """The running kube-apiserver's pid (it changes with every restart)."""
        return self._apiserver.pid if self._apiserver is not None else None

    def stop_apiserver(self, *, kill: bool = False) -> None:
        _terminate(self._apiserver, sig=signal.SIGKILL if kill else signal.SIGTERM)
        self._apiserver = None
        if self._pids is not None:
            self._pids.forget("apiserver")

    def restart_apiserver(self, *, kill: bool = True) -> None:
        self.stop_apiserver(kill=kill)
        self.start_apiserver()

    def stop(self) -> None:
        self.stop_apiserver()
        _terminate(self._etcd)
        self._etcd = None
        if self._pids is not None:
            self._pids.forget("etcd")
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- access ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def kubeconfig_path(self, user: str = "admin") -> Path:
        assert self.state_dir is not None
        return self.state_dir / ("kubeconfig" if user == "admin" else f"kubeconfig-{user}")

    def _write_kubeconfigs(self) -> None:
        ca = base64.b64encode(self.pki["ca.crt"].read_bytes()).decode()
        for user in USERS:
            config = {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "crscope-local",
                "clusters": [
                    {
                        "name": "crscope-local",
                        "cluster": {"server": self.url, "certificate-authority-data": ca},
                    }
                ],
                "users": [{"name": user, "user": {"token": self.tokens[user]}}],
                "contexts": [
                    {"name": "crscope-local", "context": {"cluster": "crscope-local", "user": user}}
                ],
            }
            path = self.kubeconfig_path(user)
            path.write_text(json.dumps(config, indent=2))
            path.chmod(0o600)

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.pki["ca.crt"]))

    def request(
        self,
        method: str,
        path: str,
        body: object | None = None,
        *,
        user: str = "admin",
        content_type: str = "application/json",
        timeout: float = 10.0,
    ) -> tuple[int, dict[str, object]]:
        """A plain HTTPS call for test set-up; returns (status, parsed body)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.tokens[user]}",
                "Content-Type": content_type,
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(req, context=self.ssl_context(), timeout=timeout) as resp:
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw.startswith(b"{") else {})
        except urllib.error.HTTPError as err:
            raw = err.read()
            return err.code, (json.loads(raw) if raw.startswith(b"{") else {})

    def etcd_request(self, path: str, body: dict[str, object]) -> dict[str, object]:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.etcd_port}{path}",
            data=json.dumps(body).encode(),
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            result: dict[str, object] = json.loads(resp.read())
            return result

    def compact_etcd(self) -> int:
        """Compact etcd at its current revision so older resourceVersions answer 410 Gone."""
        status = self.etcd_request("/v3/kv/range", {"key": base64.b64encode(b"/").decode()})
        header = status["header"]
        assert isinstance(header, dict)
        revision = int(header["revision"])
        self.etcd_request("/v3/kv/compaction", {"revision": revision, "physical": True})
        return revision


def _terminate(proc: subprocess.Popen[bytes] | None, *, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
