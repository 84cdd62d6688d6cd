"""``kafkactl local up | down | status``: thin commands over ``kafkactl.local.cluster``.

Rules:
- Progress goes to stderr (a spinner on a terminal, plain lines otherwise); the
  addresses and the status table go to stdout.
- ``status`` exits 0 whatever it finds; ``status --check`` exits 1 unless everything is up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from kafkactl.errors import LocalClusterError
from kafkactl.local.layout import NODES, REGISTRY_URL, Layout, bootstrap_servers

if TYPE_CHECKING:
    from kafkactl.local.cluster import Progress, Row

_ELAPSED = re.compile(r" \(\d+ s\)$")
local_app = typer.Typer(
    help="Run a local 3-node Kafka cluster with a schema registry and metrics (no Docker needed).",
    no_args_is_help=True,
)


@contextmanager
def _progress() -> Iterator[Progress]:
    err = Console(stderr=True)
    if not err.is_terminal:
        yield _changes_only(lambda msg: err.print(msg, highlight=False, markup=False, soft_wrap=True))
        return
    with err.status("kafkactl local") as spinner:
        yield lambda msg: spinner.update(msg)


def _changes_only(say: Progress) -> Progress:
    """For logs: print a progress line only when it says something new (the elapsed time aside)."""
    last = [""]

    def progress(msg: str) -> None:
        key = _ELAPSED.sub("", msg)
        if key != last[0]:
            last[0] = key
            say(msg)

    return progress


def _addresses(out: Console) -> None:
    for label, value in (("brokers", bootstrap_servers()), ("schema registry", REGISTRY_URL),
                         ("metrics", " ".join(n.metrics_url for n in NODES))):
        out.print(f"  {label:<16} {value}", highlight=False, soft_wrap=True)


@local_app.command()
def up() -> None:
    """Fetch (once), start and wait for the local cluster; print its addresses."""
    from kafkactl.local import cluster  # lazily: only local commands need the artifact and process code

    with _progress() as progress:
        result = cluster.up(Layout.default(), progress)
    out = Console()
    state = "is up" if result.started else "is already running"
    out.print(f"Local cluster {state} (cluster id {result.cluster_id}):", highlight=False, soft_wrap=True)
    _addresses(out)


@local_app.command()
def down(purge: bool = typer.Option(False, "--purge", help="Also delete the data, logs and cluster id.")) -> None:
    """Stop the local cluster's processes."""
    from kafkactl.local import cluster  # lazily: only local commands need the artifact and process code

    with _progress() as progress:
        stopped = cluster.down(Layout.default(), purge, progress)
    message = f"Stopped {', '.join(stopped)}." if stopped else "Local cluster is not running."
    Console().print(message + (" Data deleted." if purge else ""), highlight=False, soft_wrap=True)


@local_app.command()
def status(check: bool = typer.Option(False, "--check", help="Exit 1 unless every component is up.")) -> None:
    """Show each node, metrics endpoint and the registry as up or down."""
    from kafkactl.local import cluster  # lazily: only local commands need the artifact and process code

    layout = Layout.default()
    rows = cluster.status(layout)
    Console().print(_table(rows))
    foreign = cluster.foreign_ports(layout)
    if foreign:
        Console(stderr=True).print(f"note: ports {', '.join(map(str, foreign))} are in use by processes not started "
                                   f"from {layout.state}", highlight=False, soft_wrap=True)
    down_names = [r.name for r in rows if not r.up]
    if check and down_names:
        raise LocalClusterError(f"local cluster is not fully up: {', '.join(down_names)} down",
                                hint="run 'kafkactl local up'")


def _table(rows: list[Row]) -> Table:
    table = Table(box=None, show_header=True, pad_edge=False)
    for column in ("component", "address", "state", "pid"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.name, r.address, "up" if r.up else "down", str(r.pid) if r.pid else "-")
    return table


def register(app: typer.Typer) -> None:
    app.add_typer(local_app, name="local", help="Run a local cluster: up | down | status.")
