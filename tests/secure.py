"""The secured listener as tests see it (the ``secure_cluster`` fixture in conftest.py returns one)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kafkactl.connection import Connection, load_client_config, resolve


@dataclass(frozen=True)
class SecureCluster:
    """The SASL_SSL listener and the bootstrap admin (a super user) of the test cluster."""

    bootstrap_servers: str
    admin_client_config: Path  # a Kafka .properties file for --client-config; holds the admin's password
    registry_url: str

    def admin_connection(self) -> Connection:
        return resolve(client_config=str(self.admin_client_config), schema_registry_url=self.registry_url, env={})

    def client_config_as(self, directory: Path, user: str, password: str, mechanism: str = "SCRAM-SHA-512") -> Path:
        """The admin's config with another user's credentials (same listener, same TLS), mode 0600."""
        props = load_client_config(str(self.admin_client_config))
        props.update({"bootstrap.servers": self.bootstrap_servers, "sasl.mechanism": mechanism,
                      "sasl.username": user, "sasl.password": password})
        path = directory / f"{user}-{mechanism.lower()}.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()), encoding="utf-8")
        path.chmod(0o600)
        return path

    def librdkafka_config(self, user: str | None = None, password: str | None = None) -> dict[str, str]:
        """librdkafka properties for a raw client: the admin's, or another user's credentials."""
        conf = {"bootstrap.servers": self.bootstrap_servers, **load_client_config(str(self.admin_client_config))}
        if user is not None and password is not None:
            conf.update({"sasl.username": user, "sasl.password": password})
        return conf
