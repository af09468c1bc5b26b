"""Why this state: the rule that decided an object's state and the values it read.

Why one module: the API (``status.rule``/``inputs``/``when``), the detail page, the list
row's tooltip, the rule tester and notifications all show the same explanation, and the
input values come from the object, so they must pass the redactor like every other shown
value. A rule that reads ``object.spec.password`` (a user rule, or a draft in the tester)
shows the input masked, exactly as the object's YAML would.
"""

from __future__ import annotations

import json
from typing import Any

from dashboard.core.auth.redactor import redactor
from informers import Status


def shown_inputs(status: Status) -> dict[str, Any]:
    """The values the deciding rule read, by input name, redacted (the key rule applies
    to the input's name, the text rule to string values)."""
    if not status.inputs:
        return {}
    redacted = redactor.redact(dict(status.inputs))
    return redacted if isinstance(redacted, dict) else {}


def inputs_text(status: Status) -> str:
    """``health="Degraded", ready=null``: the inputs as one line, values as JSON."""
    return ", ".join(f"{name}={_json(value)}" for name, value in shown_inputs(status).items())


def why_text(status: Status) -> str:
    """``argo-cd/Application: health == "Degraded" (health="Degraded")``; "" when the
    status names no rule (an object evaluated before rules existed)."""
    if not status.rule:
        return ""
    text = f"{status.rule}: {status.when}" if status.when else status.rule
    values = inputs_text(status)
    return f"{text} ({values})" if values else text


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return json.dumps(str(value), ensure_ascii=False)
