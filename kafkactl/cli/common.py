"""Options and helpers shared by the command modules.

Rules:
- Connection flags win over KAFKACTL_* environment variables, which win over the selected
  environment's connection profile, then the local-cluster defaults (``kafkactl.connection.resolve``).
- Every command that reads a topology takes ``EnvOpt`` and loads it with ``open_topology``
  (or ``kafkactl.topology.load(directory, env)``): a topology with environments/ needs --env.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from kafkactl.cli import complete
from kafkactl.connection import Connection, resolve
from kafkactl.topology import LoadResult, load

DirArg = Annotated[str, typer.Argument(help="Topology directory.", show_default=True)]
BootstrapOpt = Annotated[
    str | None, typer.Option("--bootstrap-servers", help="Kafka bootstrap servers [env: KAFKACTL_BOOTSTRAP_SERVERS]")
]
RegistryOpt = Annotated[
    str | None,
    typer.Option("--schema-registry-url", help="Confluent-compatible registry URL [env: KAFKACTL_SCHEMA_REGISTRY_URL]"),
]
ClientConfigOpt = Annotated[
    str | None,
    typer.Option("--client-config", help="Kafka client .properties file, e.g. SASL/TLS [env: KAFKACTL_CLIENT_CONFIG]"),
]
EnvOpt = Annotated[
    str | None,
    typer.Option("--env", envvar="KAFKACTL_ENV", show_envvar=False, autocompletion=complete.environments,
                 help="Environment: the overlay DIR/environments/NAME.yaml [env: KAFKACTL_ENV]"),
]
TimeoutOpt = Annotated[
    float | None, typer.Option("--timeout", help="Seconds to wait for Kafka and the registry [env: KAFKACTL_TIMEOUT]")
]


def connection(bootstrap: str | None, registry: str | None, client_config: str | None, timeout: float | None) -> Connection:
    return resolve(bootstrap, registry, client_config, timeout)


def open_topology(
    directory: str, env: str | None, bootstrap: str | None, registry: str | None, client_config: str | None,
    timeout: float | None,
) -> tuple[LoadResult, Connection]:
    """The topology of ``env`` and the connection for it: flags, KAFKACTL_*, then its profile."""
    loaded = load(directory, env)
    return loaded, resolve(bootstrap, registry, client_config, timeout, profile=loaded.connection)


def given_as_flag(ctx: typer.Context, name: str) -> bool:
    """Whether option ``name`` came from the command line (not its environment variable or default)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def out_console() -> Console:
    """stdout; colour only on a terminal, NO_COLOR honoured (rich does both)."""
    return Console(highlight=False, soft_wrap=True)


def err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    """``warning: ...`` on stderr, one line."""
    err_console().print(Text.assemble(("warning: ", "yellow"), message))


def interactive() -> bool:
    return sys.stdin.isatty()
