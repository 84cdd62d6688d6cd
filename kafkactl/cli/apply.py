"""`kafkactl apply`: make the planned changes. The executor runs exactly the Plan."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from kafkactl.cli import common, reassignments
from kafkactl.cli.lock import Guard, LockTimeoutOpt, held, writing
from kafkactl.cli.plan import TargetOpt
from kafkactl.errors import ApplyError, Interrupted, KafkactlError, UsageError
from kafkactl.executor import INTERRUPTED, Stop
from kafkactl.plan import Applied, Plan
from kafkactl.render import (
    apply_summary,
    not_shown_warning,
    render_outcomes,
    render_plan,
    stopped_summary,
    unconfirmed_warning,
)
from kafkactl.workflow import Clients, PlanRun, apply, check_applicable, check_environment, check_fresh, make_plan

PROGRESS_THRESHOLD = 50  # show a progress bar from this many changes


def apply_cmd(
    directory: common.DirArg = "topology",
    plan_file: Annotated[str | None, typer.Option("--plan", help="Apply a plan saved by 'plan --out'.")] = None,
    auto_approve: Annotated[bool, typer.Option("--auto-approve", help="Skip the interactive confirmation.")] = False,
    allow_delete: Annotated[bool, typer.Option("--allow-delete", help="Allow a plan that deletes resources.")] = False,
    allow_permanent_delete: Annotated[bool, typer.Option(
        "--allow-permanent-delete",
        help="Also allow deleting schema versions for good where a subject delete needs it (referrers).")] = False,
    target: TargetOpt = None,
    env: common.EnvOpt = None,
    bootstrap_servers: common.BootstrapOpt = None,
    schema_registry_url: common.RegistryOpt = None,
    client_config: common.ClientConfigOpt = None,
    timeout: common.TimeoutOpt = None,
    throttle: reassignments.ThrottleOpt = "50MiB",
    wait: reassignments.WaitOpt = False,
    lock_timeout: LockTimeoutOpt = None,
) -> int:
    """Apply the changes a plan shows (asks for confirmation unless --auto-approve)."""
    saved = saved_plan(plan_file, target)
    if saved:
        check_environment(saved, env)  # before anything is read: a plan of another environment never runs
    loaded, conn = common.open_topology(directory, env, bootstrap_servers, schema_registry_url, client_config, timeout)
    clients = Clients.connect(conn, reassignments.throttle_bytes(throttle))
    # A saved plan is re-planned with its own targets, so the fingerprints cover the same scope.
    targets = saved.targets if saved else tuple(target or ())
    rc = plan_and_apply(lambda: make_plan(directory, clients, targets, loaded=loaded), clients,
                        Request(directory, lock_timeout, allow_delete, not plan_file and not auto_approve,
                                allow_permanent_delete), saved)
    return reassignments.settle(clients, loaded.topology, rc) if wait else rc


@dataclass(frozen=True)
class Request:
    directory: str
    lock_timeout: str | None
    allow_delete: bool
    ask: bool
    allow_permanent_delete: bool = False


def plan_and_apply(plan_now: Callable[[], PlanRun], clients: Clients, req: Request, saved: Plan | None = None) -> int:
    """Plan, show, apply, all under the apply lock, so no write follows a read made before another apply ended.

    With ``ask`` the plan is shown and confirmed before the lock is taken (nobody waits on a prompt), and
    made again under the lock: it must still be the plan that was confirmed. A saved plan is checked
    against the plan made under the lock (cluster, fingerprint, changes).
    """
    out = common.out_console()
    shown: Plan | None = None
    if req.ask:
        run = plan_now()
        render_plan(run.plan, out, run.topology.cluster.name)
        check_applicable(run.plan, req.allow_delete, req.allow_permanent_delete)
        if not run.plan.has_changes:
            return 0
        confirm(out)
        shown = run.plan
    with held(clients.admin.conn, req.directory, req.lock_timeout) as guard:
        run = plan_now()
        plan = saved or shown or run.plan
        if plan is not run.plan:
            check_fresh(plan, run.plan)
        if shown is None:
            render_plan(plan, out, run.topology.cluster.name)
        return execute(plan, clients, out, req.allow_delete, ask=False,
                       allow_permanent_delete=req.allow_permanent_delete, guard=guard)


def execute(plan: Plan, clients: Clients, out: Console, allow_delete: bool, ask: bool,
            allow_permanent_delete: bool = False, guard: Guard | None = None) -> int:
    """Apply a rendered plan: refuse errors and unallowed deletes, confirm when ``ask``, report every outcome."""
    check_applicable(plan, allow_delete, allow_permanent_delete)
    if not plan.has_changes:
        return 0
    if ask:
        confirm(out)
    with writing(guard):
        applied = run_with_progress(plan, clients, guard.stop if guard else None)
    if guard is not None and guard.interrupts and applied.stopped is None:  # interrupted after the last phase
        applied = replace(applied, stopped=INTERRUPTED)
    return report(applied, out)


def saved_plan(plan_file: str | None, targets: list[str] | None) -> Plan | None:
    if plan_file is None:
        return None
    if targets:
        raise UsageError("--target cannot be combined with --plan: a saved plan applies the targets it was made with")
    return read_plan_file(plan_file)


def read_plan_file(path: str) -> Plan:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise UsageError(f"cannot read plan file {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise KafkactlError(f"{path}:{e.lineno}: not a JSON plan file: {e.msg}",
                            hint="create one with 'kafkactl plan --out FILE'") from None
    return Plan.from_json(doc)


def confirm(out: Console) -> None:
    if not common.interactive():
        raise KafkactlError("refusing to apply without confirmation in a non-interactive session; nothing was applied",
                            hint="review the plan and pass --auto-approve (or apply a saved plan with --plan FILE)")
    out.print("Do you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n")
    answer = typer.prompt("  Enter a value", default="", show_default=False)
    if answer.strip() != "yes":
        raise KafkactlError("apply cancelled; nothing was applied")


def run_with_progress(plan: Plan, clients: Clients, stop: Stop | None = None) -> Applied:
    if len(plan.changes) < PROGRESS_THRESHOLD:
        return apply(plan, clients, stop=stop)
    with Progress(console=common.err_console(), transient=True) as bar:
        task = bar.add_task("Applying", total=len(plan.changes))
        return apply(plan, clients, lambda n: bar.advance(task, n), stop)


def report(applied: Applied, out: Console) -> int:
    """Every outcome, then the summary (or the failures), then a warning for changes the brokers don't show yet."""
    outcomes = applied.outcomes
    render_outcomes(outcomes, out)
    failed = [o for o in outcomes if o.error]
    if not failed:
        out.print()
        out.print(apply_summary(outcomes), style="bold green")
    for warning in (not_shown_warning(applied), unconfirmed_warning(applied)):
        if warning:
            common.warn(warning)
    if applied.stopped is not None:
        error = Interrupted if applied.stopped == INTERRUPTED else ApplyError
        raise error(stopped_summary(applied),
                    details=tuple(f"{o.change.kind} {o.change.name}: {o.error}" for o in failed if o.attempted),
                    hint="run 'kafkactl plan' to see what is left; apply again converges")
    if failed:
        done = len(outcomes) - len(failed)
        raise ApplyError(
            f"{len(failed)} of {len(outcomes)} changes failed ({done} applied)",
            details=tuple(f"{o.change.kind} {o.change.name}: {o.error}" for o in failed),
            hint="run 'kafkactl plan' to see what is left; applying again retries the failed changes, which helps "
                 "where they failed for a passing reason (a timeout, a broker or registry away), not where the "
                 "cluster or registry refused them",
        )
    return 0


def register(app: typer.Typer) -> None:
    app.command("apply")(apply_cmd)
