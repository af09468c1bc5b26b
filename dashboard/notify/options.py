"""Tunables of the notification machinery, read once from Django settings.

Why a frozen dataclass instead of reading ``settings`` everywhere: the service, the worker
and the scanner run on their own threads for the life of the process, and tests build them
with short retry backoffs and fast scans without touching global settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class NotifyOptions:
    rules_path: str = ""
    reload_seconds: float = 5.0
    scan_seconds: float = 5.0
    max_attempts: int = 10
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    lease_seconds: float = 120.0
    poll_seconds: float = 0.25
    retention_days: float = 14.0
    public_url: str = ""

    @classmethod
    def from_settings(cls) -> NotifyOptions:
        base = cls()
        public = settings.CRSCOPE_PUBLIC_URL
        return cls(
            rules_path=str(_setting("RULES", "") or ""),
            reload_seconds=_number("RELOAD_SECONDS", base.reload_seconds),
            scan_seconds=_number("SCAN_SECONDS", base.scan_seconds),
            max_attempts=int(_number("MAX_ATTEMPTS", base.max_attempts)),
            retry_base_seconds=_number("RETRY_BASE_SECONDS", base.retry_base_seconds),
            retry_max_seconds=_number("RETRY_MAX_SECONDS", base.retry_max_seconds),
            connect_timeout=_number("CONNECT_TIMEOUT", base.connect_timeout),
            read_timeout=_number("READ_TIMEOUT", base.read_timeout),
            lease_seconds=_number("LEASE_SECONDS", base.lease_seconds),
            retention_days=_number("RETENTION_DAYS", base.retention_days),
            public_url=str(public or "").rstrip("/"),
        )


def _setting(name: str, default: object) -> object:
    return getattr(settings, f"CRSCOPE_NOTIFY_{name}", default)


def _number(name: str, default: float) -> float:
    """A positive number from settings; anything unusable falls back to ``default``."""
    value = _setting(name, default)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default
