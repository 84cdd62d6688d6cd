"""Options and helpers shared by the command modules.

Rule: connection flags win over KAFKACTL_* environment variables, which win over
the local-cluster defaults (resolved in ``kafkactl.connection.resolve``).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from kafkactl.connection import Connection, resolve

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
TimeoutOpt = Annotated[
    float | None, typer.Option("--timeout", help="Seconds to wait for Kafka and the registry [env: KAFKACTL_TIMEOUT]")
]


def connection(bootstrap: str | None, registry: str | None, client_config: str | None, timeout: float | None) -> Connection:
    return resolve(bootstrap, registry, client_config, timeout)


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
