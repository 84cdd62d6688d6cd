"""The cluster-wide broker config write, through kafka-python (part of the admin layer).

librdkafka refuses the ``BROKER ""`` config resource that Kafka uses for cluster-wide
dynamic broker defaults (confluent-kafka-go#396), and kafka-python's public
``alter_configs`` insists on an integer broker id. Its request builder and
connection manager do accept it, so this module uses them, pinned to
kafka-python==3.0.12 (see pyproject.toml). Only ``kafkactl.admin`` imports this.

Rules:
- The librdkafka client properties are translated once, here; secrets are passed
  to the client only and never appear in an error message.
- One IncrementalAlterConfigs request: value -> SET, None -> DELETE.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from kafka.admin._configs import AlterConfigOp
from kafka.errors import KafkaError

from kafkactl.connection import Connection

# librdkafka property -> kafka-python keyword
_PROPS = {
    "security.protocol": "security_protocol",
    "sasl.mechanism": "sasl_mechanism",
    "sasl.mechanisms": "sasl_mechanism",
    "sasl.username": "sasl_plain_username",
    "sasl.password": "sasl_plain_password",
    "ssl.ca.location": "ssl_cafile",
    "ssl.certificate.location": "ssl_certfile",
    "ssl.key.location": "ssl_keyfile",
    "ssl.key.password": "ssl_password",
    "client.id": "client_id",
}


class BridgeError(Exception):
    """A failure of the kafka-python path, with a message safe to print."""


def _client_kwargs(conn: Connection) -> dict[str, Any]:
    """kafka-python keywords for the same connection librdkafka gets. SCRAM takes the
    ``sasl_plain_*`` keywords too; the broker's hostname is checked unless librdkafka's
    ``ssl.endpoint.identification.algorithm`` is ``none``, as librdkafka would."""
    kwargs: dict[str, Any] = {
        "bootstrap_servers": conn.bootstrap_servers.split(","),
        "request_timeout_ms": int(conn.timeout_s * 1000),
    }
    for key, value in conn.client_config.items():
        if key in _PROPS:
            kwargs[_PROPS[key]] = value
    if conn.client_config.get("ssl.endpoint.identification.algorithm", "https").lower() == "none":
        kwargs["ssl_check_hostname"] = False
    return kwargs


def alter_cluster_default(conn: Connection, configs: Mapping[str, str | None], validate_only: bool) -> str | None:
    """Send one IncrementalAlterConfigs for BROKER ""; return Kafka's error text, or None on success."""
    entries = {k: (AlterConfigOp.SET, v) if v is not None else (AlterConfigOp.DELETE, None) for k, v in configs.items()}
    try:
        client = KafkaAdminClient(**_client_kwargs(conn))
    except (KafkaError, OSError, ValueError) as e:
        raise BridgeError(f"cannot connect to {conn.bootstrap_servers}: {type(e).__name__}") from None
    try:
        request = client._alter_configs_request(
            [ConfigResource(ConfigResourceType.BROKER, "", configs=entries)], validate_only, incremental=True
        )
        response = client._manager.run(client._manager.send, request)
        result = client._alter_configs_process_responses(response.responses)
    except (KafkaError, OSError) as e:
        raise BridgeError(f"{type(e).__name__}: {e}") from None
    finally:
        client.close()
    status = str(result.get("broker", {}).get("", "no response for the cluster resource"))
    return None if status == "OK" else status
