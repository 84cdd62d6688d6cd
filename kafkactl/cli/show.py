"""`kafkactl show [DIR] --env NAME [--json] [--diff-env A B]`: the final topology of an environment.

Rules:
- Offline: only the topology files are read.
- ``show`` prints one YAML document (``--json``: one JSON document) on stdout: the topology after
  overlays, defaults and tenant expansion (``kafkactl.topology_view``).
- ``--diff-env A B`` reads the base once and prints what differs between A and B, one line per
  difference (``--json``: ``{"environments": [A, B], "differences": [{"path", A, B}]}``); exit 0.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
import yaml
from rich.text import Text

from kafkactl.cli import common
from kafkactl.errors import UsageError
from kafkactl.topology import LoadResult, load, read_base
from kafkactl.topology.structure import json_path
from kafkactl.topology_view import ABSENT, Difference, differences, document

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of YAML.")]
DiffEnvOpt = Annotated[
    tuple[str, str] | None,
    typer.Option("--diff-env", metavar="A B", help="Show what differs between environments A and B.",
                 autocompletion=common.complete.environments),
]


def show(
    directory: common.DirArg = "topology",
    env: common.EnvOpt = None,
    as_json: JsonOpt = False,
    diff_env: DiffEnvOpt = None,
) -> int:
    """Print the final topology of an environment (after overlays, defaults and tenants), or --diff-env A B."""
    if diff_env:
        return show_diff(directory, diff_env, as_json)
    loaded = load(directory, env)
    emit(_doc(loaded), as_json)
    return 0


def show_diff(directory: str, envs: tuple[str, str], as_json: bool) -> int:
    left_env, right_env = envs
    if left_env == right_env:
        raise UsageError(f"--diff-env needs two different environments, not {left_env} twice")
    base = read_base(directory)
    left, right = _doc(base.load(left_env)), _doc(base.load(right_env))
    for doc in (left, right):
        doc.pop("environment", None)
    found = differences(left, right)
    if as_json:
        rows = [{"path": json_path(d.path), left_env: _side(d.left), right_env: _side(d.right)} for d in found]
        typer.echo(json.dumps({"environments": [left_env, right_env], "differences": rows}, indent=2))
        return 0
    out = common.out_console()
    if not found:
        out.print(Text(f"Environments {left_env} and {right_env} are the same."))
        return 0
    out.print(Text(f"{len(found)} differences between environments {left_env} and {right_env}:"))
    for d in found:
        out.print(Text(f"  {_line(d, left_env, right_env)}"))
    return 0


def emit(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
    else:
        typer.echo(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120), nl=False)


def _doc(loaded: LoadResult) -> dict[str, Any]:
    return document(loaded.topology, loaded.environment, loaded.connection)


def _side(value: Any) -> Any:
    return None if value is ABSENT else value


def _line(d: Difference, left_env: str, right_env: str) -> str:
    path = json_path(d.path)
    if d.left is ABSENT:
        return f"+ {path}: only in {right_env}"
    if d.right is ABSENT:
        return f"- {path}: only in {left_env}"
    return f"~ {path}: {_short(d.left)} ({left_env}) → {_short(d.right)} ({right_env})"


def _short(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def register(app: typer.Typer) -> None:
    app.command("show")(show)
