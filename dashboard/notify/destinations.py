"""Where notifications go: webhook, Slack-compatible webhook, or the in-app inbox.

Why secrets are references only: the rules file is usually a ConfigMap that many people can
read, so a signing secret, a Slack URL (which is itself a credential) or an Authorization
header must come from an environment variable or a mounted file (a Secret). The file
format rejects inline values for those fields, for headers that look like credentials and
for inline URLs that carry a userinfo or a credential-like query parameter; every user can
read the rules, so a URL is shown by its scheme and host only.
References are resolved at send time, so a rotated Secret applies without a restart.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from dashboard.core.auth.redactor import redactor
from dashboard.notify.fields import FieldError, Fields, parse_rate

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
WEBHOOK = "webhook"
SLACK = "slack"
IN_APP = "in-app"
TYPES = (WEBHOOK, SLACK, IN_APP)
BUILTIN_INBOX = "in-app"
_SENSITIVE_HEADER_WORDS = ("authorization", "cookie", "token", "secret", "key", "password")
_RESERVED_HEADERS = ("content-type", "content-length", "host", "x-crscope-")


class SecretUnavailable(Exception):
    """A referenced env var or file is missing at send time: the delivery fails and retries."""


@dataclass(frozen=True)
class SecretRef:
    """An environment variable or a file (a mounted Secret) holding a value."""

    env: str = ""
    file: str = ""

    def read(self) -> str:
        if self.env:
            value = os.environ.get(self.env)
            if value is None:
                raise SecretUnavailable(f"environment variable {self.env} is not set")
            return value.strip()
        try:
            return Path(self.file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SecretUnavailable(f"cannot read {self.file}: {exc.strerror or exc}") from exc

    def describe(self) -> str:
        return f"env {self.env}" if self.env else f"file {self.file}"


@dataclass(frozen=True)
class Destination:
    name: str
    type: str
    url: str = ""
    url_ref: SecretRef | None = None
    secret: SecretRef | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    headers_ref: SecretRef | None = None
    rate: tuple[int, float] | None = None
    ca_file: str = ""

    @property
    def remote(self) -> bool:
        return self.type != IN_APP

    def resolve_url(self) -> str:
        return self.url_ref.read() if self.url_ref is not None else self.url

    def resolve_headers(self) -> dict[str, str]:
        """Inline headers plus those read from the referenced file or env var (JSON/YAML)."""
        headers = dict(self.headers)
        if self.headers_ref is not None:
            text = self.headers_ref.read()
            try:
                loaded = yaml.safe_load(text) if text else {}
            except yaml.YAMLError as exc:
                raise SecretUnavailable(f"{self.headers_ref.describe()}: not YAML/JSON") from exc
            if not isinstance(loaded, Mapping):
                raise SecretUnavailable(f"{self.headers_ref.describe()}: not a mapping")
            headers.update({str(k): str(v) for k, v in loaded.items()})
        return headers

    def public(self) -> dict[str, Any]:
        """What the API and the page may show: no secret values, URLs reduced to their host."""
        return {
            "name": self.name,
            "type": self.type,
            "target": _target(self),
            "signed": self.secret is not None,
            "secret": self.secret.describe() if self.secret else None,
            "headers": sorted(self.headers),
            "headersFrom": self.headers_ref.describe() if self.headers_ref else None,
            "rateLimit": f"{self.rate[0]} per {self.rate[1]:g}s" if self.rate else None,
        }


INBOX = Destination(name=BUILTIN_INBOX, type=IN_APP)


def _target(dest: Destination) -> str:
    if dest.type == IN_APP:
        return "in-app inbox"
    if dest.url_ref is not None:
        return f"URL from {dest.url_ref.describe()}"
    return _host_only(dest.url)


def _host_only(url: str) -> str:
    """``scheme://host[:port]/…``: no userinfo, path, query or fragment, any of which can be
    a credential (a Slack webhook's path is one)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}/…"


def parse_destination(raw: Any) -> Destination:
    """One ``destinations:`` entry; raises FieldError naming the field."""
    f = Fields(raw, "")
    name = f.text("name")
    if not _NAME.match(name):
        raise FieldError("name", "use letters, digits, '.', '_' and '-' (at most 100)")
    kind = f.text("type")
    if kind not in TYPES:
        raise FieldError("type", f"{kind!r} is not one of {', '.join(TYPES)}")
    if kind == IN_APP:
        f.done()
        return Destination(name=name, type=IN_APP)
    url, url_ref = _url(f)
    secret = _ref(f.raw("secret"), "secret", inline_error=True)
    headers = _inline_headers(f.raw("headers"))
    headers_ref = _ref(f.raw("headers_from"), "headers_from", inline_error=True)
    rate = parse_rate(f.raw("rate_limit"), "rate_limit") if f.has("rate_limit") else None
    ca_file = f.text("ca_file", default="")
    f.done()
    return Destination(
        name=name,
        type=kind,
        url=url,
        url_ref=url_ref,
        secret=secret,
        headers=headers,
        headers_ref=headers_ref,
        rate=rate,
        ca_file=ca_file,
    )


def _url(f: Fields) -> tuple[str, SecretRef | None]:
    value = f.raw("url")
    if value is None:
        raise FieldError("url", "is required")
    if isinstance(value, Mapping):
        return "", _ref(value, "url", inline_error=False)
    if not isinstance(value, str):
        raise FieldError("url", "must be an http(s) URL or {env: NAME} / {file: PATH}")
    url = value.strip()
    if "@" in urlsplit(url).netloc or redactor.mask_text(url) != url:
        raise FieldError(
            "url",
            "carries credentials (a user, password or token); put the URL in a Secret and "
            "use {file: /path/in/a/mounted/secret} or {env: NAME}",
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FieldError("url", "is not an http:// or https:// URL with a host")
    return url, None


def _ref(value: Any, field_name: str, *, inline_error: bool) -> SecretRef | None:
    if value is None:
        return None
    if isinstance(value, str) and inline_error:
        raise FieldError(
            field_name,
            "inline values are not allowed; use {env: NAME} or {file: /path/in/a/mounted/secret}",
        )
    f = Fields(value, field_name)
    env = f.text("env", default="")
    path = f.text("file", default="")
    f.done()
    if bool(env) == bool(path):
        raise FieldError(field_name, "needs exactly one of env or file")
    ref = SecretRef(env=env, file=path)
    if env and env not in os.environ:
        raise FieldError(f"{field_name}.env", f"environment variable {env} is not set")
    return ref


def _inline_headers(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise FieldError("headers", "must be a mapping of header name to value")
    headers: dict[str, str] = {}
    for name, header_value in value.items():
        lower = str(name).lower()
        if any(word in lower for word in _SENSITIVE_HEADER_WORDS):
            raise FieldError(
                f"headers.{name}",
                "looks like a credential; put it in a Secret and use headers_from",
            )
        if lower.startswith(_RESERVED_HEADERS):
            raise FieldError(f"headers.{name}", "is set by crscope and cannot be overridden")
        if not isinstance(header_value, str | int | float) or isinstance(header_value, bool):
            raise FieldError(f"headers.{name}", "must be a string")
        headers[str(name)] = str(header_value)
    return headers
