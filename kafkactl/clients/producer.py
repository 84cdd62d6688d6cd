"""A reliable producer for one topic of a topology.

Rules:
- Reliable by default: idempotence (no duplicates or reordering on retries),
  ``acks=all``, bounded retries inside a bounded ``delivery.timeout.ms``; a caller's
  config may add settings but these defaults are what the library promises.
- Keys are partitioned with murmur2 (``murmur2_random``), as Java clients do, so a key
  lands on the same partition whichever language produced it, and per-key order holds.
- Every message's delivery is reported: to ``on_delivery`` when given, and always in
  the counters. ``close()`` flushes and raises if a message was not delivered.
- A full local queue is waited out (serving delivery reports), never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from confluent_kafka import KafkaError, KafkaException, Message
from confluent_kafka import Producer as _KafkaProducer

from kafkactl.clients.binding import LIBRDKAFKA_LOG, TopicBinding, bind
from kafkactl.clients.serde import Codec, codec_for, registry_client
from kafkactl.connection import Connection
from kafkactl.errors import ClusterError
from kafkactl.model import Topology

Headers = Sequence[tuple[str, bytes | str | None]]
RELIABLE: Mapping[str, Any] = {
    "enable.idempotence": True,
    "acks": "all",
    "retries": 1000,  # bounded; delivery.timeout.ms bounds the total time as well
    "delivery.timeout.ms": 120_000,
    "request.timeout.ms": 30_000,
    "max.in.flight.requests.per.connection": 5,  # the most idempotence keeps ordered
    "linger.ms": 5,
    "partitioner": "murmur2_random",
}
QUEUE_FULL_WAIT_S = 0.05


class Delivery(NamedTuple):
    """Where one message landed, or why it did not (``error`` set). Immutable (a NamedTuple: one per message)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class DeliveryError(ClusterError):
    """Messages were not delivered within the delivery timeout."""


def producer_config(conn: Connection, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """librdkafka settings of a reliable producer. Holds secrets: give it to the client only."""
    conf: dict[str, Any] = {**conn.kafka_config(), **RELIABLE}
    conf.update(extra or {})
    return conf


class Producer:
    """Produces keyed values to one topic, serialized with its subjects' latest registered versions."""

    def __init__(self, binding: TopicBinding, conn: Connection, config: Mapping[str, Any] | None = None) -> None:
        self.binding = binding
        self._topic = binding.name
        client = registry_client(conn) if binding.key_subject or binding.value_subject else None
        self._key: Codec = codec_for(binding.key_subject, "key", client)
        self._value: Codec = codec_for(binding.value_subject, "value", client)
        self.delivered = 0
        self.failed = 0
        self.last_error: str | None = None
        try:
            self._client = _KafkaProducer(producer_config(conn, config), logger=LIBRDKAFKA_LOG)
        except KafkaException as e:
            raise ClusterError(f"invalid producer configuration: {e}", hint="check --client-config") from None

    @classmethod
    def for_topic(cls, topology: Topology, name: str, conn: Connection, tenant: str | None = None,
                  config: Mapping[str, Any] | None = None) -> Producer:
        return cls(bind(topology, name, tenant), conn, config)

    def produce(self, key: Any, value: Any, headers: Headers | None = None,
                on_delivery: Callable[[Delivery], None] | None = None) -> None:
        """Queue one message; its delivery is reported later (``poll``, ``flush``, ``close``)."""
        topic = self._topic
        self.send(self._key.encode(key, topic), self._value.encode(value, topic), headers, on_delivery)

    def send(self, key: bytes | None, value: bytes | None, headers: Headers | None = None,
             on_delivery: Callable[[Delivery], None] | None = None, topic: str | None = None) -> None:
        """Queue already-serialized bytes (to this topic, or ``topic``): DLQ moves and replays."""
        callback = self._count if on_delivery is None else self._reporter(on_delivery)
        target = topic or self._topic
        while True:
            try:
                if headers:
                    self._client.produce(target, value, key, headers=list(headers), on_delivery=callback)
                else:
                    self._client.produce(target, value, key, on_delivery=callback)
                break
            except BufferError:  # the local queue is full: serve delivery reports until there is room
                self._client.poll(QUEUE_FULL_WAIT_S)
            except KafkaException as e:
                raise DeliveryError(f"cannot produce to {target}: {e}") from None
        self._client.poll(0)

    def _count(self, err: KafkaError | None, _msg: Message) -> None:
        if err is None:
            self.delivered += 1
        else:
            self.failed += 1
            self.last_error = f"{err.name()}: {err.str()}"

    def _reporter(self, on_delivery: Callable[[Delivery], None]) -> Callable[[KafkaError | None, Message], None]:
        def report(err: KafkaError | None, msg: Message) -> None:
            self._count(err, msg)
            if on_delivery is not None:
                offset = msg.offset()
                on_delivery(Delivery(msg.topic() or "", msg.partition() or 0, -1 if offset is None else offset,
                                     msg.key(), None if err is None else f"{err.name()}: {err.str()}"))

        return report

    def poll(self, timeout_s: float = 0) -> None:
        """Serve delivery reports."""
        self._client.poll(timeout_s)

    def flush(self, timeout_s: float = 60.0) -> int:
        """Wait until every queued message is delivered or failed; returns how many are still queued."""
        return self._client.flush(timeout_s)

    def close(self, timeout_s: float = 130.0) -> None:
        """Flush (up to the delivery timeout) and raise ``DeliveryError`` if any message was not delivered."""
        left = self.flush(timeout_s)
        if left or self.failed:
            raise DeliveryError(
                f"{self.failed + left} message(s) to {self.binding.name} were not delivered"
                + (f": {self.last_error}" if self.last_error else ""),
                hint="check that the brokers are up and min.insync.replicas can be met",
            )

    def __enter__(self) -> Producer:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self.flush()
