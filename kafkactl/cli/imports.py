"""`kafkactl import`: write a topology from the live cluster (topics, cluster configs, subjects).

Rules:
- The command only reads the cluster and writes new files; it refuses an output directory
  that already holds a topology.
- ``--env NAME`` connects with that environment's connection profile, from the overlay of the
  topology in ``--topology DIR`` (flags and KAFKACTL_* variables still win).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from kafkactl import importer
from kafkactl.cli import common
from kafkactl.folding import check_pattern
from kafkactl.workflow import Clients

IncludeOpt = Annotated[
    list[str] | None, typer.Option("--include", help="Import only topics and subjects matching this glob (repeatable).")
]
TemplateOpt = Annotated[
    list[str] | None,
    typer.Option("--tenant-template", help="Fold topics matching this pattern, e.g. 'chat.messages.{tenant}', "
                                           "into a tenant template with members (repeatable)."),
]
PrincipalsOpt = Annotated[
    list[str] | None,
    typer.Option("--principals", help="Also import the ACLs, SCRAM users (password_env placeholders) and user "
                                      "quotas of principals matching this glob, e.g. 'User:*' (repeatable)."),
]


def import_cmd(
    include: IncludeOpt = None,
    out: Annotated[str, typer.Option("--out", help="Directory to write the topology to (new or empty).")] = "topology",
    tenant_template: TemplateOpt = None,
    principals: PrincipalsOpt = None,
    env: common.EnvOpt = None,
    topology: Annotated[str, typer.Option("--topology", help="With --env: the topology whose environment's "
                                                             "connection profile to use.")] = "topology",
    bootstrap_servers: common.BootstrapOpt = None,
    schema_registry_url: common.RegistryOpt = None,
    client_config: common.ClientConfigOpt = None,
    timeout: common.TimeoutOpt = None,
) -> int:
    """Write a topology that describes the live cluster; plan on it then shows no changes."""
    templates = [check_pattern(p) for p in tenant_template or ()]
    if env is None:
        conn = common.connection(bootstrap_servers, schema_registry_url, client_config, timeout)
    else:
        _, conn = common.open_topology(topology, env, bootstrap_servers, schema_registry_url, client_config, timeout)
    clients = Clients.connect(conn)
    live = importer.read(clients.admin, clients.registry, include or (), templates, principals or ())
    imported = importer.build(live, templates, include or (), principals or ())
    written = importer.write(out, imported)
    console = common.out_console()
    console.print(Text(f"Imported {imported.topics} topics and {imported.subjects} subjects from cluster "
                       f"{live.cluster_id} into {out} ({len(written)} files)."))
    for w in imported.warnings:
        console.print(Text.assemble(("  ! ", "yellow"), w))
    return 0


def register(app: typer.Typer) -> None:
    app.command("import")(import_cmd)
