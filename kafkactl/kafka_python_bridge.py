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

from collections.abc import Mapping, Sequence
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


# ---- client quotas: confluent-kafka has no client-quota API (KIP-546 is Java-only there) ---------
# Entities are named ``type=name`` (``user=socket-service``, ``user=<default>``); only single-part
# entities are returned (a user+client-id pair is not something kafkactl declares).

_QUOTA_DEFAULT = "<default>"


def _connect(conn: Connection) -> KafkaAdminClient:
    try:
        return KafkaAdminClient(**_client_kwargs(conn))
    except (KafkaError, OSError, ValueError) as e:
        raise BridgeError(f"cannot connect to {conn.bootstrap_servers}: {type(e).__name__}") from None


def _send(conn: Connection, request: Any) -> Any:
    client = _connect(conn)
    try:
        return client._manager.run(client._manager.send, request)
    except (KafkaError, OSError) as e:
        raise BridgeError(f"{type(e).__name__}: {e}") from None
    finally:
        client.close()


def describe_client_quotas(conn: Connection) -> dict[str, dict[str, float]]:
    """One DescribeClientQuotas matching every entity."""
    from kafka.errors import for_code
    from kafka.protocol.admin.client_quotas import DescribeClientQuotasRequest

    response = _send(conn, DescribeClientQuotasRequest(components=[], strict=False))
    if response.error_code:
        raise BridgeError(f"{for_code(response.error_code).__name__}: {response.error_message or ''}".rstrip(": "))
    out: dict[str, dict[str, float]] = {}
    for entry in response.entries or []:
        if len(entry.entity) != 1:
            continue
        part = entry.entity[0]
        name = _QUOTA_DEFAULT if part.entity_name is None else part.entity_name
        out[f"{part.entity_type}={name}"] = {v.key: float(v.value) for v in entry.values}
    return out


def alter_client_quotas(
    conn: Connection, deltas: Sequence[tuple[str, Mapping[str, float | None]]]
) -> dict[str, str | None]:
    """One AlterClientQuotas: a value sets a key, None removes it; an error (or None) per entity."""
    from kafka.errors import for_code
    from kafka.protocol.admin.client_quotas import AlterClientQuotasRequest

    entry_t, entity_t, op_t = (AlterClientQuotasRequest.EntryData, AlterClientQuotasRequest.EntryData.EntityData,
                               AlterClientQuotasRequest.EntryData.OpData)
    entries = []
    for entity, values in deltas:
        kind, _, name = entity.partition("=")
        entries.append(entry_t(
            entity=[entity_t(entity_type=kind, entity_name=None if name == _QUOTA_DEFAULT else name)],
            ops=[op_t(key=k, value=0.0 if v is None else v, remove=v is None) for k, v in values.items()],
        ))
    response = _send(conn, AlterClientQuotasRequest(entries=entries, validate_only=False))
    out: dict[str, str | None] = {}
    for entry in response.entries:
        part = entry.entity[0]
        name = _QUOTA_DEFAULT if part.entity_name is None else part.entity_name
        error = None if not entry.error_code else f"{for_code(entry.error_code).__name__}: {entry.error_message or ''}"
        out[f"{part.entity_type}={name}"] = error
    return out


# ---- consumer group members: confluent-kafka cannot remove a member of a group (the apply lock) ----


def remove_group_member(conn: Connection, group: str, member_id: str) -> str | None:
    """Send LeaveGroup for one dynamic member of ``group``; return Kafka's error text, or None on success."""
    from kafka.admin import MemberToRemove  # lazily: only ``kafkactl lock release`` needs it

    try:
        client = KafkaAdminClient(**_client_kwargs(conn))
    except (KafkaError, OSError, ValueError) as e:
        raise BridgeError(f"cannot connect to {conn.bootstrap_servers}: {type(e).__name__}") from None
    try:
        result = client.remove_group_members(group, [MemberToRemove(member_id=member_id)])
    except (KafkaError, OSError) as e:
        raise BridgeError(f"{type(e).__name__}: {e}") from None
    finally:
        client.close()
    error = next(iter(result.values()), None)
    return None if error is None or error.__name__ == "NoError" else error.__name__


# ---- partition reassignments: confluent-kafka has no reassignment API (KIP-455) -----------------


def list_reassignments(conn: Connection) -> dict[str, list[int]]:
    """One ListPartitionReassignments for the whole cluster: topic -> partitions still moving."""
    client = _connect(conn)
    try:
        ongoing = client.list_partition_reassignments()
    except (KafkaError, OSError) as e:
        raise BridgeError(f"{type(e).__name__}: {e}") from None
    finally:
        client.close()
    out: dict[str, list[int]] = {}
    for tp in ongoing:
        out.setdefault(tp.topic, []).append(tp.partition)
    return {t: sorted(ps) for t, ps in out.items()}


def alter_reassignments(
    conn: Connection, moves: Mapping[str, Mapping[int, Sequence[int]]]
) -> dict[str, str | None]:
    """One AlterPartitionReassignments: topic -> partition -> its new replica list.
    Returns an error text (or None) per topic: the first refused partition's error."""
    from kafka.structs import TopicPartition

    request = {TopicPartition(t, p): list(replicas) for t, parts in moves.items() for p, replicas in parts.items()}
    client = _connect(conn)
    try:
        result = client.alter_partition_reassignments(request)
    except (KafkaError, OSError) as e:
        raise BridgeError(f"{type(e).__name__}: {e}") from None
    finally:
        client.close()
    out: dict[str, str | None] = {t: None for t in moves}
    for tp, error in sorted(result.items()):
        if error is not None and out.get(tp.topic) is None:
            out[tp.topic] = f"partition {tp.partition}: {error.__name__}"
    return out
