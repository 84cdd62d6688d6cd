"""`kafkactl plan`: show what apply would change. Reads only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kafkactl.cli import common
from kafkactl.errors import KafkactlError
from kafkactl.render import render_plan
from kafkactl.workflow import Clients, make_plan

EXIT_CHANGES = 2
TargetOpt = Annotated[
    list[str] | None,
    typer.Option("--target", help="Only plan changes whose name matches this glob, or tenant:ID (repeatable).",
                 autocompletion=common.complete.targets),
]


def plan(
    directory: common.DirArg = "topology",
    out: Annotated[str | None, typer.Option("--out", help="Save the plan as JSON (for apply --plan).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as one JSON document on stdout.")] = False,
    detailed_exitcode: Annotated[
        bool, typer.Option("--detailed-exitcode", help="Exit 0 no changes, 2 changes present, 1 error.")
    ] = False,
    target: TargetOpt = None,
    env: common.EnvOpt = None,
    bootstrap_servers: common.BootstrapOpt = None,
    schema_registry_url: common.RegistryOpt = None,
    client_config: common.ClientConfigOpt = None,
    timeout: common.TimeoutOpt = None,
) -> int:
    """Show what apply would change on the cluster and registry."""
    loaded, conn = common.open_topology(directory, env, bootstrap_servers, schema_registry_url, client_config, timeout)
    run = make_plan(directory, Clients.connect(conn), target or (), loaded=loaded)
    doc = run.plan.to_json()
    if out:
        write_plan_file(out, doc)
    if as_json:
        typer.echo(json.dumps(doc, indent=2, sort_keys=False))
    else:
        render_plan(run.plan, common.out_console(), run.topology.cluster.name)
    if run.plan.errors:
        return 1
    return EXIT_CHANGES if detailed_exitcode and run.plan.has_changes else 0


def write_plan_file(path: str, doc: object) -> None:
    try:
        Path(path).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise KafkactlError(f"cannot write plan file {path}: {e.strerror}") from None


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
