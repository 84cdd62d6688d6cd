"""`kafkactl dlq inspect TOPIC [--json] | replay TOPIC [--dry-run]` (CONTRACT section 7).

Rules:
- TOPIC is the original topic or its DLQ (``chat.events`` and ``chat.events.dlq`` alike).
- ``inspect`` only reads. ``replay`` re-publishes to each message's original topic what its
  own group has not replayed yet, in one transaction with that group's offsets;
  ``--dry-run`` lists the same messages and writes nothing.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from kafkactl import clients
from kafkactl.cli import common
from kafkactl.cli.verify import quiet_client_logs
from kafkactl.clients import DeadLetter

TopicArg = Annotated[str, typer.Argument(help="The topic, or its DLQ companion TOPIC.dlq.", show_default=False)]
dlq_app = typer.Typer(help="Inspect and replay dead letter queues (TOPIC.dlq).", no_args_is_help=True)


@dlq_app.command("inspect")
def inspect(
    topic: TopicArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the messages as one JSON document on stdout.")] = False,
    bootstrap_servers: common.BootstrapOpt = None,
    schema_registry_url: common.RegistryOpt = None,
    client_config: common.ClientConfigOpt = None,
    timeout: common.TimeoutOpt = None,
) -> int:
    """List the messages in a DLQ with where they came from and why they failed."""
    quiet_client_logs()
    conn = common.connection(bootstrap_servers, schema_registry_url, client_config, timeout)
    letters = clients.inspect(conn, topic)
    if as_json:
        typer.echo(json.dumps({"dlq": clients.dlq.dlq_name(topic), "messages": [x.to_json() for x in letters]},
                              indent=2))
    else:
        common.out_console().print(table(letters))
    return 0


@dlq_app.command("replay")
def replay(
    topic: TopicArg,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be replayed; write nothing.")] = False,
    bootstrap_servers: common.BootstrapOpt = None,
    schema_registry_url: common.RegistryOpt = None,
    client_config: common.ClientConfigOpt = None,
    timeout: common.TimeoutOpt = None,
) -> int:
    """Re-publish DLQ messages to their original topic, each once (the replay's own committed group)."""
    quiet_client_logs()
    conn = common.connection(bootstrap_servers, schema_registry_url, client_config, timeout)
    done = clients.replay(conn, topic, dry_run)
    out = common.out_console()
    if done.messages:
        out.print(table(list(done.messages)))
    verb = "Would replay" if dry_run else "Replayed"
    out.print(Text(f"{verb} {len(done.messages)} message(s) from {done.dlq} (group {done.group})."))
    return 0


def table(letters: list[DeadLetter]) -> Table:
    t = Table("Partition", "Offset", "From", "Attempts", "Error", "Failed at")
    for x in letters:
        h = x.dlq
        origin = f"{h.get('topic', '?')}[{h.get('partition', '?')}]@{h.get('offset', '?')}"
        error = f"{h.get('error.type', '')}: {h.get('error.message', '')}"
        t.add_row(str(x.partition), str(x.offset), Text(origin), h.get("attempts", ""), Text(error),
                  h.get("timestamp", ""))
    return t


def register(app: typer.Typer) -> None:
    app.add_typer(dlq_app, name="dlq")
