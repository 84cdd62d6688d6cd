# kafkactl developer entry points: `make demo` shows it working, `make test` proves it.
# Rules:
# - `install` is idempotent and fast: it reinstalls only when pyproject.toml changed (stamp file).
# - `test` starts the local cluster only if it is not running, and stops it afterwards only if it
#   started it, even when lint or tests fail; any failure (pytest exit 5 included) fails it.
SHELL := bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
KAFKACTL := $(BIN)/kafkactl
STAMP := $(VENV)/.installed

.PHONY: install up down demo lint test bench

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,dev]'
	@touch $@

up: install
	$(KAFKACTL) local up

down: install
	$(KAFKACTL) local down

# The main job on the local cluster: validate every environment, then plan, apply and plan again
# (which must say "No changes") the example's dev environment, whose connection is the local cluster.
# Dev-only passwords for the example's SCRAM users (topology/access.yaml reads each from its variable).
# They are not secrets: set the variables yourself to use others; real clusters get theirs from a vault.
demo: export SOCKET_SERVICE_PASSWORD ?= dev-only-socket-service
demo: export ANALYTICS_SERVICE_PASSWORD ?= dev-only-analytics-service
demo: export NOTIFICATION_SERVICE_PASSWORD ?= dev-only-notification-service
demo: export AUDIT_LOG_WRITER_PASSWORD ?= dev-only-audit-log-writer
demo: up
	$(KAFKACTL) local status
	$(KAFKACTL) validate topology --all-envs
	$(KAFKACTL) plan topology --env dev
	$(KAFKACTL) apply topology --env dev --auto-approve
	$(KAFKACTL) plan topology --env dev --detailed-exitcode

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# KAFKACTL_TEST_BOOTSTRAP_SERVERS set: the tests use that cluster, so no local one is started.
# `kafkactl local up` prints "Local cluster is up" only when it started the cluster (else
# "... is already running"): that line decides whether this target stops it at the end.
test: install
	@started=0; \
	stop() { if [ $$started = 1 ]; then $(KAFKACTL) local down; fi; }; \
	trap stop EXIT; \
	if [ -z "$${KAFKACTL_TEST_BOOTSTRAP_SERVERS:-}" ]; then \
	  out="$$($(KAFKACTL) local up)" || exit 1; \
	  echo "$$out"; \
	  case "$$out" in "Local cluster is up"*) started=1;; esac; \
	fi; \
	rc=0; \
	$(MAKE) --no-print-directory lint || rc=$$?; \
	$(BIN)/python -m pytest || rc=$$?; \
	exit $$rc

# Issue 17's cases after the main run: the pure pipeline at 100k (no cluster), then the RTT and topicctl
# cases (bench/network.py: RTTs above 0 need `kafkactl local up --latency-listener`, else they are skipped).
bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/pipeline.py --json-out bench/out/pipeline.json
	$(BIN)/python bench/network.py
	$(BIN)/python bench/clients.py --json-out bench/out/clients.json
