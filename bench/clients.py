"""kafkactl.clients vs confluent-kafka's raw loop: probe throughput and p99 latency at 1 KiB messages.

Usage (``make bench`` runs it with the defaults):
    python bench/clients.py [--messages 20000] [--size 1024] [--reps 3] [--partitions 6] [--json-out FILE]

Each round runs the same probe twice, alternately: through ``kafkactl.clients`` (``verify``'s
delivery probe: the library's Producer and ConsumerLoop) and through a raw confluent-kafka loop
with the same settings (the library's producer config, a consumer storing each offset after the
message is handled, the same keys, warm-up round and value layout). Each variant gets a fresh
probe topic (``kafkactl-probe-bench-*``, RF 3, min.insync.replicas 2) that is deleted afterwards.
It prints medians and the ratios raw/library (throughput) and library/raw (p99): the library
should cost under 1.2x the raw loop. On a shared 2-core machine the brokers' load moves both
figures from round to round, so it also measures what the library itself adds: the process
CPU time per message of producing and of consuming a pre-filled topic, library vs raw.
A measurement, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from confluent_kafka import Consumer, KafkaError, Message, Producer  # noqa: E402

from kafkactl.admin import Admin  # noqa: E402
from kafkactl.clients import ConsumerLoop, Record  # noqa: E402
from kafkactl.clients import Producer as ClientsProducer  # noqa: E402
from kafkactl.clients.binding import raw as raw_binding  # noqa: E402
from kafkactl.clients.consumer import consumer_config  # noqa: E402
from kafkactl.clients.producer import producer_config  # noqa: E402
from kafkactl.connection import Connection, resolve  # noqa: E402
from kafkactl.verify import probe  # noqa: E402


class RawRecord(NamedTuple):
    key: bytes
    value: bytes


def raw_probe(conn: Connection, topic: str, partitions: int, messages: int, size: int) -> probe.DeliveryResult:
    """``probe.delivery_probe`` with confluent-kafka's Producer and Consumer used directly."""
    tally = probe._Tally(warm_count=probe._warm_up(messages, partitions))
    sent: dict[tuple[bytes, int], None] = {}
    assigned = threading.Event()
    consumer = Consumer(consumer_config(conn, f"kafkactl-probe-{uuid.uuid4().hex[:8]}", probe.FAST_LATENCY))
    consumer.subscribe([topic], on_assign=lambda _c, _p: assigned.set())
    sender = threading.Thread(target=_raw_produce, args=(conn, topic, partitions, messages, size, tally, sent,
                                                          assigned), daemon=True)
    sender.start()
    deadline = time.monotonic() + probe.JOIN_TIMEOUT_S + probe.DRAIN_TIMEOUT_S + messages / 1000
    while not (tally.done_sending.is_set() and len(tally.seen) >= len(sent)) and time.monotonic() < deadline:
        msg = consumer.poll(0.2)
        if msg is None or msg.error() is not None:
            continue
        tally.on_record(RawRecord(msg.key() or b"", msg.value() or b""))  # type: ignore[arg-type]
        consumer.store_offsets(message=msg)
    consumer.close()
    sender.join()
    return probe._result(tally, sent, messages, partitions, None)


def _raw_produce(conn: Connection, topic: str, partitions: int, messages: int, size: int, tally: probe._Tally,
                 sent: dict[tuple[bytes, int], None], assigned: threading.Event) -> None:
    assigned.wait(probe.JOIN_TIMEOUT_S)
    keys = [f"probe-{i}".encode() for i in range(max(1, min(messages, partitions * probe.KEYS_PER_PARTITION)))]
    warm_up = probe._warm_up(messages, partitions)
    seqs = dict.fromkeys(keys, 0)
    padding = b"p" * max(0, size - probe.HEADER.size)
    producer = Producer(producer_config(conn))

    def report(err: KafkaError | None, msg: Message) -> None:
        if err is None:
            tally.partitions.add(msg.partition() or 0)
        else:
            tally.failed.append(err.str())

    for i in range(messages):
        if i == warm_up:
            producer.flush()
            tally.warm.wait(probe.JOIN_TIMEOUT_S)
            tally.started_ns = time.time_ns()
        key = keys[i % len(keys)]
        seq = seqs[key]
        seqs[key] = seq + 1
        sent[(key, seq)] = None
        value = probe.HEADER.pack(seq, time.time_ns(), i >= warm_up) + padding
        while True:
            try:
                producer.produce(topic, value, key, on_delivery=report)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    producer.flush()
    tally.done_sending.set()


def cpu_per_message(conn: Connection, admin: Admin, variant: str, messages: int, size: int) -> dict[str, float]:
    """Process CPU microseconds per message: produce (until queued) and consume (handled and stored)."""
    topic = f"kafkactl-probe-bench-{uuid.uuid4().hex[:8]}"
    admin.create_topics([(topic, 6, 3, {"min.insync.replicas": "2"})])
    admin.await_metadata({topic: 6})
    value = b"x" * size
    keys = [f"k{i % 96}".encode() for i in range(messages)]
    seen = [0]
    try:
        began = time.process_time()
        if variant == "raw":
            producer = Producer(producer_config(conn))
            for key in keys:
                producer.produce(topic, value, key, on_delivery=lambda _e, _m: None)
                producer.poll(0)
            queued = time.process_time()
            producer.flush()
        else:
            with ClientsProducer(raw_binding(topic), conn) as lib:
                for key in keys:
                    lib.send(key, value, on_delivery=lambda _d: None)
                queued = time.process_time()
        produce_us = (queued - began) / messages * 1e6
        began = time.process_time()
        group = f"kafkactl-probe-{uuid.uuid4().hex[:8]}"
        if variant == "raw":
            consumer = Consumer(consumer_config(conn, group))
            consumer.subscribe([topic])
            while seen[0] < messages:
                msg = consumer.poll(0.2)
                if msg is not None and msg.error() is None:
                    seen[0] += 1
                    consumer.store_offsets(message=msg)
            consumer.close()
        else:
            def count(_r: Record) -> None:
                seen[0] += 1

            ConsumerLoop(raw_binding(topic), group, count, conn).run(until=lambda: seen[0] >= messages)
        consume_us = (time.process_time() - began) / messages * 1e6
    finally:
        admin.delete_topics([topic])
    return {"produce_us": produce_us, "consume_us": consume_us}


def one(conn: Connection, admin: Admin, variant: str, args: argparse.Namespace) -> dict[str, Any]:
    topic = f"kafkactl-probe-bench-{uuid.uuid4().hex[:8]}"
    admin.create_topics([(topic, args.partitions, 3, {"min.insync.replicas": "2"})])
    admin.await_metadata({topic: args.partitions})
    try:
        run = probe.delivery_probe if variant == "library" else raw_probe
        r = run(conn, topic, args.partitions, args.messages, args.size)
    finally:
        admin.delete_topics([topic])
    print(f"  {variant:<8} {r.throughput:>9,.0f} msg/s  p50 {r.p50_ms:7.1f} ms  p99 {r.p99_ms:7.1f} ms  "
          f"lost {r.lost} dup {r.duplicated} ooo {r.out_of_order}", file=sys.stderr)
    return {"throughput": r.throughput, "p50_ms": r.p50_ms, "p99_ms": r.p99_ms, "ok": r.ok}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=20_000, help="messages per probe (half untimed warm-up at most)")
    p.add_argument("--size", type=int, default=1024, help="bytes per message value")
    p.add_argument("--partitions", type=int, default=6)
    p.add_argument("--reps", type=int, default=3, help="rounds; each runs both variants, alternately")
    p.add_argument("--json-out", type=Path, default=None)
    args = p.parse_args(argv)
    conn = resolve()
    admin = Admin(conn)
    runs: dict[str, list[dict[str, Any]]] = {"library": [], "raw": []}
    for rep in range(args.reps):
        print(f"round {rep + 1}/{args.reps}", file=sys.stderr)
        order = ("library", "raw") if rep % 2 == 0 else ("raw", "library")
        for variant in order:
            runs[variant].append(one(conn, admin, variant, args))
    med = {v: {k: statistics.median(r[k] for r in rs) for k in ("throughput", "p50_ms", "p99_ms")}
           for v, rs in runs.items()}
    cost = med["raw"]["throughput"] / med["library"]["throughput"]
    p99 = med["library"]["p99_ms"] / med["raw"]["p99_ms"]
    print(f"{args.messages} messages of {args.size} B, {args.partitions} partitions, RF 3, "
          f"median of {args.reps}:")
    for v in ("library", "raw"):
        m = med[v]
        print(f"  {v:<8} {m['throughput']:>9,.0f} msg/s  p50 {m['p50_ms']:7.1f} ms  p99 {m['p99_ms']:7.1f} ms")
    print(f"  throughput cost raw/library {cost:.2f}x (target < 1.2x: {'met' if cost < 1.2 else 'missed'}); "
          f"p99 library/raw {p99:.2f}x; all probes clean: {all(r['ok'] for rs in runs.values() for r in rs)}")
    cpu: dict[str, list[dict[str, float]]] = {"library": [], "raw": []}
    for rep in range(args.reps):
        for variant in (("library", "raw") if rep % 2 == 0 else ("raw", "library")):
            cpu[variant].append(cpu_per_message(conn, admin, variant, args.messages, args.size))
    cpu_med = {v: {k: statistics.median(r[k] for r in rs) for k in ("produce_us", "consume_us")}
               for v, rs in cpu.items()}
    print("  process CPU per message (median): produce library {:.1f} us vs raw {:.1f} us; consume library "
          "{:.1f} us vs raw {:.1f} us".format(cpu_med["library"]["produce_us"], cpu_med["raw"]["produce_us"],
                                              cpu_med["library"]["consume_us"], cpu_med["raw"]["consume_us"]))
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps({"runs": runs, "median": med, "throughput_cost": cost, "p99_ratio": p99,
                                             "cpu": cpu, "cpu_median": cpu_med}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
