"""Health rules: per-kind CEL rules that decide an object's reconcile state.

Why: the generic kstatus rules read only Ready, Reconciling and Stalled, and many popular
projects put their health elsewhere (``status.health.status``, ``status.phase``, a
``Succeeded`` condition). A rule names the kind it is for, reads the object through CEL
expressions, and maps it to one of the five states with a reason and message; every state
it decides names the rule, the values read and the deciding expression. The format and the
order are documented in docs/contracts.md. Nothing here imports Django.
"""

from __future__ import annotations

from informers.healthrules.expressions import COST_LIMIT
from informers.healthrules.model import Case, Reconcile, Relation, Rule
from informers.healthrules.parse import RuleError
from informers.healthrules.ruleset import (
    KindRules,
    RuleSet,
    evaluate_status,
    group_kind,
    parse_rules,
    shipped_rules,
)
from informers.healthrules.source import HealthRulesSource, HealthRulesStatus

__all__ = [
    "COST_LIMIT",
    "Case",
    "HealthRulesSource",
    "HealthRulesStatus",
    "KindRules",
    "Reconcile",
    "Relation",
    "Rule",
    "RuleError",
    "RuleSet",
    "evaluate_status",
    "group_kind",
    "parse_rules",
    "shipped_rules",
]
