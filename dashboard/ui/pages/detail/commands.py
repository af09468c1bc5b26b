"""The kubectl commands an object's page offers to copy: get, describe, edit, reconcile now.

Why: the dashboard stays read-only, but an operator's next step is often a command in a
terminal, and typing the fully qualified resource, name and namespace is where mistakes
happen. The resource is always ``plural.group`` so the command means this kind even when
another group has a kind of the same name. Every word from the object is shell-quoted:
names are DNS labels today, but a command a person pastes must never depend on that.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from informers import KindInfo, Reconcile

#: the value written when a rule's annotation takes "any new value": seconds since the
#: epoch, evaluated by the person's shell when they run the command (as Flux's docs do)
TIMESTAMP = '"$(date +%s)"'


@dataclass(frozen=True)
class Command:
    """One command: a short label, the text to copy and what it does (the title)."""

    slug: str
    label: str
    text: str
    title: str


def resource(kind: KindInfo) -> str:
    """``plural.group``: unambiguous for kubectl (the core group has no suffix)."""
    return f"{kind.plural}.{kind.group}" if kind.group else kind.plural


def _target(kind: KindInfo, namespace: str | None, name: str) -> str:
    words = [resource(kind), name]
    if namespace:
        words += ["-n", namespace]
    return " ".join(shlex.quote(w) for w in words)


def _annotation(reconcile: Reconcile) -> str:
    if reconcile.value is None:
        return f"{shlex.quote(reconcile.annotation + '=')}{TIMESTAMP}"
    return shlex.quote(f"{reconcile.annotation}={reconcile.value}")


def for_object(
    kind: KindInfo, *, namespace: str | None, name: str, reconcile: Reconcile | None
) -> list[Command]:
    target = _target(kind, namespace, name)
    found = [
        Command("get", "get", f"kubectl get {target} -o yaml", "Print the live object"),
        Command("describe", "describe", f"kubectl describe {target}", "Describe with Events"),
        Command("edit", "edit", f"kubectl edit {target}", "Edit in $EDITOR (needs write access)"),
    ]
    if reconcile is not None:
        found.append(
            Command(
                "reconcile",
                "reconcile now",
                f"kubectl annotate --overwrite {target} {_annotation(reconcile)}",
                f"Ask the controller to reconcile now ({reconcile.annotation})",
            )
        )
    return found
