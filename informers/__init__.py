"""crscope's informer engine: client-go's list/watch algorithm for custom resources, in Python.

The public facade is what ``__all__`` lists; everything else is private to the package.
Typical use::

    engine = Engine(KubeClient(load_cluster_config()), EngineSettings.from_env())
    engine.start()
    engine.wait_synced(30)
    for entry in engine.informer("example.com/widgets").store.list():
        ...
"""

from __future__ import annotations

from informers.changes import Change, ChangeType, EventRecord
from informers.columns import column_values
from informers.config import ClusterConfig, ConfigError, load_cluster_config
from informers.diff import FieldChange, changed_paths, is_noise, readable_path, split_pointer

# Exported under a name of its own: ``diff`` would shadow the module ``informers.diff``.
from informers.diff import diff as diff_objects
from informers.engine import Engine, Readiness
from informers.fanout import Listener, Subscription
from informers.healthrules import (
    HealthRulesStatus,
    KindRules,
    Reconcile,
    Relation,
    Rule,
    RuleError,
    RuleSet,
    evaluate_status,
    parse_rules,
    shipped_rules,
)
from informers.informer import Informer, SyncProgress
from informers.kindfailure import KindFailure
from informers.kinds import KindInfo, PrinterColumn
from informers.listwatch import ApiError, KubeClient
from informers.managedfields import (
    ManagedSummary,
    decode_summary,
    encode_summary,
    managers_for_change,
)
from informers.ordering import sort_item
from informers.redaction import DEFAULT_PATTERNS, REDACTED, Redactor, masked_at
from informers.selector import Selector, SelectorError, parse_selector
from informers.settings import EngineSettings
from informers.status import STATE_ORDER, State, Status, compute_status, is_stuck
from informers.store import Entry, Store, object_key
from informers.timestamps import parse_time
from informers.watchedfile import WatchedFile

__all__: list[str] = [
    "DEFAULT_PATTERNS",
    "REDACTED",
    "STATE_ORDER",
    "ApiError",
    "Change",
    "ChangeType",
    "ClusterConfig",
    "ConfigError",
    "Engine",
    "EngineSettings",
    "Entry",
    "EventRecord",
    "FieldChange",
    "HealthRulesStatus",
    "Informer",
    "KindFailure",
    "KindInfo",
    "KindRules",
    "KubeClient",
    "Listener",
    "ManagedSummary",
    "PrinterColumn",
    "Readiness",
    "Reconcile",
    "Redactor",
    "Relation",
    "Rule",
    "RuleError",
    "RuleSet",
    "Selector",
    "SelectorError",
    "State",
    "Status",
    "Store",
    "Subscription",
    "SyncProgress",
    "WatchedFile",
    "changed_paths",
    "column_values",
    "compute_status",
    "decode_summary",
    "diff_objects",
    "encode_summary",
    "evaluate_status",
    "is_noise",
    "is_stuck",
    "load_cluster_config",
    "managers_for_change",
    "masked_at",
    "object_key",
    "parse_rules",
    "parse_selector",
    "parse_time",
    "readable_path",
    "shipped_rules",
    "sort_item",
    "split_pointer",
]
