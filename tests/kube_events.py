"""Post a core/v1 Event about an object, as a controller would write it.

Why one helper: the journeys, the history API tests and the security tests each wrote
their own Event poster, alike but for the timestamps, count, type and where the Event is
posted; a fix to one (the name's uniqueness, the source) never reached the others.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from devkit.controlplane.kubehttp import KubeHTTP


def now_stamp() -> str:
    """The time now, as an Event's ``firstTimestamp`` carries it (whole seconds, UTC)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def post_event(
    kube: KubeHTTP,
    obj: dict[str, Any],
    *,
    reason: str,
    type_: str = "Warning",
    message: str = "",
    count: int = 1,
    at: str | None = None,
    where: str | None = None,
    source: str = "crscope-tests",
    **involved: Any,
) -> dict[str, Any]:
    """A legacy (``involvedObject``) Event about ``obj``; returns what the apiserver stored.

    ``at`` dates it (default now); ``where`` is the namespace it is posted in (default the
    object's own, or ``default`` for a cluster-scoped one, as controllers do); ``involved``
    overrides fields of ``involvedObject``, for Events that lie about their object.
    """
    meta = obj["metadata"]
    stamp = at or now_stamp()
    about = {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        **({"namespace": meta["namespace"]} if meta.get("namespace") else {}),
        **involved,
    }
    stored: dict[str, Any] = kube.request(
        "POST",
        f"/api/v1/namespaces/{where or meta.get('namespace') or 'default'}/events",
        body={
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{meta['name']}.{uuid.uuid4().hex[:12]}"},
            "involvedObject": about,
            "type": type_,
            "reason": reason,
            "message": message or f"{reason} happened",
            "source": {"component": source},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": count,
        },
    )
    return stored
