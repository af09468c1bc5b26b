"""Does a namespace exist, as far as the dashboard may tell?

Why: the health gate must not pass for a namespace that is not there. A typo in a CI job
(``namespace=prodution``) used to answer "healthy, 0 objects"; it is a 404 now. A
namespace holding watched objects exists; otherwise the apiserver is asked (the
ClusterRole grants ``get`` on namespaces), and the answer is cached briefly because
gates poll. A namespace outside ``CRSCOPE_NAMESPACES`` (or excluded) is unknown here.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from urllib.parse import quote

from informers import ApiError, Engine

log = logging.getLogger(__name__)

_FOUND_TTL = 30.0
_MISSING_TTL = 5.0
_MAX_ENTRIES = 1024
#: A namespace name is a DNS-1123 label; anything else cannot exist, so is not asked for.
_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_cache: dict[str, tuple[float, bool]] = {}
_lock = threading.Lock()


def is_namespace_name(value: str) -> bool:
    """Whether ``value`` could name a namespace (a DNS-1123 label): the one check every
    page and API uses before a namespace from a URL goes near a query."""
    return _LABEL.fullmatch(value) is not None


class NamespaceCheckFailed(RuntimeError):
    """The apiserver could not say; callers answer 503 rather than guess."""


def watched(engine: Engine, namespace: str) -> bool:
    settings = engine.settings
    if namespace in settings.exclude_namespaces:
        return False
    return not settings.namespaces or namespace in settings.namespaces


def exists(engine: Engine, namespace: str) -> bool:
    """True if ``namespace`` is watched and exists; raises NamespaceCheckFailed if unknown."""
    if not is_namespace_name(namespace) or not watched(engine, namespace):
        return False
    if any(informer.store.count_in(namespace) for informer in engine.informers()):
        return True
    now = time.monotonic()
    with _lock:
        cached = _cache.get(namespace)
    if cached is not None and cached[0] > now:
        return cached[1]
    found = _ask(engine, namespace)
    with _lock:
        if len(_cache) >= _MAX_ENTRIES:
            _cache.clear()
        _cache[namespace] = (now + (_FOUND_TTL if found else _MISSING_TTL), found)
    return found


def _ask(engine: Engine, namespace: str) -> bool:
    try:
        engine.client.get(f"/api/v1/namespaces/{quote(namespace, safe='')}", timeout=5.0)
    except ApiError as exc:
        if exc.status == 404:
            return False
        if exc.status == 403:
            # Without the grant, only namespaces with watched objects are known.
            log.warning("namespaces: may not get namespaces (grant it in the ClusterRole)")
            return False
        raise NamespaceCheckFailed(str(exc)) from exc
    except Exception as exc:  # urllib3 and socket errors: the apiserver is unreachable
        raise NamespaceCheckFailed(str(exc)) from exc
    return True
