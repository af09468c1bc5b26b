"""The ``status.phase`` vocabulary: which words decide a state, and which decide nothing.

Why: ``informers.phases`` is what turns "PartiallyFailed" into a failed backup for a kind
no rule knows. Its documented choices (Running is steady, a finished run is completed,
an unfamiliar word is None) are behaviour the status rules rely on; pin them here.
"""

from __future__ import annotations

import pytest

from informers.phases import Phase, classify


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        # Failed: exact words from the projects the docstring names.
        ("Failed", Phase.FAILED),
        ("Error", Phase.FAILED),
        ("PartiallyFailed", Phase.FAILED),
        ("FailedValidation", Phase.FAILED),
        ("Invalid", Phase.FAILED),
        ("Degraded", Phase.FAILED),
        ("Unavailable", Phase.FAILED),
        ("CrashLoopBackOff", Phase.FAILED),
        ("ImagePullBackOff", Phase.FAILED),
        ("ErrImagePull", Phase.FAILED),
        ("Lost", Phase.FAILED),
        # Failed by prefix or suffix.
        ("ErrorUnschedulable", Phase.FAILED),
        ("FailedMount", Phase.FAILED),
        ("DataVolumeError", Phase.FAILED),
        ("FinalizingPartiallyFailed", Phase.FAILED),
        ("UploadFailure", Phase.FAILED),
        ("SyncErrored", Phase.FAILED),
        # Completed.
        ("Succeeded", Phase.COMPLETED),
        ("Completed", Phase.COMPLETED),
        ("Complete", Phase.COMPLETED),
        ("Done", Phase.COMPLETED),
        ("Finished", Phase.COMPLETED),
        ("Success", Phase.COMPLETED),
        ("Successful", Phase.COMPLETED),
        # In progress.
        ("Pending", Phase.IN_PROGRESS),
        ("New", Phase.IN_PROGRESS),
        ("InProgress", Phase.IN_PROGRESS),
        ("Provisioning", Phase.IN_PROGRESS),
        ("Deleting", Phase.IN_PROGRESS),
        ("Finalizing", Phase.IN_PROGRESS),
        ("NotReady", Phase.IN_PROGRESS),
        ("WaitingForPodsReady", Phase.IN_PROGRESS),
        # The prefix is "waiting", not "wait".
        ("WaitForFirstConsumer", None),
        # Steady: Running is the goal of long-lived things; asked-for pauses are steady.
        ("Running", Phase.STEADY),
        ("Ready", Phase.STEADY),
        ("Bound", Phase.STEADY),
        ("Paused", Phase.STEADY),
        ("Suspended", Phase.STEADY),
        ("Stopped", Phase.STEADY),
        # The controller itself cannot tell.
        ("Unknown", Phase.UNKNOWN),
    ],
)
def test_a_vocabulary_word_maps_to_its_class(word: str, expected: Phase | None) -> None:
    assert classify(word) is expected


@pytest.mark.parametrize(
    "word", ["IN_PROGRESS", "in progress", "in-progress", "inProgress", "  In Progress "]
)
def test_matching_ignores_case_spaces_underscores_and_hyphens(word: str) -> None:
    assert classify(word) is Phase.IN_PROGRESS


@pytest.mark.parametrize("word", ["PARTIALLY_FAILED", "partially-failed", "Partially Failed"])
def test_a_spelled_out_failed_word_is_still_failed(word: str) -> None:
    assert classify(word) is Phase.FAILED


@pytest.mark.parametrize(
    "word",
    ["", "Cluster in healthy state", "Blue", "Unknownish", "Runnin", "Erro", "Fail"],
)
def test_a_word_in_no_vocabulary_decides_nothing(word: str) -> None:
    assert classify(word) is None


def test_failed_outranks_the_other_classes_when_a_word_matches_several() -> None:
    """ "ReadyFailed" ends with "failed" and begins like a steady word: failure wins."""
    assert classify("ReadyFailed") is Phase.FAILED
    assert classify("WaitingError") is Phase.FAILED


def test_a_phase_longer_than_any_word_is_free_text_even_if_it_ends_like_one() -> None:
    assert classify("x" * 57 + "Failed") is Phase.FAILED  # 63 characters: looked up
    assert classify("x" * 58 + "Failed") is Phase.FAILED  # 64 characters: the bound
    assert classify("x" * 59 + "Failed") is None  # 65 characters: free text


def test_a_huge_phase_is_refused_without_being_normalized() -> None:
    assert classify("Failed " * 100_000) is None
