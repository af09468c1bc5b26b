# syntax=docker/dockerfile:1
# crscope image: dependencies are installed into a virtualenv in a builder stage, and only
# that venv, the runtime source and the collected static files reach the final stage.
#
#   docker build -t crscope:dev .        (running it: deploy/README.md)
#
# The base is pinned by tag. For release builds also pin it by digest
# (python:3.11-slim-bookworm@sha256:...) so that a rebuild gets the same base, and bump
# the digest on purpose. Both stages must use the same base: the venv links to its Python.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /src

# Dependencies first, in their own layer, so that source edits do not reinstall them.
# requirements.lock pins the runtime *and* the dev tools (pytest, playwright, mypy, ...),
# so it is used as a constraints file: pyproject.toml names the runtime dependencies and
# the lock fixes every version, including transitive ones.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/runtime-requirements.txt \
    && pip install --no-cache-dir -r /tmp/runtime-requirements.txt -c requirements.lock

# The build context is filtered by .dockerignore (no tests, benchmarks, caches, venvs).
COPY . /src/

# The project itself is installed without dependencies so the image's venv records the
# crscope distribution and version (pip list, SBOM scanners). The code that runs is the
# copy in /app (PYTHONPATH below): settings locate templates/ and dashboard/static/ next
# to the source tree, which only /app has.
# templates/ is created when absent because git does not keep an empty directory.
RUN pip install --no-cache-dir --no-deps /src \
    && pip uninstall --yes pip setuptools \
    && mkdir -p /app/templates \
    && cp -R /src/manage.py /src/dashboard /src/informers /app/ \
    && if [ -d /src/templates ]; then cp -R /src/templates/. /app/templates/; fi

WORKDIR /app

# Static files are collected at build time (the root filesystem is read-only at run
# time); the engine is off so no cluster is needed. Bytecode is compiled here for the same
# reason, validated by source hash so copied file times do not matter.
RUN CRSCOPE_ENGINE=off CRSCOPE_STATIC_ROOT=/app/staticfiles \
        python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q --invalidation-mode checked-hash /app/manage.py /app/dashboard /app/informers

# --- runtime ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# tini is PID 1: it forwards signals to daphne and reaps any orphaned child process.
# `apt-get clean` drops the downloaded .deb and apt's binary caches: the official image
# skips them by configuration, but a base without that configuration would keep them.
ARG TINI_VERSION=0.19.0-1+b3
RUN apt-get update \
    && apt-get install -y --no-install-recommends "tini=${TINI_VERSION}" \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 crscope \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin crscope \
    && install -d -o 10001 -g 10001 -m 0750 /data

# Code and venv stay root-owned: the server user can read them but not change them. The
# only writable paths are /data (SQLite history) and /tmp, so `--read-only` (Kubernetes:
# readOnlyRootFilesystem) works with a volume or tmpfs on each of them.
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
COPY --chmod=0755 deploy/docker-entrypoint.sh /usr/local/bin/crscope-entrypoint

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    CRSCOPE_STATIC_ROOT=/app/staticfiles \
    DATABASE_URL=sqlite:////data/db.sqlite3 \
    PORT=8000

WORKDIR /app
USER 10001:10001
EXPOSE 8000

# No HEALTHCHECK: Kubernetes ignores it and uses the Deployment's probes on /healthz and
# /readyz (see deploy/helm/crscope/templates/deployment.yaml).
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/crscope-entrypoint"]
