"""An object's past: ``.../history``, ``.../revision`` and ``.../diff``, from the history DB.

Why by name, not by uid: people ask about "payments/db-main", and a name deleted and
created again is still the thing they mean; each revision carries its uid so the two lives
can be told apart. Bodies and diff values pass the redactor, like live objects; stored
bodies are redacted already, so a diff compares redacted bodies (the live one too), and a
changed secret shows in ``changedPaths`` but not as a value change. The newest
state may not have reached the DB yet (the writer batches), so the live cache stands in
for a revision it holds. A name with neither a cached object nor any history is a 404.
"""

from __future__ import annotations

from typing import Any

from ninja import Router

from dashboard.api import render
from dashboard.api.objectroutes import object_route
from dashboard.api.objects import ObjectRef
from dashboard.api.params import DiffParams, RevisionParams
from dashboard.api.schemas import Diff, History, RevisionDetail
from dashboard.core.auth.redactor import masked_changes, redact_body, redactor
from dashboard.core.listing.keyset import PageParams, keyset_page
from dashboard.core.web.apierror import ApiProblem, bad_param, error_responses, not_found
from dashboard.history.models import Revision
from dashboard.history.writer import decode
from informers import State, diff_objects

router = Router(tags=["history"])

_STATES = {s.value for s in State}


@object_route(
    router,
    "/history",
    params=PageParams,
    response={200: History, **error_responses(400)},
    operation="History",
    summary="Revisions of a {scope} object, newest first",
)
def object_history(ref: ObjectRef, params: PageParams) -> dict[str, Any]:
    if not params.continue_ and not ref.known():
        raise ref.unknown()
    page = keyset_page(
        ref.revisions().defer("body"),
        field="rv_int",
        params=params,
        bound_to=f"history|{ref.kind_key}|{ref.key}",
    )
    return {
        "items": [_summary(rev) for rev in page.rows],
        "continue": page.continue_token,
        "total": page.total,
    }


def _summary(rev: Revision) -> dict[str, Any]:
    return {
        "resourceVersion": rev.resource_version,
        "type": rev.type,
        "observed": render.timestamp(rev.observed) or render.timestamp(0),
        "generation": rev.generation,
        "managers": [str(m) for m in rev.managers] if isinstance(rev.managers, list) else [],
        "changedPaths": (
            [str(p) for p in rev.changed_paths] if isinstance(rev.changed_paths, list) else []
        ),
        "uid": rev.uid,
        "state": rev.state if rev.state in _STATES else None,
        "tombstone": rev.tombstone,
    }


@object_route(
    router,
    "/revision",
    params=RevisionParams,
    response={200: RevisionDetail, **error_responses(400)},
    operation="Revision",
    summary="A {scope} object at one revision",
)
def object_revision(ref: ObjectRef, params: RevisionParams) -> dict[str, Any]:
    rv = params.resourceVersion
    rev = ref.revisions().filter(resource_version=rv).first()
    if rev is None:
        raise ApiProblem(
            404,
            f"no revision {rv} of {ref.key} in history",
            slug="not-found",
            param="resourceVersion",
        )
    return {**_summary(rev), "object": render.body(decode(rev.body))}


@object_route(
    router,
    "/diff",
    params=DiffParams,
    response={200: Diff, **error_responses(400)},
    operation="Diff",
    summary="Field changes between two revisions",
)
def object_diff(ref: ObjectRef, params: DiffParams) -> dict[str, Any]:
    noise = params.noise
    to_rv, new = _body(ref, params.to, "to")
    from_rv: str | None
    if params.from_ is None:
        from_rv, old = _previous(ref, to_rv, new)
    else:
        from_rv, old = _body(ref, params.from_, "from")
    # rows stored before bodies were redacted on write are not; the live body never is
    old, new = (None if old is None else redact_body(old)), redact_body(new)
    found = diff_objects(old, new, noise=noise)
    recorded = _recorded_paths(ref, from_rv, to_rv)
    found = sorted(
        [*found, *masked_changes(old, new, (c.path for c in found), recorded)],
        key=lambda c: c.path,
    )
    changes = []
    for change in found:
        item = change.as_dict()
        item["old"] = redactor.redact_change_value(change.path, change.old, roots=(old, new))
        item["new"] = redactor.redact_change_value(change.path, change.new, roots=(old, new))
        changes.append(item)
    return {"from": from_rv, "to": to_rv, "noise": noise, "changes": changes}


def _body(ref: ObjectRef, rv: str | None, param: str) -> tuple[str, dict[str, Any]]:
    """The body at ``rv`` (the newest when None), from the DB or the live cache."""
    live = ref.scope.informer.store.get(ref.key)
    rows = ref.revisions()
    if rv is not None:
        rows = rows.filter(resource_version=rv)
    row = rows.only("resource_version", "rv_int", "body").first()
    if live is not None and (
        rv == live.resource_version
        or (rv is None and (row is None or _rv_int(live.resource_version) > row.rv_int))
    ):
        return live.resource_version, redact_body(live.obj)
    if row is not None:
        return row.resource_version, decode(row.body)
    if rv is None:
        raise not_found(f"{ref.scope.kind.kind} {ref.key} has no history")
    raise bad_param(param, f"no revision {rv} of {ref.key} in history")


def _recorded_paths(ref: ObjectRef, from_rv: str | None, to_rv: str) -> list[str]:
    """The changed paths the engine recorded for the revisions after ``from_rv`` up to
    ``to_rv`` (on the live objects, so changed secrets are among them)."""
    if from_rv is None:
        return []  # a first revision: everything is an add, already shown
    rows = ref.revisions().filter(rv_int__gt=_rv_int(from_rv), rv_int__lte=_rv_int(to_rv))
    return [str(p) for paths in rows.values_list("changed_paths", flat=True) for p in paths or []]


def _previous(ref: ObjectRef, to_rv: str, new: dict[str, Any]) -> tuple[str | None, Any]:
    """The revision before ``to_rv`` of the same uid, or (None, None) for its first one."""
    uid = (new.get("metadata") or {}).get("uid", "")
    row = (
        ref.revisions()
        .filter(uid=uid, rv_int__lt=_rv_int(to_rv))
        .only("resource_version", "body")
        .first()
    )
    if row is None:
        return None, None
    return row.resource_version, decode(row.body)


def _rv_int(rv: str) -> int:
    try:
        return int(rv)
    except ValueError:
        return 0
