"""Connection settings for Kafka and the schema registry.

Rules:
- With no flags and no environment, kafkactl talks to the local cluster (CONTRACT section 5).
- Flags win over environment variables (the CLI passes flag values, or None), which win over
  an environment overlay's connection profile. A profile value's ${VAR} references are
  expanded only when that value is used; an unset variable is an error at its file:line.
- Secrets never leave this object in readable form: ``__repr__``/``__str__`` and
  ``describe()`` redact every secret-looking client property and the registry auth.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from kafkactl.errors import KafkactlError, UsageError
from kafkactl.model import ConnectionProfile, ProfileValue

DEFAULT_BOOTSTRAP = "127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094"
DEFAULT_REGISTRY = "http://127.0.0.1:18081/apis/ccompat/v7"
DEFAULT_TIMEOUT_S = 10.0
REDACTED = "(redacted)"
# Property names whose values are secrets. Matched as substrings of the lower-cased key.
_SECRET_MARKERS = ("password", "secret", "jaas", "token", "credentials", "key.pem", "private")


def is_secret_key(key: str) -> bool:
    k = key.lower()
    return any(m in k for m in _SECRET_MARKERS)


def redact(props: Mapping[str, str]) -> dict[str, str]:
    return {k: (REDACTED if is_secret_key(k) else v) for k, v in props.items()}


_JAAS_FIELD = re.compile(r'\b(username|password)\s*=\s*"((?:[^"\\]|\\.)*)"')


def from_java_properties(props: dict[str, str]) -> dict[str, str]:
    """Accept a Java client's properties: librdkafka refuses ``sasl.jaas.config``, so its
    PLAIN/SCRAM ``username``/``password`` become ``sasl.username``/``sasl.password``."""
    jaas = props.pop("sasl.jaas.config", None)
    if jaas:
        found = {k: re.sub(r"\\(.)", r"\1", v) for k, v in _JAAS_FIELD.findall(jaas)}
        if "username" in found:
            props.setdefault("sasl.username", found["username"])
        if "password" in found:
            props.setdefault("sasl.password", found["password"])
    return props


def load_client_config(path: str) -> dict[str, str]:
    """Read a Java-style ``.properties`` file (``key=value``, ``#`` comments)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot read client config {path}: {e.strerror}", hint="--client-config takes a .properties file") from None
    props: dict[str, str] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        sep = min((i for i in (line.find("="), line.find(":")) if i >= 0), default=-1)
        if sep <= 0:
            raise UsageError(f"{path}:{n}: expected key=value", hint="client config is a Kafka .properties file")
        props[line[:sep].strip()] = line[sep + 1 :].strip()
    return from_java_properties(props)


@dataclass(frozen=True)
class Connection:
    bootstrap_servers: str = DEFAULT_BOOTSTRAP
    schema_registry_url: str = DEFAULT_REGISTRY
    client_config: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    registry_auth: tuple[str, str] | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S

    def __repr__(self) -> str:
        auth = f"({self.registry_auth[0]!r}, {REDACTED!r})" if self.registry_auth else "None"
        return (
            f"Connection(bootstrap_servers={self.bootstrap_servers!r}, "
            f"schema_registry_url={self.schema_registry_url!r}, "
            f"client_config={redact(self.client_config)!r}, registry_auth={auth}, timeout_s={self.timeout_s})"
        )

    __str__ = __repr__

    def kafka_config(self) -> dict[str, str]:
        """librdkafka configuration. Contains secrets: pass it to the client only, never print it."""
        conf = {"bootstrap.servers": self.bootstrap_servers}
        conf.update(self.client_config)
        return conf


def resolve(
    bootstrap_servers: str | None = None,
    schema_registry_url: str | None = None,
    client_config: str | None = None,
    timeout_s: float | None = None,
    env: Mapping[str, str] | None = None,
    profile: ConnectionProfile | None = None,
) -> Connection:
    """Flags first, then KAFKACTL_* environment variables, then ``profile``, then the local defaults."""
    env = os.environ if env is None else env
    config_path = (client_config or env.get("KAFKACTL_CLIENT_CONFIG")
                   or _profile_path(profile.client_config if profile else None, env))
    props = load_client_config(config_path) if config_path else {}
    bootstrap = (bootstrap_servers or env.get("KAFKACTL_BOOTSTRAP_SERVERS")
                 or _profile_value(profile.bootstrap_servers if profile else None, env)
                 or props.pop("bootstrap.servers", None))
    registry = (schema_registry_url or env.get("KAFKACTL_SCHEMA_REGISTRY_URL")
                or _profile_value(profile.schema_registry_url if profile else None, env) or DEFAULT_REGISTRY)
    auth_raw = env.get("KAFKACTL_SCHEMA_REGISTRY_AUTH")
    auth: tuple[str, str] | None = None
    if auth_raw:
        user, sep, password = auth_raw.partition(":")
        if not sep:
            raise UsageError("KAFKACTL_SCHEMA_REGISTRY_AUTH must be user:password", hint="set it as user:password")
        auth = (user, password)
    timeout = timeout_s if timeout_s is not None else float(env.get("KAFKACTL_TIMEOUT", DEFAULT_TIMEOUT_S))
    props.pop("bootstrap.servers", None)
    return Connection(
        bootstrap_servers=bootstrap or DEFAULT_BOOTSTRAP,
        schema_registry_url=registry.rstrip("/"),
        client_config=MappingProxyType(props),
        registry_auth=auth,
        timeout_s=timeout,
    )


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_variables(value: ProfileValue, env: Mapping[str, str]) -> str:
    """``value`` with each ``${NAME}`` replaced by the environment variable; unset is an error at its line."""
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise KafkactlError(f"{value.location}: environment variable {name} is not set",
                                hint=f"export {name}, or override this setting with its flag or KAFKACTL_* variable")
        return env[name]

    return _VARIABLE.sub(one, value.text)


def _profile_value(value: ProfileValue | None, env: Mapping[str, str]) -> str | None:
    return expand_variables(value, env) if value is not None else None


def _profile_path(value: ProfileValue | None, env: Mapping[str, str]) -> str | None:
    """A profile's client_config path: relative to the overlay file that names it."""
    path = _profile_value(value, env)
    if path is None or value is None:
        return None
    return str(Path(value.base) / Path(path).expanduser())
