"""Settings, read from the environment only (the documented ``CRSCOPE_`` prefix, plus the
conventional ``DATABASE_URL``, ``CHANNEL_LAYER_URL`` and ``KUBECONFIG``).

Why one module: dev, test and production differ only in environment values. It is the
dashboard's only reader of the environment: other modules read ``django.conf.settings``
(so a test can use ``override_settings``), and tests/test_config_reads.py keeps it so.
The engine's own settings are read by ``informers.EngineSettings.from_env``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [p.strip() for p in os.environ.get(name, default).split(",") if p.strip()]


def env_float(name: str, default: float, *, floor: float | None = None) -> float:
    """A number; unset or not a number gives ``default``, one below ``floor`` is raised."""
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if floor is None else max(floor, value)


def env_positive(name: str, default: float) -> float:
    """A number above zero; unset, not a number, zero or below gives ``default``."""
    value = env_float(name, default)
    return value if value > 0 else default


def env_int(name: str, default: int, *, floor: int) -> int:
    """A whole number, at least ``floor``; unset or not a whole number gives ``default``."""
    try:
        return max(floor, int(os.environ.get(name, "") or default))
    except ValueError:
        return default


DEBUG = env_bool("CRSCOPE_DEBUG")
SECRET_KEY = os.environ.get("CRSCOPE_SECRET_KEY") or get_random_secret_key()
ALLOWED_HOSTS = env_list("CRSCOPE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CRSCOPE_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "ninja",
    "dashboard.core",
    "dashboard.history",
    "dashboard.ui",
    "dashboard.api",
    "dashboard.notify",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dashboard.core.web.headers.SecurityHeadersMiddleware",
    "dashboard.core.web.metrics.ApiRequestsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "dashboard.core.auth.authn.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
ASGI_APPLICATION = "dashboard.asgi.application"

# A page's templates sit beside its view, model and feed, and are named by their path under
# dashboard/ ("ui/pages/listing/page.html"), so a template name says where the file is.
# templates/ keeps only the site-wide pages Django looks up by status (404.html, 500.html).
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", BASE_DIR / "dashboard"],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "dashboard.core.web.context.frame",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # IMMEDIATE: a deferred transaction that reads and then writes (update_or_create,
    # the outbox claims) fails at once with "database is locked" when another
    # connection committed in between, whatever the timeout; taking the write lock at
    # BEGIN makes it wait its turn instead. The price: every transaction, even one that
    # only reads, queues for the single write lock (up to ``timeout`` seconds), so
    # request paths write in single statements and leave transactions to the service
    # threads. PostgreSQL (DATABASE_URL) has no such limit.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def channel_layers(url: str) -> dict[str, dict[str, Any]]:
    """Redis for a ``redis://`` or ``rediss://`` URL (replicas share it), else in-memory."""
    if not url.startswith(("redis://", "rediss://")):
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # channels_redis waits for a consumer's next message in a 5 s blocking pop; redis-py's
    # default 5 s read timeout would end that wait, and the live socket with it. A timeout
    # in the URL (``?socket_timeout=``) still wins.
    host = {"address": url, "socket_timeout": 30, "socket_connect_timeout": 5}
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [host], "capacity": 2000, "expiry": 30},
        }
    }


CHANNEL_LAYERS = channel_layers(os.environ.get("CHANNEL_LAYER_URL", ""))

# Server-side sessions: the sign-in form keeps the user's Kubernetes token, which must
# never travel in a cookie.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("CRSCOPE_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("CRSCOPE_STATIC_ROOT", BASE_DIR / "staticfiles"))
with contextlib.suppress(OSError):  # read-only in the image, where it was collected at build
    STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "dashboard" / "static"]
WHITENOISE_USE_FINDERS = True

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
# Not translated. Off, Django reads no per-thread language: with it on, every number in a
# template read an asgiref Local guarded by one process-wide lock, and 50 live viewers
# rendering at once queued on it (tests/dashboard/ui/test_render_locks.py).
USE_I18N = False

# crscope's own settings -----------------------------------------------------------------
CRSCOPE_KUBECONFIG = os.environ.get("KUBECONFIG") or None
CRSCOPE_ENGINE = os.environ.get("CRSCOPE_ENGINE", "on")  # "off": no informers (manage.py use)
CRSCOPE_AUTH_MODE = os.environ.get("CRSCOPE_AUTH_MODE", "none")
CRSCOPE_HISTORY_MAX_AGE_DAYS = float(os.environ.get("CRSCOPE_HISTORY_MAX_AGE_DAYS", "14"))
CRSCOPE_HISTORY_MAX_REVISIONS = int(os.environ.get("CRSCOPE_HISTORY_MAX_REVISIONS", "200"))
CRSCOPE_CLUSTER_NAME = os.environ.get("CRSCOPE_CLUSTER_NAME", "")
#: The dashboard's external URL: links in notifications, and a trusted WebSocket origin.
CRSCOPE_PUBLIC_URL = os.environ.get("CRSCOPE_PUBLIC_URL", "")
CRSCOPE_METRICS_TOKEN = os.environ.get("CRSCOPE_METRICS_TOKEN", "")
CRSCOPE_REDACT_PATHS = env_list("CRSCOPE_REDACT_PATHS")

# Authentication and authorization (dashboard/core/auth/identity.py, rbac.py) -------------------
CRSCOPE_TRUSTED_PROXIES = os.environ.get("CRSCOPE_TRUSTED_PROXIES", "")  # comma-separated CIDRs
CRSCOPE_PROXY_USER_HEADER = os.environ.get("CRSCOPE_PROXY_USER_HEADER", "X-Forwarded-User")
CRSCOPE_PROXY_GROUPS_HEADER = os.environ.get("CRSCOPE_PROXY_GROUPS_HEADER", "X-Forwarded-Groups")
CRSCOPE_TOKEN_CACHE_SECONDS = env_float("CRSCOPE_TOKEN_CACHE_SECONDS", 10.0, floor=0.0)
CRSCOPE_AUTHZ_TTL = env_float("CRSCOPE_AUTHZ_TTL", 10.0, floor=0.0)

# Limits (dashboard/core/web/ratelimit.py, ui/live/consumer.py, api/watch.py) ------------------
CRSCOPE_API_RATE = env_float("CRSCOPE_API_RATE", 50.0)
CRSCOPE_API_BURST = env_float("CRSCOPE_API_BURST", 200.0)
CRSCOPE_PAGE_RATE = env_float("CRSCOPE_PAGE_RATE", 10.0)
CRSCOPE_PAGE_BURST = env_float("CRSCOPE_PAGE_BURST", 100.0)
CRSCOPE_AUTH_FAILURE_RATE = env_float("CRSCOPE_AUTH_FAILURE_RATE", 0.5)
CRSCOPE_AUTH_FAILURE_BURST = env_float("CRSCOPE_AUTH_FAILURE_BURST", 20.0)
CRSCOPE_RULE_TEST_RATE = env_float("CRSCOPE_RULE_TEST_RATE", 0.2)
CRSCOPE_RULE_TEST_BURST = env_float("CRSCOPE_RULE_TEST_BURST", 10.0)
CRSCOPE_WS_MAX_PER_USER = env_int("CRSCOPE_WS_MAX_PER_USER", 20, floor=1)
CRSCOPE_WATCH_BOOKMARK_SECONDS = env_positive("CRSCOPE_WATCH_BOOKMARK_SECONDS", 5)
CRSCOPE_WATCH_MAX_PENDING = int(env_positive("CRSCOPE_WATCH_MAX_PENDING", 5000))
CRSCOPE_WATCH_MAX_SECONDS = env_positive("CRSCOPE_WATCH_MAX_SECONDS", 1800)
CRSCOPE_WATCH_MAX_PER_USER = int(env_positive("CRSCOPE_WATCH_MAX_PER_USER", 10))
CRSCOPE_WATCH_MAX_BUFFER_BYTES = int(env_positive("CRSCOPE_WATCH_MAX_BUFFER_BYTES", 8 << 20))
#: Threads that run sync requests, each whole (dashboard/core/web/onehop.py). Pages are
#: CPU-bound under the GIL, so more threads only interleave them: at 50k objects and 20
#: clients, 4 threads had server p99s up to 44 ms where 2 had at most 22 ms. Two, so one
#: request waiting on the database or the apiserver does not stop the rest.
CRSCOPE_HTTP_THREADS = env_int("CRSCOPE_HTTP_THREADS", 2, floor=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"skip_probes": {"()": "dashboard.core.runtime.logfilters.SkipProbes"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["skip_probes"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("CRSCOPE_LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

# Notifications (dashboard/notify, docs/notifications.md) -----------------------------------
CRSCOPE_NOTIFY_RULES = os.environ.get("CRSCOPE_NOTIFY_RULES", "")  # path to the rules YAML
CRSCOPE_NOTIFY_RELOAD_SECONDS = float(os.environ.get("CRSCOPE_NOTIFY_RELOAD_SECONDS", "5"))
CRSCOPE_NOTIFY_SCAN_SECONDS = float(os.environ.get("CRSCOPE_NOTIFY_SCAN_SECONDS", "5"))
CRSCOPE_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("CRSCOPE_NOTIFY_MAX_ATTEMPTS", "10"))
CRSCOPE_NOTIFY_RETRY_BASE_SECONDS = float(os.environ.get("CRSCOPE_NOTIFY_RETRY_BASE_SECONDS", "2"))
CRSCOPE_NOTIFY_RETRY_MAX_SECONDS = float(os.environ.get("CRSCOPE_NOTIFY_RETRY_MAX_SECONDS", "300"))
CRSCOPE_NOTIFY_LEASE_SECONDS = float(os.environ.get("CRSCOPE_NOTIFY_LEASE_SECONDS", "120"))
CRSCOPE_NOTIFY_RETENTION_DAYS = float(os.environ.get("CRSCOPE_NOTIFY_RETENTION_DAYS", "14"))
