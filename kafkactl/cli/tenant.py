"""`kafkactl tenant add|remove|list`: onboard and offboard tenants of the topic templates.

Rules:
- add/remove edit one line of the topology files (``kafkactl.tenants``), then
  show the plan for that tenant only (``--target tenant:ID``).
- With ``--apply`` they apply that plan, through the same checks as ``apply``:
  confirmation unless ``--auto-approve``, deletes only with ``--allow-delete``.
  The file edit stays either way; ``kafkactl apply`` converges later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from kafkactl import tenant_status, tenants
from kafkactl.cli import common
from kafkactl.cli.apply import Request, plan_and_apply
from kafkactl.cli.lock import LockTimeoutOpt
from kafkactl.render import render_plan
from kafkactl.targets import TENANT_PREFIX
from kafkactl.workflow import Clients, PlanRun, make_plan

STATUS_STYLE = {"in sync": "green", "missing": "yellow", "drifted": "red", "removed": "magenta"}
TenantArg = Annotated[str, typer.Argument(help="Tenant id: ^[a-z0-9][a-z0-9-]{0,62}$.", show_default=False)]
MemberArg = Annotated[str, typer.Argument(help="Tenant id of a member.", show_default=False,
                                          autocompletion=common.complete.tenants)]
ApplyOpt = Annotated[bool, typer.Option("--apply", help="Apply the tenant's plan after editing the files.")]
AutoApproveOpt = Annotated[bool, typer.Option("--auto-approve", help="With --apply: skip the confirmation.")]
AllowDeleteOpt = Annotated[bool, typer.Option("--allow-delete", help="With --apply: allow the tenant's deletes.")]

tenant_app = typer.Typer(help="Add, remove and list tenants (members of the topic templates).", no_args_is_help=True)


@tenant_app.command("add")
def add(
    tenant: TenantArg,
    directory: common.DirArg = "topology",
    apply: ApplyOpt = False,
    auto_approve: AutoApproveOpt = False,
    env: common.EnvOpt = None,
    bootstrap_servers: common.BootstrapOpt = None,
    schema_registry_url: common.RegistryOpt = None,
    client_config: common.ClientConfigOpt = None,
    timeout: common.TimeoutOpt = None,
    lock_timeout: LockTimeoutOpt = None,
) -> int:
    """Add a tenant to tenants.members, then show (or --apply) the plan for its topics and subjects."""
    edit = tenants.add(directory, tenant, env)
    common.out_console().print(Text(f"Added tenant {tenant} to {edit.path}.\n"))
    return plan_tenant(directory, tenant, env, (bootstrap_servers, schema_registry_url, client_config, timeout),
                       Decision(apply, auto_approve, allow_delete=False, lock_timeout=lock_timeout))


@tenant_app.command("remove")
def remove(
    tenant: MemberArg,
    directory: common.DirArg = "topology",
    apply: ApplyOpt = False,
    auto_approve: AutoApproveOpt = False,
    allow_delete: AllowDeleteOpt = False,
    env: common.EnvOpt = None,
    bootstrap_servers: common.BootstrapOpt = None,
    schema_registry_url: common.RegistryOpt = None,
    client_config: common.ClientConfigOpt = None,
    timeout: common.TimeoutOpt = None,
    lock_timeout: LockTimeoutOpt = None,
) -> int:
    """Remove a tenant from tenants.members, then show (or --apply) the deletes of its topics and subjects."""
    edit = tenants.remove(directory, tenant, env)
    common.out_console().print(Text(f"Removed tenant {tenant} from {edit.path}.\n"))
    return plan_tenant(directory, tenant, env, (bootstrap_servers, schema_registry_url, client_config, timeout),
                       Decision(apply, auto_approve, allow_delete, lock_timeout))


@tenant_app.command("list")
def list_cmd(
    directory: common.DirArg = "topology",
    env: common.EnvOpt = None,
    bootstrap_servers: common.BootstrapOpt = None,
    schema_registry_url: common.RegistryOpt = None,
    client_config: common.ClientConfigOpt = None,
    timeout: common.TimeoutOpt = None,
) -> int:
    """List the tenants with their topic count and status on the live cluster (in sync, missing, drifted, removed)."""
    loaded, conn = common.open_topology(directory, env, bootstrap_servers, schema_registry_url, client_config, timeout)
    out = common.out_console()
    targets = tenant_status.targets_for(loaded.topology)
    if not targets:
        out.print("No tenants.")
        return 0
    run = make_plan(directory, Clients.connect(conn), targets, loaded=loaded)
    out.print(status_table(tenant_status.statuses(run.topology, run.plan)))
    if run.plan.errors:
        render_plan(run.plan, out, run.topology.cluster.name)
        return 1
    return 0


@dataclass(frozen=True)
class Decision:
    apply: bool
    auto_approve: bool
    allow_delete: bool
    lock_timeout: str | None = None


def plan_tenant(directory: str, tenant: str, env: str | None,
                connection: tuple[str | None, str | None, str | None, float | None], decision: Decision) -> int:
    """The plan of one tenant after the edit (loaded again: the edit changed the files)."""
    loaded, conn = common.open_topology(directory, env, *connection)
    clients = Clients.connect(conn)
    out = common.out_console()
    def plan_now() -> PlanRun:
        return make_plan(directory, clients, [f"{TENANT_PREFIX}{tenant}"], loaded=loaded)

    if decision.apply:  # under the apply lock, like apply (kafkactl.cli.lock)
        return plan_and_apply(plan_now, clients, Request(directory, decision.lock_timeout, decision.allow_delete,
                                                         ask=not decision.auto_approve))
    run = plan_now()
    render_plan(run.plan, out, run.topology.cluster.name)
    return 1 if run.plan.errors else 0


def status_table(rows: list[tenant_status.TenantStatus]) -> Table:
    table = Table("Tenant", "Topics", "Subjects", "Status")
    for row in rows:
        table.add_row(Text(row.tenant), str(row.topics), str(row.subjects),
                      Text(row.status, style=STATUS_STYLE[row.status]))
    return table


def register(app: typer.Typer) -> None:
    app.add_typer(tenant_app, name="tenant")
