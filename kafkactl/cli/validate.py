"""`kafkactl validate [DIR]`: check a topology offline; `--print-schema` prints its JSON Schema.

Rules:
- No cluster or registry is contacted.
- Valid: one summary line on stdout, each warning on stderr, exit 0.
- Invalid: ``load`` raises TopologyError and ``main`` prints every problem on stderr, exit 1.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from kafkactl.cli import common
from kafkactl.model import Topology
from kafkactl.topology import load, schema_text
from kafkactl.topology.files import shown_dir

PrintSchemaOpt = Annotated[
    bool, typer.Option("--print-schema", help="Print the JSON Schema of topology files (for editors) and exit.")
]


def validate(directory: common.DirArg = "topology", print_schema: PrintSchemaOpt = False) -> int:
    """Check a topology offline: YAML, schema, names, replication, configs and schema files."""
    if print_schema:
        typer.echo(schema_text(), nl=False)
        return 0
    result = load(directory)
    for warning in result.warnings:
        common.warn(warning)
    common.out_console().print(Text(summary(shown_dir(directory), result.topology)))
    return 0


def summary(directory: str, topology: Topology) -> str:
    """``✓ topology is valid: 27 topics (18 from 3 tenants), 9 subjects``."""
    from_tenants = sum(1 for spec in topology.topics.values() if spec.tenant is not None)
    return (f"✓ {directory} is valid: {_count(len(topology.topics), 'topic')} "
            f"({from_tenants} from {_count(len(topology.tenants), 'tenant')}), "
            f"{_count(len(topology.subjects), 'subject')}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
