#!/bin/sh
# crscope container entrypoint: apply database migrations, then become daphne.
#
# Why `exec`: daphne replaces this shell (tini stays PID 1 above it), so the SIGTERM that
# Kubernetes sends on shutdown reaches daphne itself and the server drains: watches stop,
# the history writer flushes, sockets close.
#
# Environment:
#   CRSCOPE_MIGRATE=off     skip `manage.py migrate` (e.g. when a Job runs migrations)
#   CRSCOPE_PROXY_HEADERS=off  do not let daphne take the client address and scheme from
#                           X-Forwarded-For / X-Forwarded-Proto (on by default: the pod
#                           normally sits behind an ingress controller)
#   PORT                    listen port, default 8000
# With arguments, runs them instead of the server and skips migrations, for one-off
# commands: `docker run IMAGE python manage.py showmigrations`.
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

# The example overlays ship a placeholder secret key; refuse it rather than sign session
# cookies with a key that is published in the repository.
case "${CRSCOPE_SECRET_KEY:-}" in
    replace-me*)
        echo "crscope: CRSCOPE_SECRET_KEY is still the placeholder from deploy/overlays;" \
            "set a long random value in the crscope-secret Secret" >&2
        exit 64
        ;;
esac

case "${CRSCOPE_MIGRATE:-on}" in
    off | false | no | 0) ;;
    *) CRSCOPE_ENGINE=off python manage.py migrate --noinput ;;
esac

case "${CRSCOPE_PROXY_HEADERS:-on}" in
    off | false | no | 0) set -- ;;
    *) set -- --proxy-headers ;;
esac

exec daphne -b 0.0.0.0 -p "${PORT:-8000}" "$@" dashboard.asgi:application
