"""Dead letters: the headers a DLQ message carries, reading a DLQ, and replaying it.

Rules:
- A dead letter is the original key, value and headers, plus the ``kafkactl.dlq.*``
  headers (UTF-8 strings, CONTRACT section 7): where it came from and why it failed.
- ``inspect`` reads a DLQ from its start to its end as seen when it began, without a group.
- ``replay`` re-publishes to the original topic (``kafkactl.dlq.topic``) what its own
  group ``kafkactl-dlq-replay.<DLQ>`` has not consumed yet. It produces and commits
  that group's offsets in one Kafka transaction, so a message is never replayed twice,
  even when a replay is interrupted. ``dry_run`` reads the same messages and writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaException, Message, Producer, TopicPartition

from kafkactl.clients.binding import DLQ_SUFFIX, LIBRDKAFKA_LOG
from kafkactl.clients.producer import RELIABLE
from kafkactl.connection import Connection
from kafkactl.errors import ClusterError, KafkactlError

PREFIX = "kafkactl.dlq."
HEADERS = ("topic", "partition", "offset", "timestamp", "error.type", "error.message", "attempts")
MAX_ERROR_MESSAGE = 2000  # characters of the error message kept in the header
REPLAY_GROUP_PREFIX = "kafkactl-dlq-replay."
READ_TIMEOUT_S = 30.0
# A transaction must outlive every delivery in it (librdkafka: message.timeout.ms <= transaction.timeout.ms).
REPLAY_TIMEOUTS = {"delivery.timeout.ms": 60_000, "transaction.timeout.ms": 90_000}


def dead_letter_headers(msg: Message, error: BaseException, attempts: int) -> list[tuple[str, bytes]]:
    """The ``kafkactl.dlq.*`` headers of one failed message."""
    values = {
        "topic": msg.topic() or "",
        "partition": str(msg.partition()),
        "offset": str(msg.offset()),
        "timestamp": str(msg.timestamp()[1]),
        "error.type": type(error).__name__,
        "error.message": str(error)[:MAX_ERROR_MESSAGE],
        "attempts": str(attempts),
    }
    return [(PREFIX + k, values[k].encode()) for k in HEADERS]


@dataclass(frozen=True)
class DeadLetter:
    """One message of a DLQ: where it sits, and its ``kafkactl.dlq.*`` headers (missing ones empty)."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    dlq: dict[str, str]
    headers: tuple[tuple[str, bytes], ...]

    @property
    def origin(self) -> str:
        return self.dlq.get("topic", "")

    def to_json(self) -> dict[str, Any]:
        return {
            "partition": self.partition, "offset": self.offset,
            "key": _text(self.key), "value_bytes": len(self.value or b""),
            "headers": {k: self.dlq.get(k, "") for k in HEADERS},
        }


@dataclass(frozen=True)
class Replayed:
    dlq: str
    group: str
    messages: tuple[DeadLetter, ...]
    dry_run: bool


def dlq_name(topic: str) -> str:
    """``chat.events`` and ``chat.events.dlq`` both name the DLQ ``chat.events.dlq``."""
    return topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX


def inspect(conn: Connection, topic: str) -> list[DeadLetter]:
    """Every message in the DLQ of ``topic``, in partition and offset order."""
    name = dlq_name(topic)
    consumer = Consumer({**conn.kafka_config(), "group.id": "kafkactl-dlq-inspect", "enable.auto.commit": False},
                        logger=LIBRDKAFKA_LOG)
    try:
        ends = _ends(consumer, name, committed=False)
        return list(_read(consumer, name, ends))
    finally:
        consumer.close()


def replay(conn: Connection, topic: str, dry_run: bool = False) -> Replayed:
    """Re-publish what the replay group has not consumed yet to each message's original topic."""
    name = dlq_name(topic)
    group = REPLAY_GROUP_PREFIX + name
    consumer = Consumer({**conn.kafka_config(), "group.id": group, "enable.auto.commit": False,
                         "isolation.level": "read_committed"}, logger=LIBRDKAFKA_LOG)
    try:
        ends = _ends(consumer, name, committed=True)
        letters = list(_read(consumer, name, ends))
        if letters and not dry_run:
            _publish(conn, consumer, name, letters, ends)
    finally:
        consumer.close()
    return Replayed(name, group, tuple(letters), dry_run)


def _publish(conn: Connection, consumer: Consumer, name: str, letters: list[DeadLetter],
             ends: dict[int, tuple[int, int]]) -> None:
    for letter in letters:
        if not letter.origin:
            raise KafkactlError(f"{name}[{letter.partition}]@{letter.offset} has no kafkactl.dlq.topic header",
                                hint="only messages moved by kafkactl.clients can be replayed")
    try:
        producer = Producer({**conn.kafka_config(), **RELIABLE, **REPLAY_TIMEOUTS,
                             "transactional.id": f"kafkactl-dlq-replay.{name}"}, logger=LIBRDKAFKA_LOG)
        producer.init_transactions(conn.timeout_s * 3)
        producer.begin_transaction()
        for letter in letters:
            original: list[tuple[str, str | bytes | None]] = [
                (k, v) for k, v in letter.headers if not k.startswith(PREFIX)]
            producer.produce(letter.origin, letter.value, letter.key, headers=list(original))
        offsets = [TopicPartition(name, p, end) for p, (_start, end) in ends.items()]
        producer.send_offsets_to_transaction(offsets, consumer.consumer_group_metadata(), conn.timeout_s * 3)
        producer.commit_transaction(conn.timeout_s * 6)
    except KafkaException as e:
        raise ClusterError(f"replay of {name} failed, nothing was replayed: {e}",
                           hint="run the replay again; it resumes from the last committed replay") from None


def _ends(consumer: Consumer, name: str, committed: bool) -> dict[int, tuple[int, int]]:
    """partition -> (first offset to read, end offset) as of now; only partitions with something to read."""
    try:
        md = consumer.list_topics(name, timeout=READ_TIMEOUT_S)
    except KafkaException as e:
        raise ClusterError(f"cannot read {name}: {e}") from None
    topic = md.topics.get(name)
    if topic is None or topic.error is not None or not topic.partitions:
        raise KafkactlError(f"topic {name} does not exist", hint="a DLQ companion is declared with 'dlq: true'")
    parts = [TopicPartition(name, p) for p in sorted(topic.partitions)]
    starts = consumer.committed(parts, timeout=READ_TIMEOUT_S) if committed else parts
    out: dict[int, tuple[int, int]] = {}
    for tp in starts:
        low, high = consumer.get_watermark_offsets(TopicPartition(name, tp.partition), timeout=READ_TIMEOUT_S)
        start = max(tp.offset, low) if tp.offset >= 0 else low
        if start < high:
            out[tp.partition] = (start, high)
    return out


def _read(consumer: Consumer, name: str, ends: dict[int, tuple[int, int]]) -> Iterator[DeadLetter]:
    """The messages of each partition from its start to its end (transaction markers leave gaps)."""
    todo = dict(ends)
    if todo:
        consumer.assign([TopicPartition(name, p, start) for p, (start, _end) in todo.items()])
    deadline = time.monotonic() + READ_TIMEOUT_S
    while todo:
        if time.monotonic() > deadline:
            raise ClusterError(f"timed out reading {name}: partitions {sorted(todo)} did not reach their end")
        msg = consumer.poll(0.5)
        if msg is None or msg.error() is not None:
            _drop_finished(consumer, name, todo)
            continue
        p, offset = msg.partition() or 0, msg.offset() or 0
        if p in todo and offset < todo[p][1]:
            yield _letter(msg)
        if p in todo and offset + 1 >= todo[p][1]:
            del todo[p]


def _drop_finished(consumer: Consumer, name: str, todo: dict[int, tuple[int, int]]) -> None:
    """A partition whose position reached its end is done, even when its last offsets are markers."""
    for tp in consumer.position([TopicPartition(name, p) for p in todo]):
        if tp.offset >= todo[tp.partition][1]:
            del todo[tp.partition]


def message_headers(msg: Message) -> tuple[tuple[str, bytes], ...]:
    """A message's headers as (name, bytes) pairs (a header without a value is empty)."""
    raw = msg.headers() or ()
    pairs = raw.items() if isinstance(raw, dict) else raw
    return tuple((k, v.encode() if isinstance(v, str) else (v or b"")) for k, v in pairs)


def _letter(msg: Message) -> DeadLetter:
    headers = message_headers(msg)
    dlq = {k[len(PREFIX):]: v.decode("utf-8", "replace") for k, v in headers if k.startswith(PREFIX)}
    return DeadLetter(msg.partition() or 0, msg.offset() or 0, msg.key(), msg.value(), dlq, headers)


def _text(data: bytes | None) -> str | None:
    if data is None:
        return None
    return data.decode("utf-8", "replace")
