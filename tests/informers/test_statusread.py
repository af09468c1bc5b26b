"""Reading an object's status: what makes it unreadable, and what is only noted.

Why: ``informers.statusread`` is the one place that decides whether hostile JSON makes an
object Unknown (``MalformedError``) or just loses a field (a note). The status rules trust
that split; these tests pin it in-process, without an apiserver.
"""

from __future__ import annotations

from typing import Any

import pytest

from informers.statusread import (
    MalformedError,
    mapping_field,
    read_generation,
    read_status,
    short,
    text,
)

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def _cond(kind: str, status: str = "True", **extra: Any) -> dict[str, Any]:
    return {"type": kind, "status": status, **extra}


# --- metadata.generation: strict -------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, 7, INT64_MAX, INT64_MIN])
def test_a_generation_in_int64_range_is_read(value: int) -> None:
    assert read_generation({"generation": value}) == value


def test_a_missing_generation_is_none() -> None:
    assert read_generation({}) is None
    assert read_generation({"generation": None}) is None


@pytest.mark.parametrize(
    "value",
    [True, False, "3", 3.0, INT64_MAX + 1, INT64_MIN - 1, [1], {"n": 1}],
    ids=["true", "false", "string", "float", "above", "below", "list", "object"],
)
def test_a_generation_that_is_not_an_int64_is_malformed(value: Any) -> None:
    with pytest.raises(MalformedError, match=r"metadata\.generation"):
        read_generation({"generation": value})


# --- observedGeneration: tolerant ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(4, 4), ("4", 4), ("-2", -2), (4.0, 4), (INT64_MAX, INT64_MAX), (str(INT64_MAX), INT64_MAX)],
)
def test_an_observed_generation_that_spells_a_number_counts(value: Any, expected: int) -> None:
    reading = read_status({}, {"observedGeneration": value})
    assert reading.observed == expected
    assert reading.notes == []


@pytest.mark.parametrize(
    "value",
    [True, 4.5, "abc123", "", "-", "٣", "1" * 20, INT64_MAX + 1, [4], {"g": 4}],
    ids=[
        "bool",
        "fraction",
        "hash",
        "empty",
        "sign-only",
        "arabic-digit",
        "20-digits",
        "beyond-int64",
        "list",
        "object",
    ],
)
def test_an_odd_observed_generation_is_ignored_and_noted(value: Any) -> None:
    reading = read_status({"generation": 2}, {"observedGeneration": value})
    assert reading.observed is None
    assert len(reading.notes) == 1
    assert reading.notes[0].startswith("status.observedGeneration is ")
    assert reading.notes[0].endswith("not an integer generation; ignored")


# --- conditions ------------------------------------------------------------------------


def test_an_empty_status_reads_as_nothing() -> None:
    reading = read_status({}, {})
    assert reading.generation is None
    assert reading.observed is None
    assert reading.conditions == {}
    assert reading.condition_generations == {}
    assert reading.newest_condition_generation is None
    assert reading.phase is None
    assert reading.notes == []


@pytest.mark.parametrize("conditions", [{"type": "Ready"}, "Ready", 3, True])
def test_conditions_that_are_not_a_list_are_malformed(conditions: Any) -> None:
    with pytest.raises(MalformedError, match=r"status\.conditions is a"):
        read_status({}, {"conditions": conditions})


@pytest.mark.parametrize("condition", ["Ready", 1, None, ["Ready", "True"]])
def test_a_condition_that_is_not_an_object_is_malformed(condition: Any) -> None:
    with pytest.raises(MalformedError, match=r"status.conditions\[1\] is not a JSON object"):
        read_status({}, {"conditions": [_cond("Ready"), condition]})


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"status": "True"}, r"\[0\] has type None, not a string"),
        ({"type": 5, "status": "True"}, r"\[0\] has type 5, not a string"),
        ({"type": "Ready"}, r"\[0\] \('Ready'\) has status None, not a string"),
        ({"type": "Ready", "status": True}, r"\[0\] \('Ready'\) has status True, not a string"),
    ],
)
def test_a_condition_without_string_type_and_status_is_malformed(
    condition: dict[str, Any], message: str
) -> None:
    with pytest.raises(MalformedError, match=message):
        read_status({}, {"conditions": [condition]})


def test_an_unwatched_condition_is_still_validated() -> None:
    """A bad condition of a type no rule reads still makes the status unreadable."""
    with pytest.raises(MalformedError):
        read_status({}, {"conditions": [{"type": "SomethingElse", "status": 1}]})


def test_the_first_condition_of_each_watched_type_wins_and_unwatched_are_not_indexed() -> None:
    first = _cond("Ready", "False", observedGeneration=3)
    second = _cond("Ready", "True", observedGeneration=9)
    other = _cond("Custom", "True")
    reading = read_status({}, {"conditions": [first, other, second]})
    assert reading.conditions == {"Ready": first}
    assert reading.condition_generations == {"Ready": 3}
    # The newest generation counts every condition, not just the indexed ones.
    assert reading.newest_condition_generation == 9


def test_the_newest_condition_generation_is_the_maximum_across_all_conditions() -> None:
    conditions = [
        _cond("Ready", observedGeneration=5),
        _cond("Custom", observedGeneration=11),
        _cond("Synced", observedGeneration="7"),
        _cond("Stalled", "False"),
    ]
    reading = read_status({}, {"conditions": conditions})
    assert reading.newest_condition_generation == 11
    assert reading.condition_generations == {"Ready": 5, "Synced": 7, "Stalled": None}


def test_a_negative_condition_generation_can_be_the_newest() -> None:
    reading = read_status({}, {"conditions": [_cond("Ready", observedGeneration=-4)]})
    assert reading.newest_condition_generation == -4


def test_an_odd_condition_generation_is_noted_with_its_index() -> None:
    conditions = [_cond("Ready"), _cond("Synced", observedGeneration="sha256:abc")]
    reading = read_status({}, {"conditions": conditions})
    assert reading.condition_generations == {"Ready": None, "Synced": None}
    assert reading.newest_condition_generation is None
    assert reading.notes == [
        "status.conditions[1].observedGeneration is 'sha256:abc', "
        "not an integer generation; ignored"
    ]


def test_a_string_condition_generation_counts_as_its_number() -> None:
    reading = read_status({}, {"conditions": [_cond("Ready", observedGeneration="12")]})
    assert reading.condition_generations == {"Ready": 12}
    assert reading.newest_condition_generation == 12
    assert reading.notes == []


# --- phase -----------------------------------------------------------------------------


def test_a_string_phase_is_read() -> None:
    assert read_status({}, {"phase": "Running"}).phase == "Running"


@pytest.mark.parametrize(("phase", "shown"), [(3, "3"), (["Running"], "a list")])
def test_a_phase_that_is_not_a_string_is_ignored_and_noted(phase: Any, shown: str) -> None:
    reading = read_status({}, {"phase": phase})
    assert reading.phase is None
    assert reading.notes == [f"status.phase is {shown}, not a string; ignored"]


def test_the_status_mapping_is_kept_for_rules_that_read_more() -> None:
    status = {"phase": "Ready", "extra": {"x": 1}}
    assert read_status({}, status).status is status


# --- small helpers ---------------------------------------------------------------------


def test_mapping_field_accepts_missing_and_objects_and_refuses_the_rest() -> None:
    assert mapping_field({}, "status") == {}
    assert mapping_field({"status": None}, "status") == {}
    assert mapping_field({"status": {"a": 1}}, "status") == {"a": 1}
    with pytest.raises(MalformedError, match="status is a list, not a JSON object"):
        mapping_field({"status": []}, "status")
    with pytest.raises(MalformedError, match="status is a str, not a JSON object"):
        mapping_field({"status": "ok"}, "status")


def test_short_is_bounded_and_names_what_it_cannot_show() -> None:
    assert short("x" * 78) == repr("x" * 78)
    long = short("y" * 500)
    assert long == repr("y" * 77) + "…"
    assert short(2**64) == "an integer of 65 bits"
    assert short(2**63) == repr(2**63)
    assert short(10**5000) == f"an integer of {(10**5000).bit_length()} bits"
    assert short(None) == "None"
    assert short(True) == "True"
    assert short(1.5) == "1.5"
    assert short({"a": 1}) == "a JSON object"
    assert short([1]) == "a list"
    assert short(b"raw") == "a bytes"


def test_text_reads_only_strings() -> None:
    assert text({"reason": "Done"}, "reason") == "Done"
    assert text({"reason": 3}, "reason") == ""
    assert text({}, "reason") == ""
