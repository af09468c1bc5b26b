"""What a ``status.phase`` word means for the reconcile state, for kinds without a rule.

Why a vocabulary: many controllers (Kubernetes Pods, Argo Workflows, Velero, Cluster API,
KubeVirt, Elastic's ECK, Rook) report progress as one word in ``status.phase`` instead of
conditions. A kind that no rule knows still says "Failed" or "PartiallyFailed" there, and a
dashboard that ignores it shows a failed backup as Current. The words below were collected
from those projects' published API types; a word that is not in any list decides nothing,
so an unfamiliar phase never invents a state (free-text phases such as CloudNativePG's
"Cluster in healthy state" fall through to the other rules).

The classes, and why each maps where it does (``informers.status`` applies them):

- ``FAILED``: the controller reports that the thing does not work or did not finish:
  Failed, Error, PartiallyFailed (Velero), FailedValidation (Velero), Invalid (ECK),
  Degraded (Argo Rollouts), Unavailable (Velero's storage locations), CrashLoopBackOff,
  ImagePullBackOff/ErrImagePull (KubeVirt), Lost (PersistentVolumeClaims), and any word
  that begins with "Failed" or "Error" or ends with "Failed", "Failure", "Error" or
  "Errored" (ErrorUnschedulable, DataVolumeError, FinalizingPartiallyFailed).
- ``COMPLETED``: a run finished as asked: Succeeded, Completed, Complete, Done, Finished,
  Success(ful). These outrank a ``Ready=False`` condition, which a finished run (a
  completed Pod: ``Ready=False, PodCompleted``) reports as a matter of course.
- ``IN_PROGRESS``: the controller is still working: Pending, New, InProgress, Provisioning,
  Creating, Deleting, Scheduling, WaitingFor… (Velero, KubeVirt), Finalizing and so on.
- ``STEADY``: the thing is in the state that was asked for: Running, Ready, Active,
  Available, Bound, Healthy, Deployed, Provisioned, Paused, Suspended, Stopped.
  **Running is Current**, not InProgress: for long-lived things (a Pod, a virtual machine,
  a Cluster API Machine) Running *is* the goal, and calling it InProgress would raise the
  "stuck" alarm on every healthy one after ten minutes. A workflow that runs is shown as
  Current while it runs; its end (Succeeded or Failed) is what changes the state.
  Paused, Suspended and Stopped are what a person asked for, so they are Current too.
- ``UNKNOWN``: the controller itself says it cannot tell (a Pod whose node went silent).

Matching ignores case, spaces, underscores and hyphens ("IN_PROGRESS", "in progress").
"""

from __future__ import annotations

import enum
from functools import lru_cache


class Phase(enum.Enum):
    FAILED = "failed"
    COMPLETED = "completed"
    IN_PROGRESS = "in-progress"
    STEADY = "steady"
    UNKNOWN = "unknown"


_FAILED = frozenset(
    {
        "failed",
        "failure",
        "error",
        "errored",
        "partiallyfailed",
        "failedvalidation",
        "invalid",
        "degraded",
        "unavailable",
        "crashloopbackoff",
        "imagepullbackoff",
        "errimagepull",
        "lost",
    }
)
_FAILED_PREFIXES = ("failed", "error")
_FAILED_SUFFIXES = ("failed", "failure", "error", "errored")
_COMPLETED = frozenset(
    {"succeeded", "success", "successful", "completed", "complete", "done", "finished"}
)
_IN_PROGRESS = frozenset(
    {
        "pending",
        "new",
        "inprogress",
        "progressing",
        "provisioning",
        "creating",
        "starting",
        "initializing",
        "initialising",
        "installing",
        "upgrading",
        "updating",
        "scaling",
        "deploying",
        "building",
        "reconciling",
        "processing",
        "queued",
        "scheduling",
        "scheduled",
        "submitted",
        "accepted",
        "prepared",
        "preparing",
        "finalizing",
        "deleting",
        "terminating",
        "stopping",
        "restarting",
        "migrating",
        "syncing",
        "applying",
        "applyingchanges",
        "restoring",
        "connecting",
        "notready",
    }
)
_IN_PROGRESS_PREFIXES = ("waiting",)
_STEADY = frozenset(
    {
        "running",
        "ready",
        "active",
        "available",
        "bound",
        "healthy",
        "deployed",
        "established",
        "provisioned",
        "synced",
        "valid",
        "online",
        "connected",
        "paused",
        "suspended",
        "stopped",
        "idle",
    }
)
#: No vocabulary word is longer; a longer phase is free text and is not looked up (or cached).
_MAX_WORD = 64


def classify(phase: str) -> Phase | None:
    """The class of a ``status.phase`` word, or None when the word is not in a vocabulary."""
    if len(phase) > _MAX_WORD:
        return None
    return _classify(phase)


@lru_cache(maxsize=1024)
def _classify(phase: str) -> Phase | None:
    # Cached: a cluster uses a handful of phase words, and this runs for every object.
    word = phase.casefold().replace(" ", "").replace("_", "").replace("-", "")
    if word in _FAILED or word.startswith(_FAILED_PREFIXES) or word.endswith(_FAILED_SUFFIXES):
        return Phase.FAILED
    if word in _COMPLETED:
        return Phase.COMPLETED
    if word in _IN_PROGRESS or word.startswith(_IN_PROGRESS_PREFIXES):
        return Phase.IN_PROGRESS
    if word in _STEADY:
        return Phase.STEADY
    if word == "unknown":
        return Phase.UNKNOWN
    return None
