"""Shell completion of the values people type every day: ``--env`` names, tenant ids, targets.

Rules:
- Completion reads the topology files only: it never contacts a cluster or a registry.
- It never fails: a missing, invalid or environment-less topology completes nothing.
- Nothing here runs at start-up: the topology modules load only inside a completion call,
  so ``kafkactl --version`` pays nothing for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import typer

TENANT_PREFIX = "tenant:"  # kafkactl.targets.TENANT_PREFIX (not imported: see the rules)


def environments(ctx: typer.Context, incomplete: str) -> list[str]:
    """Environment names of the topology named by the command's DIR argument."""
    from kafkactl.topology.environments import environment_files

    try:
        names = list(environment_files(Path(_directory(ctx))))
    except Exception:  # completion must never fail the shell
        return []
    return _starting(names, incomplete)


def tenants(ctx: typer.Context, incomplete: str) -> list[str]:
    """Tenant ids of the topology (of ``--env`` when given, else its base)."""
    topology = _topology(ctx)
    return _starting(topology.tenants if topology else (), incomplete)


def targets(ctx: typer.Context, incomplete: str) -> list[str]:
    """Topic names, and ``tenant:ID`` for every tenant."""
    topology = _topology(ctx)
    if topology is None:
        return []
    if incomplete.startswith(TENANT_PREFIX):
        return _starting((TENANT_PREFIX + t for t in topology.tenants), incomplete)
    return _starting([*topology.topics, *(TENANT_PREFIX + t for t in topology.tenants)], incomplete)


def _topology(ctx: typer.Context) -> Any:
    from kafkactl.topology import read_base

    try:
        base = read_base(_directory(ctx))
        env = ctx.params.get("env") or os.environ.get("KAFKACTL_ENV")
        if env is None and base.environments:
            env = next(iter(base.environments))  # any environment beats none: names are mostly shared
        return base.load(env).topology
    except Exception:  # completion must never fail the shell
        return None


def _directory(ctx: typer.Context) -> str:
    # Before an option still waiting for its value, click leaves the positional DIR in ctx.args.
    for arg in ctx.args:
        if Path(arg).is_dir():
            return arg
    value = ctx.params.get("directory")
    return str(value) if value else "topology"


def _starting(values: Iterable[str], incomplete: str) -> list[str]:
    return sorted(v for v in set(values) if v.startswith(incomplete))
