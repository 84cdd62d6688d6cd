"""Raw confluent-kafka calls: the floors kafkactl is measured against, the per-topic baselines, and set-up.

Rules:
- A floor does the same work as kafkactl with nothing on top: one metadata call and
  chunked describes (all chunks in flight) for a read; chunked creates or alters (all
  in flight, every future awaited) for a write; a create also waits until metadata
  shows every new partition with a leader, as ``kafkactl apply`` does.
- Every timed read builds its own client, as a ``kafkactl`` process does.
- The baselines (B_seq, B_par10) ask per topic, the way the Terraform provider and
  JulieOps do: a one-topic metadata request, then a one-topic DescribeConfigs.
- librdkafka's own log lines are swallowed: the cluster is shared and restarts.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewTopic,
    ResourceType,
)

from kafkactl.admin import CONFIRMATIONS, chunked, confirmation_sample
from kafkactl.connection import resolve

CHUNK = 1000  # resources per request, as kafkactl.admin chunks them
TIMEOUT_S = 60.0
SETTLE_TIMEOUT_S = 900.0  # brokers took over 5 minutes to show 10k new RF 3 topics on the 2-core machine
FD_LIMIT_MARGIN = 2500  # open files kept free on each broker for sockets, segments and other sessions
# Measured here: 10k RF 3 topics (10k replicas per broker) held ~600 MiB of old generation against
# ~150 MiB without them, ~45 KiB a replica; with a 1 GiB heap, one set fits and two ran brokers out of memory.
HEAP_PER_REPLICA_KIB = 50
HEAP_SHARE = 0.75


class _Quiet:
    def log(self, *args: Any, **kwargs: Any) -> None:
        return None


def client(bootstrap: str | None = None) -> AdminClient:
    conf: dict[str, Any] = dict(resolve().kafka_config())
    conf["log_level"] = 0
    if bootstrap:
        conf["bootstrap.servers"] = bootstrap
    return AdminClient(conf, logger=_Quiet())


def _await(futures: Sequence[Future[Any]], what: str, ignore: str | None = None) -> None:
    failed = []
    for f in futures:
        try:
            f.result(timeout=TIMEOUT_S * 3)
        except Exception as e:  # every failure is collected, the first few reported
            if ignore is None or ignore not in str(e):
                failed.append(str(e))
    if failed:
        raise RuntimeError(f"{what}: {len(failed)} failed, e.g. {failed[:3]}")


def read_floor(names: Sequence[str]) -> None:
    """One metadata call for all topics, chunked DescribeConfigs for ``names``, and one broker's configs."""
    admin = client()
    md = admin.list_topics(timeout=TIMEOUT_S)
    futures: list[Future[Any]] = []
    for chunk in chunked(names, CHUNK):
        futures += admin.describe_configs([ConfigResource(ResourceType.TOPIC, n) for n in chunk],
                                          request_timeout=TIMEOUT_S).values()
    broker = ConfigResource(ResourceType.BROKER, str(min(md.brokers)))
    futures += admin.describe_configs([broker], request_timeout=TIMEOUT_S).values()
    _await(futures, "describe_configs")


def _one_topic(admin: AdminClient, name: str) -> None:
    md = admin.list_topics(topic=name, timeout=TIMEOUT_S)
    if name not in md.topics:
        raise RuntimeError(f"metadata lacks {name}")
    res = ConfigResource(ResourceType.TOPIC, name)
    admin.describe_configs([res], request_timeout=TIMEOUT_S)[res].result(timeout=TIMEOUT_S)


def per_topic_reads(names: Sequence[str], workers: int = 1) -> None:
    """B_seq (workers=1) and B_parN: per topic a one-topic metadata request, then its DescribeConfigs."""
    admin = client()
    if workers == 1:
        for n in names:
            _one_topic(admin, n)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda n: _one_topic(admin, n), names))


def create_floor(names: Sequence[str], rf: int, configs: Mapping[str, str], exist_ok: bool = False) -> None:
    admin = client()
    futures: list[Future[Any]] = []
    for chunk in chunked(names, CHUNK):
        new = [NewTopic(n, num_partitions=1, replication_factor=rf, config=dict(configs)) for n in chunk]
        futures += admin.create_topics(new, operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S).values()
    _await(futures, "create_topics", "TOPIC_ALREADY_EXISTS" if exist_ok else None)
    await_metadata(admin, names, present=True)


def alter_floor(names: Sequence[str], key: str, value: str) -> None:
    admin = client()
    futures: list[Future[Any]] = []
    for chunk in chunked(names, CHUNK):
        resources = [
            ConfigResource(ResourceType.TOPIC, n, incremental_configs=[
                ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)])
            for n in chunk
        ]
        futures += admin.incremental_alter_configs(resources, request_timeout=TIMEOUT_S).values()
    _await(futures, "incremental_alter_configs")


def configs_shown(names: Sequence[str], key: str, value: str) -> None:
    """Wait until ``CONFIRMATIONS`` describes in a row, each by a fresh client (so any broker may
    answer), show ``key=value`` on kafkactl's confirmation sample: its own rule
    (``Admin.await_configs``), but with no deadline short of ``SETTLE_TIMEOUT_S``."""
    resources = [ConfigResource(ResourceType.TOPIC, n) for n in confirmation_sample(names)]
    deadline, streak = time.monotonic() + SETTLE_TIMEOUT_S, 0
    while streak < CONFIRMATIONS:
        got = client().describe_configs(resources, request_timeout=TIMEOUT_S)
        late = [r.name for r, f in got.items() if f.result(TIMEOUT_S)[key].value != value]
        streak = 0 if late else streak + 1
        if late:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(late)} topics still do not show {key}={value}")
            time.sleep(0.2)


def delete_topics(names: Sequence[str]) -> None:
    """Delete (chunked) and wait until metadata no longer shows them. Untimed set-up."""
    if not names:
        return
    admin = client()
    futures: list[Future[Any]] = []
    for chunk in chunked(names, CHUNK):
        futures += admin.delete_topics(list(chunk), operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S).values()
    _await(futures, "delete_topics", "UNKNOWN_TOPIC")
    settled(names, present=False)


def settled(names: Sequence[str], present: bool) -> None:
    """Wait until every broker's metadata agrees (untimed set-up): a broker applies the controller's
    records late, by tens of seconds while it deletes thousands of logs, and a kafkactl plan may ask any.

    librdkafka picks the broker that answers, so fresh clients poll until each broker id has
    answered (``orig_broker_id``) with the expected view.
    """
    want = set(client().list_topics(timeout=TIMEOUT_S).brokers)
    good: set[int] = set()
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    todo = set(names)
    while not want <= good:
        md = client().list_topics(timeout=TIMEOUT_S)
        if _late(md.topics, todo, present):
            good.discard(md.orig_broker_id)
            if time.monotonic() > deadline:
                raise RuntimeError(f"broker {md.orig_broker_id} still shows topics {'missing' if present else 'present'}")
            time.sleep(0.2)
        else:
            good.add(md.orig_broker_id)


def _late(topics: Mapping[str, Any], names: set[str], present: bool) -> set[str]:
    if present:
        return {n for n in names if n not in topics or any(p.leader < 0 for p in topics[n].partitions.values())}
    return {n for n in names if n in topics}


def topics_with_prefix(prefix: str) -> list[str]:
    return sorted(n for n in client().list_topics(timeout=TIMEOUT_S).topics if n.startswith(prefix))


def await_metadata(admin: AdminClient, names: Sequence[str], present: bool) -> None:
    """Poll metadata (short, growing backoff) until every topic is there with leaders, or gone."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    delay = 0.02
    todo = set(names)
    while todo:
        todo = _late(admin.list_topics(timeout=TIMEOUT_S).topics, todo, present)
        if not todo:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"metadata still shows {len(todo)} topics {'missing' if present else 'present'}")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


# --- the local brokers' open files --------------------------------------------------------------


def broker_pids() -> list[int]:
    """The local cluster's broker pids; [] when the cluster is not ours (then the guard can't look)."""
    if os.environ.get("KAFKACTL_BOOTSTRAP_SERVERS"):
        return []
    from kafkactl.local import cluster as local
    from kafkactl.local.layout import NODES, Layout

    names = {n.name for n in NODES}
    return [r.pid for r in local.status(Layout.default()) if r.name in names and r.pid]


def open_files(pid: int) -> tuple[int, int]:
    """(open files, limit) of one process."""
    used = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/limits", encoding="ascii") as fh:
        line = next(ln for ln in fh if ln.startswith("Max open files"))
    return used, int(line.split()[3])


def files_open() -> int:
    """The most files any local broker has open (0 when the cluster is not ours)."""
    return max((open_files(p)[0] for p in broker_pids()), default=0)


def quiesce(baseline: int, say: Any, slack: int = 300, timeout_s: float = 240.0) -> None:
    """Wait until the brokers have closed the files of deleted logs (back near ``baseline`` open files).

    A broker removes a deleted topic's logs a minute later (``log.segment.delete.delay.ms``),
    in the background: a create timed while it does so took 7 s or 65 s for the same 10k topics.
    """
    deadline = time.monotonic() + timeout_s
    while (now := files_open()) > baseline + slack and time.monotonic() < deadline:
        say(f"waiting for the brokers to remove deleted logs ({now} files open, {baseline} before)")
        time.sleep(10)


def heap_mib() -> list[tuple[float, float]]:
    """(Old Gen live after the last collection, heap max) in MiB per local broker, from its metrics endpoint."""
    from kafkactl.local.layout import NODES

    out = []
    for node in NODES:
        try:
            text = httpx.get(node.metrics_url, timeout=10).text
        except httpx.HTTPError:
            continue
        # live after the last collection; before the first one, what is there now (garbage included)
        live = _metric(text, 'jvm_memory_pool_collection_used_bytes{pool="G1 Old Gen"}') or _metric(
            text, 'jvm_memory_pool_used_bytes{pool="G1 Old Gen"}')
        top = _metric(text, 'jvm_memory_max_bytes{area="heap"}')
        if live is not None and top:
            out.append((live / 2**20, top / 2**20))
    return out


def _metric(text: str, series: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return None


def wait_for_room(replicas_per_broker: int, say: Any, timeout_s: float = 600.0) -> None:
    """Block until every broker can take ``replicas_per_broker`` more partition replicas: open files and heap.

    - A deleted topic's log files stay open until the broker removes them (60 s later by
      default, ``log.segment.delete.delay.ms``): 10k topics created right after 10k were
      deleted would push a broker past its 20,000-file limit, and it would stop.
    - A replica costs a broker about ``HEAP_PER_REPLICA_KIB`` of live heap; a create that
      would take the live old generation past ``HEAP_SHARE`` of the heap waits (other runs
      may be deleting), then gives up, instead of running a shared broker out of memory.
    """
    if not broker_pids():
        return
    deadline = time.monotonic() + timeout_s
    collected = False
    while True:
        problem = _no_room(replicas_per_broker)
        if problem is None:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"no room for {replicas_per_broker} more replicas per broker: {problem}")
        if "heap" in problem and not collected:
            # The gauge is the old generation after its last collection, and G1 collects it only
            # under pressure: after 10k topics were deleted it kept saying 331 MiB for ten minutes
            # (a full collection showed 175-290 MiB). Ask our own brokers for one collection.
            collect_garbage(say)
            collected = True
            continue
        say(f"waiting before creating topics: {problem}")
        time.sleep(10)


def collect_garbage(say: Any) -> None:
    """``jcmd PID GC.run`` on each local broker, with the jcmd of the JDK that runs it."""
    for pid in broker_pids():
        jcmd = Path(os.readlink(f"/proc/{pid}/exe")).with_name("jcmd")
        if jcmd.exists():
            subprocess.run([str(jcmd), str(pid), "GC.run"], capture_output=True, timeout=60, check=False)
    say("asked the local brokers for a full garbage collection (their heap gauge lags)")


def _no_room(replicas: int) -> str | None:
    used, limit = max((open_files(p) for p in broker_pids()), key=lambda u: u[0] - u[1])
    if limit - used - FD_LIMIT_MARGIN < replicas:
        return f"a broker has {used} of {limit} files open"
    for live, top in heap_mib():
        need = live + replicas * HEAP_PER_REPLICA_KIB / 1024
        if need > HEAP_SHARE * top:
            return f"a broker holds {live:.0f} MiB of its {top:.0f} MiB heap; {replicas} replicas would need {need:.0f}"
    return None


DELETE_DELAY_KEY = "log.segment.delete.delay.ms"


@contextmanager
def fast_log_deletion(say: Any, delay_ms: int = 1000) -> Iterator[None]:
    """Tune the local cluster for the run: brokers remove a deleted topic's files after 1 s, not 60 s.

    Every create round starts from the same state (deleted logs gone, files closed); with the default
    delay that wait cost a minute per round. A cluster-wide dynamic config, set only on the local
    cluster (not an external one) and removed again at the end.
    """
    if not broker_pids():
        yield
        return
    from kafkactl.admin import Admin

    admin = Admin(resolve())
    say(f"local cluster: {DELETE_DELAY_KEY}={delay_ms} for the run")
    admin.alter_cluster_configs({DELETE_DELAY_KEY: str(delay_ms)})
    try:
        yield
    finally:
        admin.alter_cluster_configs({DELETE_DELAY_KEY: None})
        say(f"local cluster: {DELETE_DELAY_KEY} back to its default")
