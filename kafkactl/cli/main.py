"""Entry point: builds the Typer app, and holds the one error handler.

Rules:
- Commands are thin: options -> library call -> render -> exit code.
- Only ``main`` prints errors and picks exit codes (CONTRACT section 4):
  0 ok, 1 error, 2 changes present, 64 usage error (never 2), 130 interrupted,
  3 an unexpected bug (with a pointer to report it; no traceback unless KAFKACTL_DEBUG=1).
- Each command group lives in its own module exposing ``register(app)``, imported only when
  its command runs (or help or completion lists it): a process pays for the libraries of
  the command it runs, not of every command (tests/test_startup_imports.py holds the budget).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING

import typer

# Typer vendors click as typer._click (no public alias for UsageError); CONTRACT needs 64 for it.
from typer._click import Context
from typer._click.core import Command
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

from kafkactl import __version__
from kafkactl.errors import KafkactlError

if TYPE_CHECKING:
    from rich.console import Console

EXIT_USAGE = 64
EXIT_INTERRUPTED = 130
EXIT_BUG = 3
# Command name -> its module, with ``register(app: typer.Typer) -> None`` (in help order). A
# module that does not exist yet is skipped, so command groups can land one by one.
COMMANDS = {
    "validate": "kafkactl.cli.validate",
    "plan": "kafkactl.cli.plan",
    "apply": "kafkactl.cli.apply",
    "drift": "kafkactl.cli.drift",
    "import": "kafkactl.cli.imports",
    "tenant": "kafkactl.cli.tenant",
    "local": "kafkactl.cli.local",
    "show": "kafkactl.cli.show",
    "verify": "kafkactl.cli.verify",
    "dlq": "kafkactl.cli.dlq",
    "lock": "kafkactl.cli.lock",
}


class _LazyGroup(TyperGroup):
    """The root command: each command's module is imported when that command is asked for."""

    def list_commands(self, ctx: Context) -> list[str]:
        return [name for name in COMMANDS if self.get_command(ctx, name) is not None]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            for name, command in _load(COMMANDS[cmd_name]).items():
                self.add_command(command, name)
        return self.commands.get(cmd_name)


def _load(module_name: str) -> dict[str, Command]:
    """The click commands a command module registers (none if the module does not exist yet)."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name == module_name:
            return {}
        raise
    holder = typer.Typer()
    module.register(holder)
    return dict(typer.main.get_group(holder).commands)


app = typer.Typer(
    name="kafkactl",
    help="Infrastructure as code for Apache Kafka: validate, plan and apply topics, configs and schemas.",
    no_args_is_help=True,
    cls=_LazyGroup,
    add_completion=True,  # --install-completion / --show-completion; values: kafkactl.cli.complete
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kafkactl {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Infrastructure as code for Apache Kafka."""


def error_handler(err: KafkactlError, console: Console) -> int:
    """Print a KafkactlError as one line (plus its details and hint) on stderr; return its exit code."""
    console.print(f"[bold red]Error:[/] {err.summary}", markup=True, highlight=False, soft_wrap=True)
    for line in err.details:
        console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    if err.hint:
        console.print(f"  hint: {err.hint}", markup=False, highlight=False, soft_wrap=True)
    return err.exit_code


def _stderr() -> Console:
    from rich.console import Console  # lazily: --version and successes print nothing through it

    return Console(stderr=True)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        rv = app(args=list(argv) if argv is not None else None, prog_name="kafkactl", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except UsageError as e:
        e.show(file=sys.stderr)
        return EXIT_USAGE
    except (typer.Abort, KeyboardInterrupt):
        _stderr().print("Interrupted.", highlight=False)
        return EXIT_INTERRUPTED
    except ClickException as e:
        e.show(file=sys.stderr)
        return EXIT_USAGE
    except KafkactlError as e:
        return error_handler(e, _stderr())
    except Exception as e:  # the one place a bug is caught: no traceback for users
        if os.environ.get("KAFKACTL_DEBUG"):
            traceback.print_exc()
        stderr = _stderr()
        stderr.print(
            f"[bold red]Internal error:[/] {type(e).__name__}: {e}",
            markup=True, highlight=False, soft_wrap=True,
        )
        stderr.print("  hint: this is a kafkactl bug; rerun with KAFKACTL_DEBUG=1 and report the traceback", highlight=False)
        return EXIT_BUG


def run() -> None:
    sys.exit(main())
