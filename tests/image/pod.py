"""Run a Deployment's pod template with podman, the way kubelet would run it.

Why: the manifests promise a pod that starts as a non-root user on a read-only root
filesystem, writes only to its volumes, and reaches the apiserver with the in-cluster
service-account files. Dry-running the manifests checks none of that. This module reads a
parsed Deployment (as the Helm chart renders it) and maps each field of its first
container onto ``podman run``:

- pod and container ``securityContext``: uid/gid (``--user``), ``fsGroup`` and
  ``supplementalGroups`` (``--group-add``; volumes are group-owned by ``fsGroup`` and
  setgid, as kubelet makes them), ``readOnlyRootFilesystem`` (``--read-only`` *without*
  podman's extra tmpfs mounts, so only declared volumes are writable),
  ``allowPrivilegeEscalation: false`` (no-new-privileges), capabilities;
- volumes: ``emptyDir`` (a host directory, or a tmpfs for ``medium: Memory``), a PVC (a
  host directory), ``configMap``/``secret`` (their files, from the objects passed in,
  honouring ``optional``), and the service-account directory when the token is mounted;
- env: ``env`` (values, config map and secret keys, ``optional``), ``envFrom``, and
  ``KUBERNETES_SERVICE_HOST``/``PORT`` as kubelet injects them;
- probes: :meth:`Pod.wait_ready` polls the readiness probe's path, port and headers;
- shutdown: :meth:`Pod.terminate` sends SIGTERM and waits at most the grace period.

Deviation, on purpose: the pod shares the host's network (the test apiserver listens on
127.0.0.1), so the container port is moved to a free host port through ``PORT``, the
variable the image's entrypoint listens on. Anything in the template this module cannot
map raises :class:`Unsupported` rather than running a different pod silently.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.controlplane.cluster import free_port
from tests.image.podman import podman, podman_argv

Obj = dict[str, Any]
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
_QUANTITY = re.compile(r"^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
_UNITS = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_UNITS.update({"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40})


class Unsupported(Exception):
    """The pod template uses something this runner does not map onto podman."""


@dataclass(frozen=True)
class Apiserver:
    """Where the pod finds the cluster (what kubelet puts in KUBERNETES_SERVICE_*)."""

    host: str
    port: int


def quantity_bytes(value: str) -> int:
    match = _QUANTITY.match(str(value))
    if not match:
        raise Unsupported(f"quantity {value!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def _named(objects: list[Obj], kind: str, name: str) -> Obj | None:
    return next((o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name), None)


def _data(obj: Obj) -> dict[str, str]:
    """A ConfigMap's or Secret's values as text."""
    if obj["kind"] == "Secret":
        values = {k: base64.b64decode(v).decode() for k, v in obj.get("data", {}).items()}
        return {**values, **obj.get("stringData", {})}
    return dict(obj.get("data", {}))


@dataclass
class PodSpec:
    """The podman arguments for one Deployment's first container, and its host paths."""

    deployment: Obj
    objects: list[Obj]
    image: str
    apiserver: Apiserver
    workdir: Path
    service_account_files: Path | None
    env_overrides: dict[str, str] = field(default_factory=dict)
    port: int = 0

    @property
    def template(self) -> Obj:
        spec: Obj = self.deployment["spec"]["template"]["spec"]
        return spec

    @property
    def container(self) -> Obj:
        containers = self.template["containers"]
        if len(containers) != 1 or self.template.get("initContainers"):
            raise Unsupported("only pods of exactly one container are run")
        container: Obj = containers[0]
        return container

    @property
    def grace_seconds(self) -> int:
        return int(self.template.get("terminationGracePeriodSeconds", 30))

    def container_port(self, name_or_number: str | int) -> int:
        if isinstance(name_or_number, int):
            return name_or_number
        for port in self.container.get("ports", []):
            if port.get("name") == name_or_number:
                return int(port["containerPort"])
        raise Unsupported(f"no container port named {name_or_number}")

    # -- identity and confinement ----------------------------------------------------------
    @property
    def security_context(self) -> Obj:
        """The container's effective securityContext (its own fields win over the pod's)."""
        return {
            **self.template.get("securityContext", {}),
            **self.container.get("securityContext", {}),
        }

    def _security(self) -> list[str]:
        pod_sc = self.template.get("securityContext", {})
        sc = self.security_context
        uid, gid = sc.get("runAsUser"), sc.get("runAsGroup")
        if sc.get("runAsNonRoot") and uid in (None, 0):
            raise Unsupported("runAsNonRoot without a non-zero runAsUser: kubelet would refuse")
        args = []
        if uid is not None:
            args += ["--user", f"{uid}:{gid if gid is not None else 0}"]
        for group in [pod_sc.get("fsGroup"), *pod_sc.get("supplementalGroups", [])]:
            if group is not None:
                args += ["--group-add", str(group)]
        if sc.get("readOnlyRootFilesystem"):
            args += ["--read-only", "--read-only-tmpfs=false"]
        if sc.get("allowPrivilegeEscalation") is False:
            args += ["--security-opt", "no-new-privileges"]
        caps = sc.get("capabilities", {})
        args += [f"--cap-drop={c}" for c in caps.get("drop", [])]
        args += [f"--cap-add={c}" for c in caps.get("add", [])]
        if sc.get("privileged"):
            raise Unsupported("privileged containers")
        profile = sc.get("seccompProfile", {}).get("type", "RuntimeDefault")
        if profile != "RuntimeDefault":
            raise Unsupported(f"seccompProfile {profile}")
        return args

    # -- volumes ---------------------------------------------------------------------------
    def _owned_dir(self, name: str) -> Path:
        """A writable volume as kubelet prepares it: group fsGroup, setgid, group-writable."""
        path = self.workdir / "volumes" / name
        path.mkdir(parents=True, exist_ok=True)
        fs_group = self.template.get("securityContext", {}).get("fsGroup")
        if fs_group is not None:
            os.chown(path, 0, int(fs_group))
            path.chmod(0o2775)
        else:
            path.chmod(0o755)
        return path

    def _files_dir(self, name: str, source: Obj, kind: str) -> Path | None:
        ref = source.get("name") or source.get("secretName")
        obj = _named(self.objects, kind, str(ref))
        if obj is None:
            if source.get("optional"):
                return None
            raise Unsupported(f"volume {name}: {kind} {ref} is not among the objects")
        path = self.workdir / "volumes" / name
        path.mkdir(parents=True, exist_ok=True)
        data = _data(obj)
        items = source.get("items") or [{"key": k, "path": k} for k in data]
        for item in items:
            target = path / item["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(data[item["key"]])
            target.chmod(int(source.get("defaultMode", 0o644)))
        path.chmod(0o755)
        return path

    def _volumes(self) -> list[str]:
        volumes = {v["name"]: v for v in self.template.get("volumes", [])}
        args: list[str] = []
        for mount in self.container.get("volumeMounts", []):
            volume = volumes[mount["name"]]
            mode = "ro" if mount.get("readOnly") else "rw"
            target = mount["mountPath"]
            if "subPath" in mount:
                raise Unsupported("subPath mounts")
            if "emptyDir" in volume and volume["emptyDir"].get("medium") == "Memory":
                size = volume["emptyDir"].get("sizeLimit")
                options = f"rw,mode=1777{f',size={quantity_bytes(size)}' if size else ''}"
                args += ["--tmpfs", f"{target}:{options}"]
                continue
            if "emptyDir" in volume or "persistentVolumeClaim" in volume:
                source: Path | None = self._owned_dir(mount["name"])
                if "emptyDir" in volume:  # kubelet creates emptyDirs world-writable
                    assert source is not None
                    source.chmod(
                        0o2777
                        if self.template.get("securityContext", {}).get("fsGroup") is not None
                        else 0o777
                    )
            elif "configMap" in volume:
                source = self._files_dir(mount["name"], volume["configMap"], "ConfigMap")
            elif "secret" in volume:
                source = self._files_dir(mount["name"], volume["secret"], "Secret")
            else:
                raise Unsupported(f"volume {mount['name']}: {sorted(volume)}")
            if source is None:  # an optional ConfigMap or Secret that is absent: empty dir
                source = self.workdir / "volumes" / mount["name"]
                source.mkdir(parents=True, exist_ok=True)
                source.chmod(0o755)
            args += ["--volume", f"{source}:{target}:{mode}"]
        if self.template.get("automountServiceAccountToken", True):
            if self.service_account_files is None:
                raise Unsupported("the pod mounts its service-account token: pass its files")
            args += ["--volume", f"{self.service_account_files}:{SERVICE_ACCOUNT_DIR}:ro"]
        return args

    # -- environment -----------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        env = {
            "KUBERNETES_SERVICE_HOST": self.apiserver.host,
            "KUBERNETES_SERVICE_PORT": str(self.apiserver.port),
        }
        for source in self.container.get("envFrom", []):
            for key in ("configMapRef", "secretRef"):
                if key in source:
                    kind = "ConfigMap" if key == "configMapRef" else "Secret"
                    obj = _named(self.objects, kind, source[key]["name"])
                    if obj is None and not source[key].get("optional"):
                        raise Unsupported(f"envFrom: {kind} {source[key]['name']} is missing")
                    prefix = source.get("prefix", "")
                    env.update({prefix + k: v for k, v in _data(obj or {"kind": kind}).items()})
        for var in self.container.get("env", []):
            value = self._env_value(var)
            if value is not None:
                env[var["name"]] = value
        env["PORT"] = str(self.port)  # host network: the container port moves to a free one
        env.update(self.env_overrides)
        return env

    def _env_value(self, var: Obj) -> str | None:
        if "value" in var:
            return str(var["value"])
        source = var.get("valueFrom", {})
        for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
            if key in source:
                ref = source[key]
                obj = _named(self.objects, kind, ref["name"])
                data = _data(obj) if obj else {}
                if ref["key"] in data:
                    return data[ref["key"]]
                if ref.get("optional"):
                    return None
                raise Unsupported(f"env {var['name']}: {kind} {ref['name']}/{ref['key']} missing")
        raise Unsupported(f"env {var['name']}: {sorted(source)}")

    # -- the command -----------------------------------------------------------------------
    def run_argv(self, name: str) -> list[str]:
        container = self.container
        args = ["run", "--detach", "--name", name, "--network", "host", "--pull", "never"]
        args += self._security() + self._volumes()
        limits = container.get("resources", {}).get("limits", {})
        if "memory" in limits:
            args += ["--memory", str(quantity_bytes(limits["memory"]))]
        for key, value in sorted(self.environment().items()):
            args += ["--env", f"{key}={value}"]
        if "workingDir" in container:
            args += ["--workdir", container["workingDir"]]
        if "command" in container:
            args += ["--entrypoint", container["command"][0]]
        args.append(self.image)
        args += [*container.get("command", [])[1:], *container.get("args", [])]
        return podman_argv(*args)


@dataclass
class Pod:
    """One running container; ``logs`` is everything it printed so far."""

    spec: PodSpec
    name: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.spec.port}"

    def logs(self) -> str:
        result = podman("logs", self.name, check=False, timeout=60)
        return result.stdout + result.stderr

    def exec(self, *argv: str) -> str:
        """Run a command in the container (as its user); its stdout."""
        return podman("exec", self.name, *argv, timeout=60).stdout

    def running(self) -> bool:
        state = podman("inspect", "--format", "{{.State.Running}}", self.name, check=False)
        return state.stdout.strip() == "true"

    def get(self, path: str, *, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def probe(self, kind: str = "readinessProbe") -> int | None:
        """One probe of the container's ``kind`` probe; the HTTP status, None if refused."""
        http_get = self.spec.container[kind]["httpGet"]
        headers = {h["name"]: h["value"] for h in http_get.get("httpHeaders", [])}
        with contextlib.suppress(OSError):
            return self.get(http_get["path"], headers=headers)[0]
        return None

    def wait_ready(self, *, timeout: float = 180, probe: str = "readinessProbe") -> None:
        """Until ``probe`` (the readiness probe by default) answers 200; fails early when
        the container exits."""
        deadline = time.monotonic() + timeout
        last: int | None = None
        while time.monotonic() < deadline:
            last = self.probe(probe)
            if last == 200:
                return
            if not self.running():
                raise AssertionError(f"the container exited before its {probe}:\n{self.logs()}")
            time.sleep(0.5)
        raise AssertionError(f"no {probe} within {timeout}s (last: {last}):\n{self.logs()}")

    def terminate(self) -> int | None:
        """SIGTERM, as kubelet sends it; the exit code, or None past the grace period."""
        podman("kill", "--signal", "TERM", self.name, check=False)
        try:
            result = podman("wait", self.name, timeout=self.spec.grace_seconds)
        except subprocess.TimeoutExpired:
            return None
        return int(result.stdout.strip().splitlines()[-1])

    def remove(self) -> None:
        podman("rm", "--force", "--time", "0", self.name, check=False, timeout=120)


@contextlib.contextmanager
def run_pod(spec: PodSpec) -> Iterator[Pod]:
    """Start the pod and remove its container afterwards (whatever state it is in)."""
    spec.port = spec.port or free_port()
    spec.workdir.mkdir(parents=True, exist_ok=True)
    name = f"crscope-test-{uuid.uuid4().hex[:8]}"
    argv = spec.run_argv(name)
    started = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if started.returncode != 0:
        raise RuntimeError(f"podman run failed: {started.stderr[-4000:]}")
    pod = Pod(spec, name)
    try:
        yield pod
    finally:
        pod.remove()
