"""``/health-rules/``: the rules in force, and a tester for a draft rules file.

Why a page: writing a CEL rule is trial and error; the page lets an operator paste a draft,
pick a kind and see, before saving, the state counts before and after and the objects that
would change state, with the why of both. It posts a form (Django's CSRF check applies),
htmx swaps in just the result, and the work is the API's (``dashboard.core.rules.ruletester``):
the same bounds, and only the kinds and namespaces the viewer may list.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from dashboard.core.rules import ruletester
from dashboard.core.web import links
from dashboard.core.web.htmx import htmx
from dashboard.core.web.liveurl import live_url
from dashboard.ui.kinds import visible_informers
from dashboard.ui.pages.common import engine_page, page, viewer
from informers import Engine, Informer, RuleError, State

EXAMPLE = """rules:
  - name: my/Widget
    match: {group: example.com, kind: Widget}
    inputs:
      phase: object.status.phase
    cases:
      - when: phase == "Failed"
        state: Failed
        reason: PhaseFailed
        message: conditions.Ready.message
"""


@require_http_methods(["GET", "POST"])
@engine_page
def health_rules(request: HttpRequest, engine: Engine) -> HttpResponse:
    kinds = visible_informers(engine, viewer(request))
    form = _form(request, kinds)
    context: dict[str, Any] = {
        "rules": ruletester.rules_status(engine),
        "kinds": [informer.kind for informer, _ in kinds],
        "form": form,
        "max_chars": ruletester.MAX_DRAFT_CHARS,
        "max_objects": ruletester.MAX_OBJECTS,
        "max_seconds": f"{ruletester.MAX_SECONDS:g}",
        "max_changes": ruletester.MAX_CHANGES,
        "live_url": live_url("frame"),
    }
    if request.method == "POST":
        try:
            ruletester.admit(viewer(request))
        except ruletester.TooManyTries as exc:
            context["error"] = {"message": f"{exc}."}
        else:
            context.update(_tried(engine, kinds, form))
        if htmx(request):
            return render(request, "ui/pages/healthrules/_result.html", context)
    return page(request, "ui/pages/healthrules/page.html", context)


def _form(request: HttpRequest, kinds: list[tuple[Informer, set[str] | None]]) -> dict[str, str]:
    source = request.POST if request.method == "POST" else request.GET
    resource = str(source.get("resource", ""))[:320]
    if not resource and kinds:
        resource = kinds[0][0].kind.key
    text = str(source.get("rules", "")) if request.method == "POST" else EXAMPLE
    return {"resource": resource, "rules": text}


def _tried(
    engine: Engine, kinds: list[tuple[Informer, set[str] | None]], form: dict[str, str]
) -> dict[str, Any]:
    """The tester's outcome for the form, or the error to show in its place."""
    found = next(((i, ns) for i, ns in kinds if i.kind.key == form["resource"]), None)
    if found is None:  # unknown, or not listable by this viewer: the same answer
        return {"error": {"message": f"No watched kind {form['resource']}."}}
    informer, namespaces = found
    try:
        outcome = ruletester.try_draft(
            form["rules"],
            informer=informer,
            namespaces=namespaces,
            engine=engine,
        )
    except ruletester.DraftTooLarge as exc:
        return {"error": {"message": str(exc)}}
    except RuleError as exc:
        return {
            "error": {
                "message": exc.what,
                "field": exc.field,
                "line": exc.line,
                "column": exc.column,
            }
        }
    kind = informer.kind
    return {
        "result": outcome,
        "result_kind": kind,
        "states": [
            (s.value, outcome.before.get(s.value, 0), outcome.after.get(s.value, 0)) for s in State
        ],
        "changes": [
            {
                "change": change,
                "url": links.object_url(kind, change.namespace, change.name),
            }
            for change in outcome.changes
        ],
    }
