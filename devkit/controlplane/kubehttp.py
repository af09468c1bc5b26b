"""A tiny JSON-over-HTTPS client for the local apiserver: bearer token, pinned CA, no magic.

Why not the ``kubernetes`` package: the sample and churn tooling must send exactly the
requests it means to (merge patches to ``/status``, ``fieldManager`` query parameters,
server-side apply) and see the raw status codes, so tests can count 404s and 409s. A
thin wrapper around one ``urllib3.PoolManager`` does that in a few lines, is thread-safe,
and keeps connections alive at churn rates. It is test tooling, not product code: the
product's own API access lives in ``informers/``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import urllib3
import yaml

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


class ApiError(Exception):
    """A non-2xx answer; ``status`` is the HTTP code, ``reason`` the Status reason."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.reason = str(body.get("reason", ""))
        self.body = body
        super().__init__(f"{status} {self.reason}: {body.get('message', '')}".strip())


class KubeHTTP:
    """Calls one apiserver as one token-authenticated user, verifying its CA."""

    def __init__(
        self,
        *,
        server: str,
        token: str,
        ca_file: str | None = None,
        ca_data: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.server = server.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._pool = urllib3.PoolManager(
            num_pools=2,
            maxsize=4,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_file,
            ca_cert_data=ca_data,
            timeout=urllib3.Timeout(total=timeout),
            retries=False,
        )

    @classmethod
    def from_kubeconfig(cls, path: str | Path, *, timeout: float = 10.0) -> KubeHTTP:
        """Build a client from the current context of a token-based kubeconfig."""
        config = yaml.safe_load(Path(path).read_text())
        context_name = config["current-context"]
        context = _named(config["contexts"], context_name)["context"]
        cluster = _named(config["clusters"], context["cluster"])["cluster"]
        user = _named(config["users"], context["user"])["user"]
        if "token" not in user:
            raise ValueError(f"{path}: user {context['user']!r} has no bearer token")
        ca_data = cluster.get("certificate-authority-data")
        return cls(
            server=cluster["server"],
            token=user["token"],
            ca_file=cluster.get("certificate-authority"),
            ca_data=base64.b64decode(ca_data).decode() if ca_data else None,
            timeout=timeout,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        body: object | None = None,
        query: dict[str, str] | None = None,
        content_type: str = JSON,
        accept: str = JSON,
    ) -> dict[str, Any]:
        """Send one request and return the decoded JSON body; raise :class:`ApiError` on >= 400.

        ``accept`` can ask for another rendering, e.g. :data:`TABLE` for printer columns.
        """
        url = self.server + path + (f"?{urlencode(query)}" if query else "")
        headers = {**self._headers, "Accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        response = self._pool.request(method, url, body=data, headers=headers)
        decoded = _decode(response.data)
        if response.status >= 400:
            raise ApiError(response.status, decoded)
        return decoded

    def close(self) -> None:
        self._pool.clear()

    def __enter__(self) -> KubeHTTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _named(entries: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for entry in entries:
        if entry.get("name") == name:
            return entry
    raise KeyError(f"kubeconfig has no entry named {name!r}")


def _decode(raw: bytes) -> dict[str, Any]:
    if not raw.startswith(b"{"):
        return {"message": raw[:200].decode(errors="replace")} if raw else {}
    result: dict[str, Any] = json.loads(raw)
    return result
