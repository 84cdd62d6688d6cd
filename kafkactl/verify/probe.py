"""The end-to-end probes of ``verify``: delivery (loss, duplicates, order, latency) and the DLQ path.

Rules:
- Probes write only to the probe topics they are given (``kafkactl-probe-*``), through
  ``kafkactl.clients``, and read them back in a fresh group that joined before the first send.
- Delivery: M keyed messages over enough keys that every partition (so every
  partition leader) is written; each value carries its key's sequence number and its
  send time, so the reader counts lost, duplicated and out-of-order (per key)
  messages and the end-to-end latency. Every count must be 0 and every partition written.
- DLQ path: a short run on one key with a poison message in the middle: it must be
  the one message in the probe's DLQ, with the ``kafkactl.dlq.*`` headers naming where it
  came from, and the messages after it must still be handled, in order.
"""

from __future__ import annotations

import struct
import threading
import time
import uuid
from dataclasses import dataclass, field

from kafkactl.clients import ConsumerLoop, Delivery, Producer, Record, Retry, inspect
from kafkactl.clients.binding import raw
from kafkactl.connection import Connection

HEADER = struct.Struct(">QQB")  # sequence number per key, send time (ns since the epoch), 1 if timed
KEYS_PER_PARTITION = 16  # with 16 random keys per partition, a partition is left out with p ~ e^-16
JOIN_TIMEOUT_S = 30.0
DRAIN_TIMEOUT_S = 30.0  # after the last delivery, how long the reader may take to see every message
POISON_KEY = b"kafkactl-dlq-probe"
POISON = b"kafkactl-poison"
POISON_RUN = 10
FAST_LATENCY: dict[str, object] = {"fetch.wait.max.ms": 10}


class ProbePoison(Exception):
    """Raised by the DLQ probe's handler for its poison message."""


@dataclass(frozen=True)
class DeliveryResult:
    sent: int
    delivered: int
    consumed: int
    lost: int
    duplicated: int
    out_of_order: int
    partitions: int
    partitions_written: int
    p50_ms: float
    p99_ms: float
    throughput: float  # messages per second, first send to last receive
    error: str | None = None

    @property
    def ok(self) -> bool:
        return (self.error is None and self.delivered == self.sent and
                self.lost == self.duplicated == self.out_of_order == 0 and self.partitions_written == self.partitions)


@dataclass
class _Tally:
    partitions: set[int] = field(default_factory=set)
    seen: set[tuple[bytes, int]] = field(default_factory=set)
    last: dict[bytes, int] = field(default_factory=dict)
    latencies_ns: list[int] = field(default_factory=list)
    duplicated: int = 0
    out_of_order: int = 0
    failed: list[str] = field(default_factory=list)
    done_sending: threading.Event = field(default_factory=threading.Event)
    warm: threading.Event = field(default_factory=threading.Event)  # the reader saw the warm-up round
    warm_count: int = 0
    started_ns: int = 0
    last_receive_ns: int = 0

    def on_delivery(self, d: Delivery) -> None:
        if d.ok:
            self.partitions.add(d.partition)
        elif d.error:
            self.failed.append(d.error)

    def on_record(self, r: Record) -> None:
        now = time.time_ns()
        seq, sent, timed = HEADER.unpack_from(r.value)
        item = (r.key, seq)
        if item in self.seen:
            self.duplicated += 1
            return
        self.seen.add(item)
        if len(self.seen) >= self.warm_count:
            self.warm.set()
        if seq < self.last.get(r.key, -1):
            self.out_of_order += 1
        self.last[r.key] = max(seq, self.last.get(r.key, -1))
        if timed:
            self.latencies_ns.append(now - sent)
            self.last_receive_ns = now


def delivery_probe(conn: Connection, topic: str, partitions: int, messages: int, size: int = 256) -> DeliveryResult:
    """Produce ``messages`` keyed messages of ``size`` bytes to ``topic`` while a fresh group reads them back."""
    tally = _Tally()
    sent_keys: dict[tuple[bytes, int], None] = {}
    loop = ConsumerLoop(raw(topic), f"kafkactl-probe-{uuid.uuid4().hex[:8]}", tally.on_record, conn,
                        retry=Retry(attempts=1), config=FAST_LATENCY)
    tally.warm_count = _warm_up(messages, partitions)
    def produce() -> None:
        try:
            if not loop.assigned.wait(JOIN_TIMEOUT_S):
                tally.failed.append("the probe consumer got no partitions")
                return
            _produce(conn, topic, partitions, messages, size, tally, sent_keys)
        except Exception as e:  # reported as the probe's result, not lost in a thread
            tally.failed.append(f"{type(e).__name__}: {e}")
        finally:
            tally.done_sending.set()

    sender = threading.Thread(target=produce, name="kafkactl-probe-producer", daemon=True)
    sender.start()
    deadline = [time.monotonic() + JOIN_TIMEOUT_S + DRAIN_TIMEOUT_S + messages / 1000]

    def finished() -> bool:
        return (tally.done_sending.is_set() and len(tally.seen) >= len(sent_keys)) or time.monotonic() > deadline[0]

    error: str | None = None
    try:
        loop.run(until=finished, idle_timeout_s=DRAIN_TIMEOUT_S)
    except Exception as e:  # the probe reports what went wrong as its result
        error = f"{type(e).__name__}: {e}"
    sender.join(timeout=DRAIN_TIMEOUT_S)
    return _result(tally, sent_keys, messages, partitions, error)


def _produce(conn: Connection, topic: str, partitions: int, messages: int, size: int, tally: _Tally,
             sent: dict[tuple[bytes, int], None]) -> None:
    """A warm-up round (untimed, awaited by the reader), then the timed messages.

    The warm-up lets the reader's first fetches (offset lookups, connections to every
    leader) happen before the clock runs, so latency is the steady-state end-to-end figure."""
    keys = [f"probe-{i}".encode() for i in range(max(1, min(messages, partitions * KEYS_PER_PARTITION)))]
    warm_up = _warm_up(messages, partitions)
    seqs = dict.fromkeys(keys, 0)
    padding = b"p" * max(0, size - HEADER.size)
    with Producer(raw(topic), conn) as producer:
        for i in range(messages):
            if i == warm_up:
                producer.flush()
                tally.warm.wait(JOIN_TIMEOUT_S)
                tally.started_ns = time.time_ns()
            key = keys[i % len(keys)]
            seq = seqs[key]
            seqs[key] = seq + 1
            sent[(key, seq)] = None
            producer.send(key, HEADER.pack(seq, time.time_ns(), i >= warm_up) + padding,
                          on_delivery=tally.on_delivery)


def _warm_up(messages: int, partitions: int) -> int:
    """Untimed messages first: one per key, at most half of them."""
    return max(1, min(messages // 2, partitions * KEYS_PER_PARTITION))


def _result(tally: _Tally, sent: dict[tuple[bytes, int], None], messages: int, partitions: int,
            error: str | None) -> DeliveryResult:
    lost = len([k for k in sent if k not in tally.seen])
    lat = sorted(tally.latencies_ns)
    span_s = max((tally.last_receive_ns - tally.started_ns) / 1e9, 1e-9) if tally.last_receive_ns else 0.0
    if tally.failed and error is None:
        error = f"{len(tally.failed)} message(s) not delivered: {tally.failed[0]}"
    return DeliveryResult(
        sent=messages, delivered=messages - len(tally.failed), consumed=len(tally.seen), lost=lost,
        duplicated=tally.duplicated, out_of_order=tally.out_of_order, partitions=partitions,
        partitions_written=len(tally.partitions), p50_ms=_pct(lat, 0.50), p99_ms=_pct(lat, 0.99),
        throughput=len(lat) / span_s if span_s else 0.0, error=error,
    )


def _pct(sorted_ns: list[int], q: float) -> float:
    if not sorted_ns:
        return 0.0
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1e6


@dataclass(frozen=True)
class DlqResult:
    ok: bool
    detail: str


def dlq_probe(conn: Connection, topic: str, dlq: str, attempts: int = 3) -> DlqResult:
    """A poison message among ``POISON_RUN`` on one key: one dead letter with correct headers, the rest in order."""
    poison_at: list[Delivery] = []
    with Producer(raw(topic), conn) as producer:
        for i in range(POISON_RUN):
            value = POISON if i == POISON_RUN // 2 else HEADER.pack(i, time.time_ns(), 0)
            producer.send(POISON_KEY, value, on_delivery=poison_at.append if value == POISON else None)
    handled: list[int] = []

    def handler(r: Record) -> None:
        if r.key != POISON_KEY:
            return  # the delivery probe's messages
        if r.value == POISON:
            raise ProbePoison("the probe's poison message")
        handled.append(HEADER.unpack_from(r.value)[0])

    loop = ConsumerLoop(raw(topic, dlq), f"kafkactl-probe-{uuid.uuid4().hex[:8]}", handler, conn,
                        retry=Retry(attempts=attempts, backoff_s=0.01, max_backoff_s=0.05), config=FAST_LATENCY)
    stats = loop.run(until=lambda: len(handled) >= POISON_RUN - 1, idle_timeout_s=DRAIN_TIMEOUT_S)
    expected = [i for i in range(POISON_RUN) if i != POISON_RUN // 2]
    if handled != expected:
        return DlqResult(False, f"handled {handled}, expected {expected} in order")
    return _check_letters(conn, dlq, topic, poison_at[0], attempts, stats.dead_lettered)


def _check_letters(conn: Connection, dlq: str, topic: str, poison: Delivery, attempts: int, moved: int) -> DlqResult:
    letters = inspect(conn, dlq)
    if moved != 1 or len(letters) != 1:
        return DlqResult(False, f"{len(letters)} message(s) in {dlq} ({moved} moved), expected 1")
    headers = letters[0].dlq
    want = {"topic": topic, "partition": str(poison.partition), "offset": str(poison.offset),
            "error.type": ProbePoison.__name__, "attempts": str(attempts)}
    wrong = {k: headers.get(k) for k, v in want.items() if headers.get(k) != v}
    if wrong or not headers.get("timestamp") or not headers.get("error.message") or letters[0].value != POISON:
        return DlqResult(False, f"dead letter headers differ: {wrong or headers}")
    return DlqResult(True, f"poison message in {dlq} after {attempts} attempts with kafkactl.dlq.* headers; "
                           f"{POISON_RUN - 1} others handled in order")
