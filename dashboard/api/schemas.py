"""The wire types of ``/api/v1/``: what each response looks like, as pydantic models.

Why here and typed: ninja builds the published OpenAPI schema from these classes, and
validates every response against them, so a field renamed here is a contract change that
schemathesis and the API tests notice. Field names are camelCase because they are the JSON
names (Kubernetes style), not Python ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dashboard.core.rules.ruletester import MAX_CHANGES, MAX_DRAFT_CHARS, MAX_SECONDS
from informers import State

ColumnValue = str | int | float | bool | None
ChangeKind = Literal["ADDED", "MODIFIED", "DELETED"]


class StateInfo(BaseModel):
    state: State = Field(description="Reconcile state (health rules, see `rule`)")
    reason: str
    message: str
    since: datetime | None = Field(description="When the object entered this state")
    stuck: bool = Field(description="InProgress or Terminating for longer than the threshold")
    rule: str = Field(
        description="The health rule that decided the state, e.g. `argo-cd/Application` or "
        "`generic/ready-condition`; every state names one (deletion is `generic/deletion`)"
    )
    inputs: dict[str, Any] = Field(
        description="The values the rule read, by input name, in order (JSON scalars; "
        "secret-looking names and values are redacted)"
    )
    when: str = Field(description="The expression of the deciding case, as written in the rule")


class StateCounts(BaseModel):
    Current: int = 0
    InProgress: int = 0
    Failed: int = 0
    Terminating: int = 0
    Unknown: int = 0


class ColumnInfo(BaseModel):
    name: str
    type: str
    description: str
    priority: int


class SyncProgress(BaseModel):
    loaded: int
    total: int | None


class KindSummary(BaseModel):
    group: str
    version: str
    kind: str
    plural: str
    scope: Literal["Namespaced", "Cluster"]
    count: int = Field(description="Objects visible to the caller")
    states: StateCounts
    stuck: int
    synced: bool = Field(description="The initial list of this kind has been loaded")
    progress: SyncProgress
    columns: list[ColumnInfo] = Field(description="Printer columns; their names can be sorted on")
    versions: list[str]


class ResourceList(BaseModel):
    items: list[KindSummary]
    synced: bool = Field(description="Every watched kind has finished its initial sync")


class ObjectSummary(BaseModel):
    name: str
    namespace: str | None
    uid: str
    resourceVersion: str
    generation: int | None
    created: datetime | None
    state: StateInfo
    columns: dict[str, ColumnValue]


class PageFields(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    continue_: str | None = Field(
        alias="continue", description="Pass as ?continue= for the next page; null at the end"
    )
    total: int = Field(description="Items matching the query, over all pages")


class ObjectList(PageFields):
    items: list[ObjectSummary]


class ObjectDetail(BaseModel):
    object: dict[str, Any] = Field(
        description="The object as cached: managedFields stripped, secrets redacted"
    )
    state: StateInfo
    columns: dict[str, ColumnValue]


class RevisionSummary(BaseModel):
    resourceVersion: str
    type: ChangeKind
    observed: datetime = Field(description="When the dashboard saw this change")
    generation: int | None
    managers: list[str] = Field(description="Field managers that made the change")
    changedPaths: list[str] = Field(description="JSON pointers that changed (noise hidden)")
    uid: str
    state: State | None = Field(description="Reconcile state after the change; null if deleted")
    tombstone: bool = Field(description="Deletion inferred by a relist; body is the last state")


class RevisionDetail(RevisionSummary):
    object: dict[str, Any] = Field(description="The object at this revision, redacted")


class History(PageFields):
    items: list[RevisionSummary]


class FieldChangeOut(BaseModel):
    op: Literal["add", "remove", "replace"]
    path: str = Field(description="JSON pointer (RFC 6901)")
    old: Any = None
    new: Any = None


class Diff(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str | None = Field(
        alias="from", description="resourceVersion of the older revision; null: none (all adds)"
    )
    to: str
    noise: bool
    changes: list[FieldChangeOut]


class EventItem(BaseModel):
    uid: str
    type: str
    reason: str
    message: str
    count: int
    firstSeen: datetime
    lastSeen: datetime
    source: str
    involvedUid: str = Field(description="uid of the object the Event is about")


class Events(PageFields):
    items: list[EventItem]


class AttentionItem(BaseModel):
    group: str
    plural: str
    kind: str
    name: str
    namespace: str | None
    uid: str
    state: StateInfo


class KindHealth(BaseModel):
    group: str
    plural: str
    kind: str
    total: int
    states: StateCounts
    stuck: int
    synced: bool = Field(description="The initial list has arrived: the counts are complete")
    unavailable: str | None = Field(
        description="Why the dashboard cannot list this kind (forbidden, not found, "
        "conversion failed), once that has lasted past the grace period; else null"
    )


class Health(BaseModel):
    healthy: bool = Field(
        description="Every kind in scope has synced and can be listed, and nothing is "
        "Failed, stuck or Terminating"
    )
    synced: bool = Field(
        description="Every kind in scope has synced; while false the counts are partial "
        "and ?fail=true answers 503"
    )
    syncing: list[str] = Field(description="Kinds in scope not synced yet, as group/plural")
    unavailable: list[str] = Field(
        description="Kinds in scope the dashboard cannot list now (403, 404, conversion "
        "errors), as group/plural: their counts may be stale, so ?fail=true answers 503"
    )
    total: int
    states: StateCounts
    stuck: int
    kinds: list[KindHealth]
    attention: list[AttentionItem] = Field(
        description="Failed, stuck or Terminating objects, worst and oldest first"
    )
    attentionTotal: int


class WatchEvent(BaseModel):
    """One line of the NDJSON watch stream.

    A MODIFIED line may repeat the resourceVersion of the object the client holds: the
    object did not change, its state did (a reloaded health rules file, or "waiting for a
    controller" learned for its kind). Compare ``state`` as well as the resourceVersion. A
    new watch always starts with the current state; there is no resuming from a version.
    """

    type: Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]
    object: dict[str, Any]
    state: StateInfo | None = None


class RuleTestIn(BaseModel):
    """A draft rules file to try on one kind's cached objects (nothing is saved)."""

    rules: str = Field(
        ...,
        max_length=MAX_DRAFT_CHARS,
        description="The draft rules file (YAML, the format of CRSCOPE_HEALTH_RULES), at "
        f"most {MAX_DRAFT_CHARS} characters; it is evaluated as if it replaced the rules "
        "file in force",
    )
    resource: str = Field(..., max_length=320, description="The kind to try it on: group/plural")


class TestedState(BaseModel):
    state: State
    reason: str
    message: str
    rule: str
    inputs: dict[str, Any]
    when: str
    why: str = Field(description='One line: `rule: expression (name="value", ...)`')


class TestedChange(BaseModel):
    namespace: str | None
    name: str
    before: TestedState = Field(description="With the rules in force now")
    after: TestedState = Field(description="With the draft in place of the rules file")


class RuleTestResult(BaseModel):
    resource: str
    kind: str
    draftRules: list[str] = Field(description="The draft's rule names, in order")
    matching: list[str] = Field(description="The draft's rules whose match selects this kind")
    total: int = Field(description="Objects of the kind the caller may list")
    evaluated: int = Field(description="Objects evaluated (at most maxObjects)")
    truncated: bool = Field(
        description="Some objects were not evaluated (over maxObjects, or the run took its "
        f"{MAX_SECONDS:g} s)"
    )
    maxObjects: int
    before: StateCounts
    after: StateCounts
    decidedByDraft: int = Field(description="Objects whose state a draft rule decided")
    changed: int = Field(description="Objects whose state the draft changes")
    changes: list[TestedChange] = Field(description=f"The changed objects, at most {MAX_CHANGES}")
    changesTruncated: bool


class HealthRulesInfo(BaseModel):
    path: str | None = Field(description="The user rules file (CRSCOPE_HEALTH_RULES), if any")
    loadedAt: datetime | None = Field(description="When the file in force was loaded")
    checkedAt: datetime | None = Field(description="When the file was last read")
    error: str | None = Field(
        description="Why the file was rejected (field, line, column); the previous rules "
        "stay in force"
    )
    rules: list[str] = Field(description="Every rule in force, user rules first")
    userRules: list[str] = Field(description="The rules from the user rules file")
    shipped: list[str] = Field(description="The shipped pack's rules")
