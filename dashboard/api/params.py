"""Query parameters of ``/api/v1/``, one pydantic model per endpoint family.

Why models rather than loose arguments: ninja flattens each model into documented query
parameters, validates types before a view runs (a mistyped value becomes a 400 naming the
parameter), and the views get one typed object. Names are the wire names (Kubernetes
style camelCase); Python keywords travel as aliases (``continue``, ``from``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from dashboard.core.listing.keyset import PageParams
from informers import State

RV_PATTERN = r"^[0-9]{1,20}$"
#: Label selectors are ASCII (keys and values are restricted by Kubernetes).
SELECTOR_PATTERN = r"^[ -~]*$"
_SELECTOR = "Kubernetes label selector, e.g. `app=web,env!=dev,tier in (a,b)`"


class _Params(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class KindPath(_Params):
    group: str = Field(..., max_length=253, description="API group, e.g. `example.com`")
    plural: str = Field(..., max_length=63, description="Plural resource name, e.g. `widgets`")


class ClusterPath(KindPath):
    name: str = Field(..., max_length=253, description="Object name")

    @property
    def namespace(self) -> str | None:
        return None


class NamespacedPath(KindPath):
    namespace: str = Field(..., max_length=63, description="Object namespace")
    name: str = Field(..., max_length=253, description="Object name")


class ListParams(PageParams):
    namespace: str | None = Field(None, max_length=253, description="Only this namespace")
    labelSelector: str | None = Field(
        None, max_length=1024, pattern=SELECTOR_PATTERN, description=_SELECTOR
    )
    state: list[State] | None = Field(
        None, description="Reconcile state; repeat the parameter for several"
    )
    stuck: bool | None = Field(None, description="Only stuck (true) or only not stuck (false)")
    search: str | None = Field(None, max_length=253, description="Name substring, any case")
    sort: str | None = Field(
        None,
        max_length=253,
        description="`name` (default), `namespace`, `age`, `state` or a printer-column name; "
        "a `-` prefix sorts descending",
    )


class RevisionParams(_Params):
    resourceVersion: str = Field(
        ..., pattern=RV_PATTERN, description="A resourceVersion listed in the object's history"
    )


class DiffParams(_Params):
    from_: str | None = Field(
        None,
        alias="from",
        pattern=RV_PATTERN,
        description="Older resourceVersion; default: the same object's revision before `to`",
    )
    to: str | None = Field(
        None, pattern=RV_PATTERN, description="Newer resourceVersion; default: the newest"
    )
    noise: bool = Field(False, description="Include bookkeeping changes (resourceVersion, ...)")


class HealthParams(_Params):
    fail: bool = Field(
        False, description="Answer 503 while anything needs attention or any kind is syncing"
    )
    namespace: str | None = Field(
        None, max_length=253, description="Only this namespace (404 if unknown or not visible)"
    )
    resource: str | None = Field(None, max_length=320, description="Only this kind: group/plural")
    limit: int | None = Field(
        None, ge=1, description="Attention items shown: default 100, above 1000 capped"
    )


class WatchParams(_Params):
    resource: str = Field(..., max_length=320, description="The kind to watch: group/plural")
    namespace: str | None = Field(None, max_length=253, description="Only this namespace")
    labelSelector: str | None = Field(
        None, max_length=1024, pattern=SELECTOR_PATTERN, description=_SELECTOR
    )
    timeoutSeconds: int | None = Field(
        None,
        ge=0,
        le=86400,
        description="End the stream after this many seconds (0: right after the current "
        "state); omitted: stream until the client disconnects. Either way the server ends a "
        "stream after CRSCOPE_WATCH_MAX_SECONDS (default 1800); watch again to go on",
    )
