"""Masking of secret-looking values in objects and in diff values."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from informers.redaction import DEFAULT_PATTERNS, REDACTED, Redactor

R = REDACTED
LAST_APPLIED = '{"spec":{"password":"x"}}'


@pytest.mark.parametrize(
    ("key", "hidden"),
    [
        ("password", True),
        ("adminPassword", True),
        ("DB_PASSWORD", True),
        ("passwd", True),
        ("token", True),
        ("bearerToken", True),
        ("clientSecret", True),
        ("secretName", True),
        ("apikey", True),
        ("apiKey", True),
        ("api_key", True),
        ("API-KEY", True),
        ("privateKey", True),
        ("private_key", True),
        ("credentials", True),
        ("awsCredential", True),
        ("key", True),
        ("KEY", True),
        ("sshKey", True),
        ("accessKey", True),
        ("ssh_key", True),
        ("tls-key", True),
        ("monkey", False),
        ("keyName", False),
        ("username", False),
        ("replicas", False),
        ("image", False),
        ("passage", False),
    ],
)
def test_key_rule(key: str, hidden: bool) -> None:
    redacted = Redactor().redact({"spec": {"db": {key: "value"}}})
    assert (redacted["spec"]["db"][key] == R) is hidden


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (
            {"spec": {"password": "hunter2", "user": "bob"}},
            {"spec": {"password": R, "user": "bob"}},
        ),
        ({"spec": {"credentials": {"user": "bob", "pass": "x"}}}, {"spec": {"credentials": R}}),
        (
            {"spec": {"users": [{"name": "a", "token": "t1"}, {"name": "b", "token": "t2"}]}},
            {"spec": {"users": [{"name": "a", "token": R}, {"name": "b", "token": R}]}},
        ),
        ({"spec": {"apiKeys": ["k1", "k2"]}}, {"spec": {"apiKeys": R}}),
        ({"spec": {"password": None}}, {"spec": {"password": None}}),
        ({"spec": {"password": 1234}}, {"spec": {"password": R}}),
        ({"status": {"token": "t"}, "password": "p"}, {"status": {"token": R}, "password": R}),
        (
            {
                "metadata": {
                    "annotations": {
                        "kubectl.kubernetes.io/last-applied-configuration": LAST_APPLIED,
                        "note": "hello",
                    }
                }
            },
            {
                "metadata": {
                    "annotations": {
                        "kubectl.kubernetes.io/last-applied-configuration": R,
                        "note": "hello",
                    }
                }
            },
        ),
        ("scalar", "scalar"),
        ([{"spec": {"token": "t"}}], [{"spec": {"token": R}}]),
    ],
)
def test_redact_defaults(obj: Any, expected: Any) -> None:
    assert Redactor().redact(obj) == expected


@pytest.mark.parametrize(
    ("patterns", "obj", "expected"),
    [
        (
            ["/spec/auth/*/value"],
            {"spec": {"auth": {"basic": {"value": "v", "kind": "k"}, "oidc": {"value": "w"}}}},
            {"spec": {"auth": {"basic": {"value": R, "kind": "k"}, "oidc": {"value": R}}}},
        ),
        (
            ["/spec/env/*/value"],
            {"spec": {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}},
            {"spec": {"env": [{"name": "A", "value": R}, {"name": "B", "value": R}]}},
        ),
        (
            ["/spec/env/1/value"],
            {"spec": {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}},
            {"spec": {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": R}]}},
        ),
        (["/data/*"], {"data": {"a": "1", "b": {"c": "2"}}}, {"data": {"a": R, "b": R}}),
        (
            ["/metadata/annotations/example.com~1secret"],
            {"metadata": {"annotations": {"example.com/secret": "s", "other": "o"}}},
            {"metadata": {"annotations": {"example.com/secret": R, "other": "o"}}},
        ),
        (
            ["/spec/*"],
            {"spec": {"a": 1}, "status": {"a": 1}},
            {"spec": {"a": R}, "status": {"a": 1}},
        ),
        (
            [],
            {
                "metadata": {
                    "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}
                }
            },
            {
                "metadata": {
                    "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}
                }
            },
        ),
    ],
)
def test_pointer_patterns(patterns: list[str], obj: Any, expected: Any) -> None:
    assert Redactor(patterns, key_regex=None).redact(obj) == expected


def test_key_regex_can_be_replaced() -> None:
    redactor = Redactor(key_regex=r"(?i)pin$")
    assert redactor.redact({"spec": {"simPin": "1234", "password": "p"}}) == {
        "spec": {"simPin": R, "password": "p"}
    }


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("/spec/password", "hunter2", R),
        ("/spec/password", None, None),
        ("/spec/credentials/user", "bob", R),
        ("/spec/db", {"host": "h", "password": "p"}, {"host": "h", "password": R}),
        ("/spec", {"token": "t", "n": 1}, {"token": R, "n": 1}),
        ("/spec/users/0", {"name": "a", "token": "t"}, {"name": "a", "token": R}),
        ("/spec/replicas", 3, 3),
        ("/status/token", "t", R),
        ("/status/phase", "t", "t"),
        ("/spec/auth/basic/value", "v", R),
        ("/spec/auth/basic/value/inner", "v", R),
        ("/spec/auth", {"basic": {"value": "v"}}, {"basic": {"value": R}}),
        ("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration", "{}", R),
        (
            "/metadata/annotations",
            {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
            {"kubectl.kubernetes.io/last-applied-configuration": R},
        ),
        ("", {"spec": {"token": "t"}}, {"spec": {"token": R}}),
    ],
)
def test_redact_change_value(path: str, value: Any, expected: Any) -> None:
    redactor = Redactor([*DEFAULT_PATTERNS, "/spec/auth/*/value"])
    assert redactor.redact_change_value(path, value) == expected


def test_input_is_never_mutated_and_output_is_a_copy() -> None:
    obj = {"spec": {"password": "p", "items": [{"a": 1}], "nested": {"b": [1, 2]}}}
    before = copy.deepcopy(obj)
    redacted = Redactor().redact(obj)
    assert obj == before
    redacted["spec"]["items"][0]["a"] = 99
    redacted["spec"]["nested"]["b"].append(3)
    assert obj == before


def test_too_deep_values_fail_closed() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    assert Redactor().redact({"spec": deep}) == R


@pytest.mark.parametrize(
    ("patterns", "key_regex", "message"),
    [
        ("/spec/x", None, "sequence"),
        (["spec/x"], None, "must be a JSON pointer"),
        ([""], None, "must be a JSON pointer"),
        (None, "(unclosed", "invalid redaction key_regex"),
    ],
)
def test_bad_configuration_is_rejected(patterns: Any, key_regex: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Redactor(patterns, key_regex=key_regex)


@pytest.mark.parametrize(
    ("json_path", "secret"),
    [
        (".spec.password", True),
        (".spec.database.apiToken", True),
        (".spec.items[0].value", False),
        (".spec.credentials[0].user", True),  # inside a secret node
        (".spec.credentials[0].secretKey", True),
        (".spec.size", False),
        ('.status.conditions[?(@.type=="Ready")].status', False),
        (".metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration", True),
        ("", False),
    ],
)
def test_printer_column_paths(json_path: str, secret: bool) -> None:
    assert Redactor().covers_json_path(json_path) is secret


def test_a_column_under_a_configured_pattern_is_secret() -> None:
    redactor = Redactor(patterns=["/spec/connection"])
    assert redactor.covers_json_path(".spec.connection.host")
    assert not redactor.covers_json_path(".spec.connectionCount")
