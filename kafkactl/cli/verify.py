"""`kafkactl verify [DIR]`: end-to-end checks on the live cluster (CONTRACT section 7).

Rules:
- Exit 0 when every check passed, 1 when one failed or could not run.
- ``--json`` prints exactly one document on stdout: ``{"checks": [...], "ok": bool}``;
  progress goes to stderr.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from kafkactl.cli import common
from kafkactl.clients.binding import LIBRDKAFKA_LOG
from kafkactl.verify import Report, verify

TargetOpt = Annotated[
    list[str] | None,
    typer.Option("--target", help="Only verify topics and subjects matching this glob, or tenant:ID (repeatable)."),
]


def verify_cmd(
    directory: common.DirArg = "topology",
    target: TargetOpt = None,
    messages: Annotated[int, typer.Option("--messages", min=1, help="Messages per probe topic.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as one JSON document on stdout.")] = False,
    keep: Annotated[bool, typer.Option("--keep", help="Leave the kafkactl-probe-* topics for debugging.")] = False,
    env: common.EnvOpt = None,
    bootstrap_servers: common.BootstrapOpt = None,
    schema_registry_url: common.RegistryOpt = None,
    client_config: common.ClientConfigOpt = None,
    timeout: common.TimeoutOpt = None,
) -> int:
    """Probe the cluster with the topology's topic shapes, schemas and DLQs: exit 0 all passed, 1 otherwise."""
    quiet_client_logs()
    loaded, conn = common.open_topology(directory, env, bootstrap_servers, schema_registry_url, client_config, timeout)
    err = common.err_console()
    report = verify(loaded.topology, conn, target or (), messages, keep,
                    progress=lambda m: err.print(Text(m, style="dim")))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        render(report)
    return 0 if report.ok else 1


def quiet_client_logs() -> None:
    """librdkafka's log lines (metadata lag on a new topic, a broker restarting) are not a command's
    output: the command reports failures itself. KAFKACTL_DEBUG=1 shows them."""
    if not os.environ.get("KAFKACTL_DEBUG"):
        LIBRDKAFKA_LOG.setLevel(logging.CRITICAL + 1)


def render(report: Report) -> None:
    out = common.out_console()
    table = Table("Check", "Target", "Result", "Detail")
    for c in report.checks:
        table.add_row(c.name, Text(c.target), Text("ok", style="green") if c.ok else Text("FAILED", style="bold red"),
                      Text(c.detail))
    out.print(table)
    failed = [c for c in report.checks if not c.ok]
    if report.kept:
        out.print(Text(f"Kept probe topics: {', '.join(report.probe_topics)}"))
    out.print(Text(f"{len(failed)} of {len(report.checks)} checks failed." if failed
                   else f"All {len(report.checks)} checks passed."))


def register(app: typer.Typer) -> None:
    app.command("verify")(verify_cmd)
