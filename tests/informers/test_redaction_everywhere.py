"""Credential-like keys are masked wherever they sit, not only under ``spec`` (issue 14.7).

Also the shapes the key rule alone cannot see: ``{name, value}`` pairs whose name is
credential-like, passwords inside connection strings, and printer columns written in the
bracket form (``.spec['password']``).
"""

from __future__ import annotations

from typing import Any

import pytest

from informers.redaction import REDACTED, Redactor, mask_text

R = REDACTED


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (
            {"status": {"adminToken": "t", "phase": "Ready"}},
            {"status": {"adminToken": R, "phase": "Ready"}},
        ),
        ({"data": {"password": "p", "user": "u"}}, {"data": {"password": R, "user": "u"}}),
        ({"credentials": {"user": "u"}}, {"credentials": R}),
        (
            {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
            {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
        ),
    ],
)
def test_the_key_rule_applies_outside_spec(obj: dict[str, Any], expected: dict[str, Any]) -> None:
    assert Redactor().redact(obj) == expected


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ({"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "DB_PASSWORD", "value": R}),
        ({"name": "api-token", "value": "t"}, {"name": "api-token", "value": R}),
        ({"key": "secretKey", "value": "s"}, {"key": R, "value": R}),  # "key" is itself a key
        ({"name": "LOG_LEVEL", "value": "debug"}, {"name": "LOG_LEVEL", "value": "debug"}),
        (
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db"}}},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": R}},
        ),
    ],
)
def test_name_value_pairs(pair: dict[str, Any], expected: dict[str, Any]) -> None:
    obj = {"spec": {"env": [pair]}, "status": {"env": [pair]}}
    shown = Redactor().redact(obj)
    assert shown["spec"]["env"] == [expected]
    assert shown["status"]["env"] == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgres://app:hunter2@db:5432/x", f"postgres://app:{R}@db:5432/x"),
        ("dial redis://:s3cret@cache:6379 failed", f"dial redis://:{R}@cache:6379 failed"),
        ("mongodb://u:p@ss@h/db", f"mongodb://u:{R}@h/db"),
        ("https://ghp_abc123@github.com/o/r", f"https://{R}@github.com/o/r"),
        ("https://h/hook?token=abc&x=1", f"https://h/hook?token={R}&x=1"),
        ("https://h/p?sig=1&api_key=zz", f"https://h/p?sig={R}&api_key={R}"),
        ("https://h/p?page=2&x=1", "https://h/p?page=2&x=1"),
        ("https://example.com:8443/path", "https://example.com:8443/path"),
        ("plain text: no url", "plain text: no url"),
    ],
)
def test_credentials_inside_urls(text: str, expected: str) -> None:
    assert mask_text(text) == expected
    assert Redactor().redact({"status": {"message": text}}) == {"status": {"message": expected}}
    assert mask_text(expected) == expected  # idempotent: stored bodies are redacted again


def test_change_values_see_their_pair_in_either_root() -> None:
    old = {"spec": {"env": [{"name": "DB_PASSWORD", "value": "old-secret"}]}}
    new = {"spec": {"env": [{"name": "DB_PASSWORD", "value": "new-secret"}]}}
    redactor = Redactor()
    path = "/spec/env/0/value"
    assert redactor.redact_change_value(path, "old-secret", roots=(old, new)) == R
    assert redactor.redact_change_value("/status/token", "t") == R
    assert redactor.redact_change_value("/status/url", "http://u:p@h") == f"http://u:{R}@h"


@pytest.mark.parametrize(
    "json_path",
    [
        ".spec['password']",
        '.spec["db"]["apiToken"]',
        "{.spec.key}",
        "$.spec.sshKey",
        ".status.adminToken",
        ".data.password",
    ],
)
def test_printer_column_forms(json_path: str) -> None:
    assert Redactor().covers_json_path(json_path)


def test_a_column_reading_the_value_of_a_secret_pair_is_masked() -> None:
    obj = {"spec": {"env": [{"name": "DB_PASSWORD", "value": "hunter2"}]}}
    redactor = Redactor()
    for path in (".spec.env[0].value", '.spec.env[?(@.name=="DB_PASSWORD")].value'):
        assert redactor.redact_column(obj, path, "hunter2") == R
    assert redactor.redact_column(obj, ".spec.env[0].name", "DB_PASSWORD") == "DB_PASSWORD"
    url = {"spec": {"dsn": "postgres://a:b@h"}}
    assert redactor.redact_column(url, ".spec.dsn", "postgres://a:b@h") == f"postgres://a:{R}@h"
