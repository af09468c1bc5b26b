# crscope: `make demo` and `make test` are the two commands a new machine needs.
SHELL := /bin/bash
PY := .venv/bin/python
VENV_STAMP := .venv/.installed
export PATH := $(CURDIR)/.venv/bin:$(PATH)
# Bytecode caches on, even where the shell turns them off: the suite starts some hundred
# Python processes (pytest, dashboard servers, mutants), and each compiling the project and
# its libraries from source costs about 3 s.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup demo test test-unit lint typecheck bench controlplane system-deps clean

$(VENV_STAMP): requirements.lock pyproject.toml
	@command -v python3.11 >/dev/null || command -v python3 >/dev/null || { echo "error: python3.11 is required"; exit 1; }
	python3 -m venv .venv
	.venv/bin/pip install -q --upgrade pip uv
	.venv/bin/uv pip install -q -p .venv/bin/python -r requirements.lock
	.venv/bin/uv pip install -q -p .venv/bin/python --no-deps -e .
	touch $(VENV_STAMP)

## system-deps: Debian packages the tests need (Chromium, Redis, PostgreSQL); no-op when present
system-deps:
	@bash .ci/system-deps.sh

## controlplane: build (once) and cache kube-apiserver, etcd, kubectl and helm from Go modules
controlplane: $(VENV_STAMP)
	$(PY) -m devkit.controlplane.build

setup: $(VENV_STAMP) controlplane

## demo: local cluster, sample CRDs with churn, and the dashboard on PORT (make demo PORT=8080)
## A stale demo from .demo is stopped and a busy port reported before anything is built.
demo: PORT ?= 8000
demo:
	@python3 -m devkit.controlplane.preflight --port $(PORT)
	@$(MAKE) --no-print-directory setup
	$(PY) -m devkit.demo --port $(PORT)

lint: $(VENV_STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports
	.venv/bin/hadolint Dockerfile

typecheck: $(VENV_STAMP)
	.venv/bin/mypy informers dashboard tests benchmarks devkit

test-unit: $(VENV_STAMP)
	$(PY) -m pytest -q -m "not cluster and not browser and not services"

test: setup system-deps lint typecheck
	$(PY) -m pytest -q

## image-test: build the image from a clean copy of the tree on a local Debian base (cached
## in ~/.cache/crscope/images), run it as the chart's Deployment against the local apiserver,
## and prove its ClusterRole is least privilege. Root and podman (make system-deps).
.PHONY: image-test
image-test: setup system-deps
	image=$$($(PY) -m tests.image.build) && \
	CRSCOPE_TEST_IMAGE=$$image $(PY) -m pytest -q -m image tests/image

## mutants: plant each deliberate bug of tests/mutants/*.yaml in a copy; its tests must fail
## (MUTANTS_FLAGS=--no-baseline skips the unmutated run, for CI right after `make test`)
.PHONY: mutants
mutants: setup
	$(PY) -m tests.mutants $(MUTANTS_FLAGS)

bench: setup
	$(PY) -m benchmarks.run

## bench-200k: the scale curve's 200k point, which would take make bench past its 25 minutes
## (~20 min alone); then the README's section again, with its rows and hollow points
.PHONY: bench-200k
bench-200k: setup
	$(PY) -m benchmarks.run --sizes 10000,200000 --contenders client-go,crscope \
		--no-e2e --no-ceiling --no-health-rules --label 200k --no-readme
	$(PY) -m benchmarks.report --readme

clean:
	rm -rf .venv .demo db.sqlite3 staticfiles
