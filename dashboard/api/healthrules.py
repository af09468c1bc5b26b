"""``/health-rules``: the health rules in force, and a tester for a draft rules file.

Why a tester in the API: a rule is only right if it gives the states the operator expects
on the objects they actually run. ``POST /health-rules/test`` evaluates a draft against
one kind's cached objects and answers the state counts before and after, and the objects
whose state would change, with the rule and values behind both; nothing is saved. The
caller's authorization cuts the objects first (the same gate as lists), so a caller learns
nothing about objects they may not list. A draft that does not parse or compile is a 400
problem naming the field, line and column. The rules in force are configuration, visible
to every authenticated caller, like the notification rules.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from dashboard.api import render, scope
from dashboard.api.schemas import HealthRulesInfo, RuleTestIn, RuleTestResult
from dashboard.core.rules import ruletester
from dashboard.core.web.apierror import ApiProblem, error_responses
from informers import RuleError

router = Router(tags=["health rules"])


@router.get(
    "/health-rules",
    response={200: HealthRulesInfo, **error_responses()},
    operation_id="getHealthRules",
    summary="The health rules in force and the state of the user rules file",
)
def rules_in_force(request: HttpRequest) -> dict[str, Any]:
    scope.viewer(request)
    status = ruletester.rules_status(scope.engine())
    for name in ("loadedAt", "checkedAt"):
        status[name] = render.timestamp(status[name])
    return status


@router.post(
    "/health-rules/test",
    response={200: RuleTestResult, **error_responses(400, 403, 413)},
    operation_id="testHealthRules",
    summary="What a draft rules file would do to one kind's objects (nothing is saved)",
)
def test_rules(request: HttpRequest, body: RuleTestIn) -> dict[str, Any]:
    try:
        ruletester.admit(scope.viewer(request))
    except ruletester.TooManyTries as exc:
        raise ApiProblem(
            429, str(exc), slug="rate-limited", headers={"Retry-After": str(exc.retry_after)}
        ) from exc
    kind_scope = scope.resource_scope(request, body.resource)
    try:
        outcome = ruletester.try_draft(
            body.rules,
            informer=kind_scope.informer,
            namespaces=kind_scope.namespaces,
            engine=kind_scope.engine,
        )
    except ruletester.DraftTooLarge as exc:
        raise ApiProblem(413, str(exc), slug="too-large", param="rules") from exc
    except RuleError as exc:
        raise bad_rule(exc) from exc
    kind = kind_scope.kind
    return ruletester.outcome_body(outcome, resource=kind.key, kind=kind.kind)


def bad_rule(exc: RuleError) -> ApiProblem:
    """A draft that does not parse or compile: where (field, line, column) and what."""
    return ApiProblem(
        400,
        f"rules: {exc}",
        slug="bad-rule",
        param="rules",
        extra={"field": exc.field, "line": exc.line, "column": exc.column},
    )
