"""An ordered, at-least-once consumer loop with retry-then-DLQ for one topic of a topology.

Rules:
- Strictly sequential: one message at a time, in each partition's order, so per-key order holds.
- At-least-once: a message's offset is stored only after the handler returned (or the
  message was delivered to the DLQ), and only stored offsets are committed
  (``enable.auto.offset.store`` off): a commit never passes an unfinished message.
  A crash redelivers at most what was finished since the last commit.
- A failing message is retried ``Retry.attempts`` times with bounded exponential
  backoff. Then it goes to the topic's DLQ companion (``TOPIC.dlq``) with the
  ``kafkactl.dlq.*`` headers (``kafkactl.clients.dlq``), and the loop moves on. A value
  that cannot be deserialized is not retried. Without a DLQ the loop stops with
  ``HandlerFailed``: a failing message is never skipped.
- ``stop()`` (from a handler, a signal handler or another thread) ends the loop after the
  current message; shutdown commits what was finished.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from kafkactl.clients.binding import LIBRDKAFKA_LOG, TopicBinding, bind
from kafkactl.clients.dlq import dead_letter_headers, message_headers
from kafkactl.clients.producer import DeliveryError, Producer
from kafkactl.clients.serde import Codec, codec_for, registry_client
from kafkactl.connection import Connection
from kafkactl.errors import ClusterError, KafkactlError
from kafkactl.model import Topology

POLL_S = 0.2
BATCH = 500  # messages fetched per consume() call; each is still handled and stored one at a time


class Record(NamedTuple):
    """One consumed message, deserialized. ``attempt`` counts from 1. Immutable; a NamedTuple
    because one is built per message and a frozen dataclass costs several times as much."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: Any
    value: Any
    headers: tuple[tuple[str, bytes], ...] = ()
    attempt: int = 1


@dataclass(frozen=True)
class Retry:
    """Bounded retry: ``attempts`` tries in all, sleeping backoff_s, 2x each time, at most max_backoff_s."""

    attempts: int = 5
    backoff_s: float = 0.2
    max_backoff_s: float = 5.0

    def delay(self, attempt: int) -> float:
        return float(min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s))


@dataclass
class LoopStats:
    """Counters of one run (mutable while the loop runs)."""

    processed: int = 0
    retried: int = 0
    dead_lettered: int = 0
    assigned: list[tuple[str, int]] = field(default_factory=list)


class HandlerFailed(KafkactlError):
    """A message failed every attempt and the topic has no DLQ: the loop stopped."""


Handler = Callable[[Record], None]


def consumer_config(conn: Connection, group: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """librdkafka settings of the loop's consumer. Holds secrets: give it to the client only."""
    conf: dict[str, Any] = {
        **conn.kafka_config(),
        "group.id": group,
        "enable.auto.commit": True,  # commits stored offsets only (below), every auto.commit.interval.ms and on close
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
    }
    conf.update(extra or {})
    return conf


class ConsumerLoop:
    """Calls ``handler`` with each message of one topic, for one consumer group."""

    def __init__(self, binding: TopicBinding, group: str, handler: Handler, conn: Connection,
                 retry: Retry | None = None, config: Mapping[str, Any] | None = None) -> None:
        self.binding = binding
        self.group = group
        self.handler = handler
        self.retry = retry or Retry()
        self.stats = LoopStats()
        self.assigned = threading.Event()  # set once partitions are assigned
        self._stop = threading.Event()
        client = registry_client(conn) if binding.key_subject or binding.value_subject else None
        self._key: Codec = codec_for(binding.key_subject, "key", client)
        self._value: Codec = codec_for(binding.value_subject, "value", client)
        self._conn = conn
        self._config = consumer_config(conn, group, config)
        self._dlq: Producer | None = None

    @classmethod
    def for_topic(cls, topology: Topology, name: str, group: str, handler: Handler, conn: Connection,
                  tenant: str | None = None, retry: Retry | None = None) -> ConsumerLoop:
        return cls(bind(topology, name, tenant), group, handler, conn, retry)

    def stop(self) -> None:
        self._stop.set()

    def run(self, until: Callable[[], bool] | None = None, idle_timeout_s: float | None = None) -> LoopStats:
        """Consume until ``stop()``, until ``until()`` holds (asked after each poll), or ``idle_timeout_s`` without a message."""
        consumer = self._open()
        try:
            self._loop(consumer, until, idle_timeout_s)
        finally:
            self._close(consumer)
        return self.stats

    def _open(self) -> Consumer:
        try:
            consumer = Consumer(self._config, logger=LIBRDKAFKA_LOG)
        except KafkaException as e:
            raise ClusterError(f"invalid consumer configuration: {e}", hint="check --client-config") from None
        consumer.subscribe([self.binding.name], on_assign=self._on_assign)
        return consumer

    def _on_assign(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.stats.assigned.extend((p.topic, p.partition) for p in partitions)
        self.assigned.set()

    def _loop(self, consumer: Consumer, until: Callable[[], bool] | None, idle_timeout_s: float | None) -> None:
        idle_since = time.monotonic()
        while not self._stop.is_set():
            batch = consumer.consume(BATCH, POLL_S)  # handled one by one, in order, below
            if not batch and ((until is not None and until()) or (
                    idle_timeout_s is not None and time.monotonic() - idle_since > idle_timeout_s)):
                return
            for msg in batch:
                if _skippable(msg):
                    continue
                if not self._process(msg):
                    return  # stopped during a retry: the message stays unfinished and is redelivered
                consumer.store_offsets(message=msg)
                if (until is not None and until()) or self._stop.is_set():
                    return  # the rest of the batch is not stored: it is redelivered to the next consumer
            if batch:
                idle_since = time.monotonic()

    def _process(self, msg: Message) -> bool:
        """Handle one message: True when finished (handled or dead-lettered), False if stopped first."""
        error: Exception | None = None
        attempt = 0
        for attempt in range(1, self.retry.attempts + 1):
            try:
                self.handler(self._record(msg, attempt))
                self.stats.processed += 1
                return True
            except _NOT_RETRIED as e:
                error = e
                break
            except Exception as e:  # the handler is the caller's code: any failure is retried
                error = e
            if attempt < self.retry.attempts:
                self.stats.retried += 1
                if self._stop.wait(self.retry.delay(attempt)):
                    return False
        assert error is not None
        self._dead_letter(msg, error, attempt)
        return True

    def _record(self, msg: Message, attempt: int) -> Record:
        topic = self.binding.name
        raw_headers = msg.headers()
        return Record(
            topic, msg.partition() or 0, msg.offset() or 0, msg.timestamp()[1], self._key.decode(msg.key(), topic),
            self._value.decode(msg.value(), topic), message_headers(msg) if raw_headers else (), attempt,
        )

    def _dead_letter(self, msg: Message, error: Exception, attempts: int) -> None:
        where = f"{msg.topic()}[{msg.partition()}]@{msg.offset()}"
        reason = f"{type(error).__name__}: {error}"
        if self.binding.dlq is None:
            raise HandlerFailed(f"message {where} failed after {attempts} attempt(s): {reason}; "
                                f"{self.binding.name} has no DLQ, so the consumer loop stopped",
                                hint=f"fix the handler, or declare 'dlq: true' on {self.binding.name}")
        dlq = self._dlq_producer()
        dlq.send(msg.key(), msg.value(), [*message_headers(msg), *dead_letter_headers(msg, error, attempts)],
                 topic=self.binding.dlq.name)
        before = dlq.failed
        if dlq.flush() or dlq.failed > before:  # never store the offset of a message the DLQ did not take
            raise DeliveryError(f"cannot move {where} to {self.binding.dlq.name}: {dlq.last_error or 'timed out'}")
        self.stats.dead_lettered += 1

    def _dlq_producer(self) -> Producer:
        if self._dlq is None:
            assert self.binding.dlq is not None
            self._dlq = Producer(TopicBinding(self.binding.dlq), self._conn)
        return self._dlq

    def _close(self, consumer: Consumer) -> None:
        try:
            consumer.commit(asynchronous=False)
        except KafkaException as e:
            if e.args[0].code() != KafkaError._NO_OFFSET:
                raise ClusterError(f"cannot commit offsets of group {self.group}: {e}") from None
        finally:
            consumer.close()
            if self._dlq is not None:
                self._dlq.flush()


def _skippable(msg: Message) -> bool:
    """Informational events (end of partition); a fatal consumer error raises."""
    err = msg.error()
    if err is None:
        return False
    if err.fatal():
        raise ClusterError(f"consumer failed: {err.name()}: {err.str()}")
    return True


def _not_retried() -> tuple[type[Exception], ...]:
    from confluent_kafka.serialization import SerializationError

    from kafkactl.clients.serde import SerdeError

    return (SerializationError, SerdeError)


# A value that cannot be deserialized fails the same way every time: it is not retried.
_NOT_RETRIED = _not_retried()
