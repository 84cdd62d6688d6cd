"""``kafkactl local up | down | status``: thin commands over ``kafkactl.local.cluster``.

Rules:
- Progress goes to stderr (a spinner on a terminal, plain lines otherwise); the
  addresses and the status table go to stdout.
- ``status`` exits 0 whatever it finds; ``status --check`` exits 1 unless everything is up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from kafkactl.errors import LocalClusterError
from kafkactl.local.layout import (
    NODES,
    REGISTRY_URL,
    Layout,
    bootstrap_servers,
    latency_bootstrap_servers,
    secure_bootstrap_servers,
)

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


def _addresses(layout: Layout) -> dict[str, object]:
    """What clients need (CONTRACT section 5): addresses and the paths of the secured listener's files.
    The admin's password stays in its client config file and never appears here."""
    return {
        "bootstrap_servers": bootstrap_servers(),
        "schema_registry_url": REGISTRY_URL,
        "metrics_urls": [n.metrics_url for n in NODES],
        "secure_bootstrap_servers": secure_bootstrap_servers(),
        "admin_client_config": str(layout.admin_client_config),
        "ca_certificate": str(layout.ca_certificate),
        **({"latency_bootstrap_servers": latency_bootstrap_servers()} if layout.latency_listener_marker.exists() else {}),
    }


_LABELS = {"bootstrap_servers": "brokers", "schema_registry_url": "schema registry", "metrics_urls": "metrics",
           "secure_bootstrap_servers": "secured brokers", "admin_client_config": "admin config",
           "ca_certificate": "CA certificate", "latency_bootstrap_servers": "latency brokers"}


def _print_addresses(out: Console, layout: Layout) -> None:
    for key, value in _addresses(layout).items():
        text = " ".join(value) if isinstance(value, list) else str(value)
        out.print(f"  {_LABELS[key]:<16} {text}", highlight=False, soft_wrap=True)


@local_app.command()
def up(
    latency_listener: bool | None = typer.Option(
        None, "--latency-listener/--no-latency-listener",
        help="Benchmarks: give each node a LATENCY listener advertised through a latency-injecting proxy's ports "
             "(bench/latency.py starts the proxy). Kept for later starts until switched off; off by default."),
) -> None:
    """Fetch (once), start and wait for the local cluster; print its addresses."""
    from kafkactl.local import cluster  # lazily: only local commands need the artifact and process code

    with _progress() as progress:
        result = cluster.up(Layout.default(), progress, latency_listener=latency_listener)
    out = Console()
    state = "is up" if result.started else "is already running"
    out.print(f"Local cluster {state} (cluster id {result.cluster_id}):", highlight=False, soft_wrap=True)
    _print_addresses(out, Layout.default())


@local_app.command()
def down(purge: bool = typer.Option(False, "--purge", help="Also delete the data, logs and cluster id.")) -> None:
    """Stop the local cluster's processes."""
    from kafkactl.local import cluster  # lazily: only local commands need the artifact and process code

    with _progress() as progress:
        stopped = cluster.down(Layout.default(), purge, progress)
    message = f"Stopped {', '.join(stopped)}." if stopped else "Local cluster is not running."
    Console().print(message + (" Data deleted." if purge else ""), highlight=False, soft_wrap=True)


@local_app.command()
def status(
    check: bool = typer.Option(False, "--check", help="Exit 1 unless every component is up."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document (addresses, paths, components)."),
) -> None:
    """Show each node, metrics endpoint, secured listener and the registry as up or down."""
    from kafkactl.local import cluster  # lazily: only local commands need the artifact and process code

    layout = Layout.default()
    rows = cluster.status(layout)
    if as_json:
        doc = {**_addresses(layout), "components": [{"name": r.name, "address": r.address, "pid": r.pid,
                                                     "up": r.up} for r in rows]}
        typer.echo(json.dumps(doc, indent=2))
    else:
        Console().print(_table(rows))
        _print_addresses(Console(), layout)
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
