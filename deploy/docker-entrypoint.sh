#!/bin/sh
# crscope container entrypoint: apply database migrations, then become daphne.
#
# Why `exec`: daphne replaces this shell (tini stays PID 1 above it), so the SIGTERM that
# Kubernetes sends on shutdown reaches daphne itself and the server drains: watches stop,
# the history writer flushes, sockets close.
#
# Environment:
#   CRSCOPE_MIGRATE=off     skip `manage.py migrate` (e.g. when a Job runs migrations).
#                           On PostgreSQL, replicas starting together take turns: migrate
#                           holds an advisory lock (dashboard/core/management/commands).
#   CRSCOPE_PROXY_HEADERS=on   let daphne take the client address and scheme from
#                           X-Forwarded-For / X-Forwarded-Proto (--proxy-headers). Off by
#                           default, because daphne believes those headers from anyone:
#                           a client could then claim a CRSCOPE_TRUSTED_PROXIES address
#                           (proxy mode) or loopback (/metrics without a token). Turn it
#                           on only if nothing but your proxy can reach the pod and that
#                           proxy replaces, not appends to, X-Forwarded-For (daphne uses
#                           the first address in it).
#   PORT                    listen port, default 8000
# With arguments, runs them instead of the server and skips migrations, for one-off
# commands: `docker run IMAGE python manage.py showmigrations`.
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

# A "replace-me" key is a placeholder copied from an example. Django signs with this key,
# and that one is published: refuse to start with it.
case "${CRSCOPE_SECRET_KEY:-}" in
    replace-me*)
        echo "crscope: CRSCOPE_SECRET_KEY is a published placeholder;" \
            "set a long random value in its Secret (see deploy/README.md)" >&2
        exit 64
        ;;
esac

case "${CRSCOPE_MIGRATE:-on}" in
    off | false | no | 0) ;;
    *) CRSCOPE_ENGINE=off python manage.py migrate --noinput ;;
esac

case "${CRSCOPE_PROXY_HEADERS:-off}" in
    on | true | yes | 1) set -- --proxy-headers ;;
    *) set -- ;;
esac

exec daphne -b 0.0.0.0 -p "${PORT:-8000}" "$@" dashboard.asgi:application
