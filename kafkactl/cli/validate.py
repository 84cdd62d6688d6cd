"""`kafkactl validate [DIR]`: check a topology offline; `--print-schema` prints its JSON Schema.

Rules:
- No cluster or registry is contacted.
- Valid: one summary line on stdout, each warning on stderr, exit 0.
- Invalid: ``load`` raises TopologyError and ``main`` prints every problem on stderr, exit 1.
- ``--all-envs`` reads the base once and checks every environment, reporting each invalid one
  (exit 1 when any is); ``--explain`` lists every value with the ``file:line`` that set it.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from kafkactl.cli import common
from kafkactl.errors import TopologyError, UsageError
from kafkactl.model import Topology
from kafkactl.topology import LoadResult, load, load_each, schema_text
from kafkactl.topology.environments import overlay_schema
from kafkactl.topology.explain import sources
from kafkactl.topology.files import shown_dir

PrintSchemaOpt = Annotated[
    bool, typer.Option("--print-schema", help="Print the JSON Schema of topology files (for editors) and exit.")
]
AllEnvsOpt = Annotated[bool, typer.Option("--all-envs", help="Check every environment of the topology in one run.")]
ExplainOpt = Annotated[bool, typer.Option("--explain", help="List every value with the file:line that set it.")]
OverlaySchemaOpt = Annotated[
    bool, typer.Option("--print-overlay-schema", help="Print the JSON Schema of environment overlay files and exit.")
]


def validate(
    ctx: typer.Context,
    directory: common.DirArg = "topology",
    env: common.EnvOpt = None,
    all_envs: AllEnvsOpt = False,
    explain: ExplainOpt = False,
    print_schema: PrintSchemaOpt = False,
    print_overlay_schema: OverlaySchemaOpt = False,
) -> int:
    """Check a topology offline: YAML, schema, names, replication, configs and schema files."""
    if print_schema or print_overlay_schema:
        import json

        typer.echo(schema_text() if print_schema else json.dumps(overlay_schema(), indent=2) + "\n", nl=False)
        return 0
    if all_envs:
        if env is not None and common.given_as_flag(ctx, "env"):  # KAFKACTL_ENV set for the shell is no conflict
            raise UsageError("--all-envs and --env cannot be combined", hint="drop one of them")
        return validate_all(directory, explain)
    report(shown_dir(directory), load(directory, env), explain)
    return 0


def validate_all(directory: str, explain: bool) -> int:
    results = load_each(directory)
    if not results:
        report(shown_dir(directory), load(directory), explain)
        return 0
    failed = []
    for name, result in results:
        if isinstance(result, TopologyError):
            failed.append(name)
            common.err_console().print(Text(f"✗ {result.summary}"))
            for line in result.details:
                common.err_console().print(Text(f"  {line}"))
        else:
            report(shown_dir(directory), result, explain)
    if failed:
        raise TopologyError(f"{len(failed)} of {len(results)} environments are invalid: {', '.join(failed)}")
    return 0


def report(directory: str, result: LoadResult, explain: bool) -> None:
    for warning in result.warnings:
        common.warn(warning)
    label = f"{directory} (environment {result.environment})" if result.environment else directory
    out = common.out_console()
    out.print(Text(summary(label, result.topology)))
    if explain and result.sections is not None:
        for source in sources(result.sections):
            shown = "" if source.value is None else f" = {_value(source.value)}"
            out.print(Text(f"  {source.path}{shown}  ({source.location})"))


def summary(directory: str, topology: Topology) -> str:
    """``✓ topology is valid: 27 topics (18 from 3 tenants), 9 subjects``."""
    from_tenants = sum(1 for spec in topology.topics.values() if spec.tenant is not None)
    return (f"✓ {directory} is valid: {_count(len(topology.topics), 'topic')} "
            f"({from_tenants} from {_count(len(topology.tenants), 'tenant')}), "
            f"{_count(len(topology.subjects), 'subject')}")


def _value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
