"""The plan and apply pipelines, shared by every command (plan, apply, drift, tenant).

    topology files --load--> Topology --+
                                        +--> diff --> Plan (+ broker checks) --> executor
    live cluster  --read_live--> LiveState

Rules:
- ``make_plan`` only reads: the reader's describes and the broker's validate_only checks.
- ``apply`` runs a Plan that has no errors; a plan with deletes needs ``allow_delete``;
  a saved plan is applied only to the environment it was made for (checked before anything
  is read), and only if the live cluster id and fingerprint still match.
- Nothing here prints; the CLI renders.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from kafkactl import reassign
from kafkactl.admin import Admin
from kafkactl.connection import Connection
from kafkactl.diff import diff
from kafkactl.errors import KafkactlError, StalePlanError, UnsupportedChange
from kafkactl.executor import Progress, Stop, apply_plan
from kafkactl.kinds.registry import removals
from kafkactl.model import LiveState, Outcome, Topology, is_internal
from kafkactl.plan import Applied, Plan
from kafkactl.reader import broker_check, read_live
from kafkactl.registry import Registry
from kafkactl.replication import THROTTLED_REPLICAS
from kafkactl.subject_rules import purge_text
from kafkactl.targets import Targets
from kafkactl.topology import LoadResult, load

READ_ATTEMPTS = 6
# Broker-check answers that mean "this plan was made from a lagging broker's metadata".
LAG_SIGNS = ("TOPIC_ALREADY_EXISTS", "INVALID_PARTITIONS")


@dataclass(frozen=True)
class PlanRun:
    topology: Topology
    live: LiveState
    plan: Plan
    warnings: tuple[str, ...]  # from loading the topology


@dataclass(frozen=True)
class Clients:
    admin: Admin
    registry: Registry
    throttle_bytes: int = reassign.DEFAULT_THROTTLE_BYTES  # replication throttle of the moves apply starts

    @staticmethod
    def connect(conn: Connection, throttle_bytes: int = reassign.DEFAULT_THROTTLE_BYTES) -> Clients:
        return Clients(Admin(conn), Registry(conn), throttle_bytes)


def make_plan(directory: str | Path, clients: Clients, targets: Sequence[str] = (), env: str | None = None,
              loaded: LoadResult | None = None) -> PlanRun:
    """The plan for the topology in ``directory`` (environment ``env``, or ``loaded`` when the caller
    loaded it already); with ``targets``, only what they select is read and planned."""
    loaded = loaded or load(directory, env)
    scope = Targets.parse(targets)
    delay = 0.1
    for attempt in range(READ_ATTEMPTS):
        live, plan = _plan_once(loaded.topology, clients, scope)
        # The broker answering metadata may lag the controller (KRaft): it then misses a topic
        # created a moment ago, and the broker's own check says the planned create exists.
        # That plan was made from a stale view, so read again (bounded backoff, no fixed sleep).
        if attempt + 1 == READ_ATTEMPTS or not any(sign in e for e in plan.errors for sign in LAG_SIGNS):
            break
        time.sleep(delay)
        delay *= 2
    plan = replace(plan, warnings=loaded.warnings + plan.warnings, environment=loaded.environment)
    return PlanRun(loaded.topology, live, plan, loaded.warnings)


def _plan_once(topology: Topology, clients: Clients, scope: Targets) -> tuple[LiveState, Plan]:
    # The registry is read for the whole topology (it skips the registry when nothing declares a subject,
    # which a narrowed one may not), then narrowed; Kafka topics are read only where targeted.
    found = read_live(topology, clients.admin, clients.registry, scope.topic_filter(topology))
    live = scope.narrow_live(found, topology)
    plan = scope.restrict(diff(scope.narrow(topology), live), topology, live)
    if not plan.errors:
        checked = clients.registry.check_compatibility(plan)  # incompatible new schema versions are plan errors
        plan = replace(plan, errors=broker_check(plan, clients.admin) + checked.errors,
                       warnings=plan.warnings + checked.warnings)
    return live, plan


def check_applicable(plan: Plan, allow_delete: bool, allow_permanent_delete: bool = False) -> None:
    if plan.errors:
        raise UnsupportedChange(
            f"the plan has {len(plan.errors)} error(s), listed above; nothing was applied",
            hint="fix the topology (or the cluster) and run plan again",
        )
    # A subject rollback soft-deletes versions (see kafkactl.diff_subjects): a delete too.
    rollbacks = [f"subject {c.name}: versions after {f.after}" for c in plan.changes if (f := c.field_change("version"))]
    rollbacks += removals(plan)  # ACL bindings and quota keys an update removes are deletes too
    if (plan.has_deletes or rollbacks) and not allow_delete:
        deletes = [f"{c.kind} {c.name}" for c in plan.changes if c.action.value == "delete"] + rollbacks
        raise KafkactlError(
            f"the plan deletes {len(deletes)} resource(s); nothing was applied",
            details=tuple(deletes),
            hint="review the deletes and pass --allow-delete to apply them",
        )
    # Deleting a referenced subject first deletes its referrers' versions for good (diff_subjects._purge).
    permanent = [f"subject {c.name}: first {purge_text(f.after)}" for c in plan.changes if (f := c.field_change("purge"))]
    if permanent and not allow_permanent_delete:
        raise KafkactlError(
            f"the plan deletes {len(permanent)} subject(s) that other versions reference, which needs those versions "
            "deleted permanently; nothing was applied",
            details=tuple(permanent),
            hint="review them and pass --allow-permanent-delete as well as --allow-delete",
        )


def check_environment(saved: Plan, env: str | None) -> None:
    """A saved plan applies only to the environment it was made for."""
    if saved.environment == env:
        return
    made = f"environment {saved.environment}" if saved.environment is not None else "no environment"
    wanted = f"environment {env}" if env is not None else "no environment"
    raise StalePlanError(f"the plan was made for {made}, not {wanted}; nothing was applied",
                         hint="apply it with the --env it was planned with, or plan again for this environment")


def check_fresh(saved: Plan, current: Plan) -> None:
    """A saved plan applies only to the live state it was made from."""
    if saved.cluster_id != current.cluster_id:
        raise StalePlanError(
            f"the plan was made for cluster {saved.cluster_id}, not {current.cluster_id}; nothing was applied",
            hint="run plan again against this cluster",
        )
    if saved.fingerprint != current.fingerprint:
        raise StalePlanError(
            "plan is stale: the cluster changed since this plan was made; run plan again",
            hint="nothing was applied; run 'kafkactl plan --out FILE' again and review it",
        )
    # The fingerprint covers the live state only; the changes must be the ones this topology gives for
    # it, so a plan file edited by hand (a change added, removed or altered) never runs.
    if saved.to_json()["changes"] != current.to_json()["changes"]:
        raise StalePlanError(
            "the plan file's changes are not the plan for this topology and cluster (edited by hand, or the "
            "topology changed since it was made); nothing was applied",
            hint="run 'kafkactl plan --out FILE' again and review it",
        )


def apply(plan: Plan, clients: Clients, progress: Progress | None = None, stop: Stop | None = None) -> Applied:
    return apply_plan(plan, clients.admin, clients.registry, progress, stop, throttle_bytes=clients.throttle_bytes)


def settle_reassignments(clients: Clients, topology: Topology, report: Callable[[int], None]) -> list[Outcome]:
    """``apply --wait``: wait until no owned topic's partition moves, then remove the throttles of owned
    topics that carry them (and the brokers' rates once nothing moves anywhere). Returns those outcomes."""
    admin = clients.admin
    moving = [t for t in admin.list_reassignments() if topology.owns_topic(t)]
    reassign.wait(admin, moving, report)
    owned = sorted(n for n in admin.list_topics() if not is_internal(n) and topology.owns_topic(n))
    described = admin.describe_topic_configs(owned).topics if owned else {}
    throttled = [n for n, cfg in described.items() if any(k in cfg.dynamic for k in THROTTLED_REPLICAS)]
    return reassign.finish(admin, throttled)
