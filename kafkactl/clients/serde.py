"""Values <-> bytes for one key or value of a topic, through confluent-kafka's schema-registry serdes.

Rules:
- A subject's serializer never registers: ``auto.register.schemas`` is off and
  ``use.latest.version`` on, so a service writes with the version kafkactl registered
  (the latest), and a value that does not fit it fails here, before it reaches Kafka.
- The subject is the one the topology names (``TOPIC-key``/``TOPIC-value``, or an
  explicit subject): a fixed subject-name strategy, so tenant topics and explicit
  subjects work alike.
- Deserializers read with the writer's schema (the id in the message).
- Without a subject, values are raw: ``bytes`` pass through, ``str`` is UTF-8; reads give ``bytes``.
- Protobuf values may be given as a dict: it is parsed into the message type of the
  subject's latest registered version (``protobuf.message_class``); reads give dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from kafkactl.connection import Connection
from kafkactl.errors import KafkactlError
from kafkactl.model import SubjectSpec

Field = Literal["key", "value"]


class SerdeError(KafkactlError):
    """A value could not be turned into bytes (or back) with its subject's schema."""


class Codec(Protocol):
    """Encodes and decodes one field (key or value) of a topic's messages."""

    subject: str | None

    def encode(self, value: Any, topic: str) -> bytes | None: ...

    def decode(self, data: bytes | None, topic: str) -> Any: ...


def registry_client(conn: Connection) -> SchemaRegistryClient:
    conf: dict[str, Any] = {"url": conn.schema_registry_url, "timeout": conn.timeout_s}
    if conn.registry_auth:
        conf["basic.auth.user.info"] = ":".join(conn.registry_auth)
    return SchemaRegistryClient(conf)


class RawCodec:
    """No subject: bytes as they are, str as UTF-8."""

    subject: str | None = None

    def encode(self, value: Any, topic: str) -> bytes | None:
        if value is None or isinstance(value, bytes):
            return value
        if isinstance(value, str):
            return value.encode()
        raise SerdeError(f"{topic} has no schema: give bytes or str, not {type(value).__name__}")

    def decode(self, data: bytes | None, topic: str) -> Any:
        return data


class SchemaCodec:
    """One subject's confluent serializer and deserializer."""

    subject: str | None

    def __init__(self, subject: str, field: Field, serializer: Callable[..., Any],
                 deserializer: Callable[..., Any], to_message: Callable[[Any], Any] | None = None) -> None:
        self.subject = subject
        self._field = MessageField.KEY if field == "key" else MessageField.VALUE
        self._serializer = serializer
        self._deserializer = deserializer
        self._to_message = to_message

    def encode(self, value: Any, topic: str) -> bytes | None:
        if value is None:
            return None
        try:
            message = self._to_message(value) if self._to_message else value
            data: bytes | None = self._serializer(message, SerializationContext(topic, self._field))
        except Exception as e:  # the serdes raise ValueError, SerializationError, fastavro's and jsonschema's own
            raise SerdeError(f"cannot serialize a value for subject {self.subject}: {type(e).__name__}: {e}",
                             hint="the value must fit the subject's latest registered version") from e
        return data

    def decode(self, data: bytes | None, topic: str) -> Any:
        if data is None:
            return None
        return self._deserializer(data, SerializationContext(topic, self._field))


def serde_conf(subject: str) -> dict[str, Any]:
    """Serializer settings: write with the latest registered version, never register."""
    return {"auto.register.schemas": False, "use.latest.version": True,
            "subject.name.strategy": lambda _ctx, _name: subject}


def codec_for(spec: SubjectSpec | None, field: Field, client: SchemaRegistryClient | None) -> Codec:
    """The codec of one field: raw without a subject, else the subject's schema-registry serde."""
    if spec is None:
        return RawCodec()
    if client is None:
        raise SerdeError(f"subject {spec.subject} needs a schema registry client")
    subject = spec.subject
    strategy = {"subject.name.strategy": lambda _ctx, _name: subject}
    if spec.schema_type == "AVRO":
        return SchemaCodec(subject, field, AvroSerializer(client, None, conf=serde_conf(subject)),
                           AvroDeserializer(client, conf=strategy))
    if spec.schema_type == "JSON":
        latest = client.get_latest_version(subject).schema
        return SchemaCodec(subject, field, JSONSerializer(latest, client, conf=serde_conf(subject)),
                           JSONDeserializer(None, schema_registry_client=client, conf=strategy))
    from kafkactl.clients.protobuf import codec  # lazily: the .proto parser only for Protobuf subjects

    return codec(subject, field, client)
