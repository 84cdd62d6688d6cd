"""The only importer of confluent-kafka's AdminClient: batched, chunked calls with typed results.

Rules:
- Every call has an explicit timeout; nothing here sleeps a fixed time.
- Batches are chunked here (librdkafka never splits a batch): KRaft caps one
  operation at 10,000 metadata records, a CreateTopics request at 10,000 partitions.
- Each future in a batch can fail on its own: results are reported per resource
  as ``Outcome`` values, never as a first-failure exception.
- Kafka errors become ``ClusterError`` with a one-line summary; secrets from the
  client config never appear in any message.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

from confluent_kafka import KafkaError, KafkaException, TopicCollection
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ConfigSource,
    NewPartitions,
    NewTopic,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialUpsertion,
)

from kafkactl.connection import Connection
from kafkactl.errors import ClusterError
from kafkactl.model import Outcome
from kafkactl.replication import THROTTLE_RATES

T = TypeVar("T")
DESCRIBE_CHUNK = 1000  # topics per DescribeConfigs request (~3 KB each with synonyms; 100 MB response cap)
# DescribeConfigs requests in flight at once. confluent-kafka turns every answered entry (and its
# synonyms) into Python objects; a window keeps only this many chunks of them alive at a time,
# which bounds peak memory at any N.
DESCRIBE_WINDOW = 3
MAX_RECORDS_PER_OP = 9000  # KRaft's 10,000-record cap per operation, with headroom
MAX_PARTITIONS_PER_CREATE = 9000  # CreateTopics fails above 10,000 partitions in one request
# Topics per CreateTopics request. Each request becomes one metadata delta that every broker
# applies (creating its logs) before it shows the next; 3,000-topic deltas made 10,000 new
# topics visible in 55 s on the local cluster, 1,000-topic ones in 31 s.
MAX_TOPICS_PER_CREATE = 1000
ALTER_CHUNK = 1000
# Reads in a row that must show a change before apply returns: librdkafka sends each read to a
# random broker, so five make it unlikely that a lagging one was never asked.
CONFIRMATIONS = 5
SAMPLE_STRIDE = 50  # confirming reads after a write check every 50th topic and the last (see await_metadata)


@dataclass(frozen=True)
class ClusterInfo:
    cluster_id: str
    broker_ids: tuple[int, ...]
    racks: Mapping[int, str | None] = field(default_factory=lambda: MappingProxyType({}))  # id -> broker.rack


@dataclass(frozen=True)
class TopicMeta:
    name: str
    partitions: int
    replication_factor: int
    min_isr: int  # smallest in-sync replica count over its partitions
    replicas: tuple[tuple[int, ...], ...] = ()  # per partition, in partition order (during a reassignment: old + new)


class ConfigValue(NamedTuple):
    """One described config entry. A NamedTuple (immutable, like the frozen types): a 10k-topic
    read builds ~400k of these, and a frozen dataclass cost three times as much to construct."""

    value: str | None
    source: str  # ConfigSource name, e.g. "DYNAMIC_TOPIC_CONFIG"
    sensitive: bool
    read_only: bool


class TopicConfigs(NamedTuple):
    """What planning keeps of one described topic: its dynamic (topic-level) entries and which
    keys are sensitive. A topic answers with ~35 entries; keeping two facts instead of 35 values
    is what lets 10,000 topics be read in bounded time and memory."""

    dynamic: dict[str, str | None]  # DYNAMIC_TOPIC_CONFIG entries; a sensitive value is None
    sensitive: frozenset[str]


@dataclass(frozen=True)
class DescribedTopics:
    topics: dict[str, TopicConfigs]
    known_keys: frozenset[str]  # every config key the broker reports for a topic (from one answer)


# librdkafka reports a config's source as an int; an enum call per entry cost ~1 µs x 400k at 10k topics.
_SOURCE_NAMES = {s.value: s.name for s in ConfigSource}
# librdkafka reports the source as an int; the enum is accepted too, defensively.
_TOPIC_DYNAMIC_SOURCES = (ConfigSource.DYNAMIC_TOPIC_CONFIG.value, ConfigSource.DYNAMIC_TOPIC_CONFIG)


def _source_name(source: Any) -> str:
    return _SOURCE_NAMES.get(source) or ConfigSource(source).name


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _reason(exc: BaseException) -> str:
    """Kafka's own reason for a failed future, as one line."""
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        err: KafkaError = exc.args[0]
        return f"{err.name()}: {err.str()}".replace("\n", " ")
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")


def _code(exc: KafkaException) -> int | None:
    err = exc.args[0] if exc.args else None
    return err.code() if isinstance(err, KafkaError) else None


# librdkafka reports a refused login or TLS handshake only to the error callback and keeps
# retrying, so a request would just time out; these codes end the wait at once instead.
_LOGIN_ERRORS = frozenset({KafkaError._AUTHENTICATION, KafkaError._SSL, KafkaError.SASL_AUTHENTICATION_FAILED})


def _unreachable(conn: Connection, exc: BaseException) -> ClusterError:
    return ClusterError(
        f"cannot reach Kafka at {conn.bootstrap_servers}: {_reason(exc)}",
        hint="check --bootstrap-servers / KAFKACTL_BOOTSTRAP_SERVERS, the network and --client-config credentials "
        "(start a local cluster with 'kafkactl local up')",
    )


class Admin:
    """A thin, typed wrapper over one AdminClient. Create one per command."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.timeout = conn.timeout_s
        conf: dict[str, Any] = dict(conn.kafka_config())
        conf.setdefault("socket.connection.setup.timeout.ms", int(self.timeout * 1000))
        # librdkafka logs connection failures to stderr by itself; we report one line instead.
        conf.setdefault("log_level", 0)
        self._login_error: str | None = None
        conf["error_cb"] = self._on_error
        try:
            self._client = AdminClient(conf, logger=_QuietLogger())
        except KafkaException as e:
            raise ClusterError(f"invalid Kafka client configuration: {_reason(e)}",
                               hint="check the properties in --client-config") from None

    # ---- reads -------------------------------------------------------------------------------

    def _on_error(self, err: KafkaError) -> None:
        """librdkafka's error callback (its own thread): remember a refused login or TLS handshake."""
        if err.code() in _LOGIN_ERRORS:
            self._login_error = err.str().replace("\n", " ")

    def cluster_info(self) -> ClusterInfo:
        """The first call of every command: a refused login ends it at once with one line."""
        fut = self._client.describe_cluster(request_timeout=self.timeout)
        deadline = time.monotonic() + self.timeout + 5
        while True:
            self._client.poll(0)  # serves the error callback
            try:
                desc = fut.result(timeout=0.05)
                break
            except concurrent.futures.TimeoutError as e:
                if self._login_error is not None:
                    raise ClusterError(f"cannot log in to Kafka at {self.conn.bootstrap_servers}: {self._login_error}",
                                       hint="check sasl.username, sasl.password, sasl.mechanism and ssl.ca.location "
                                       "in --client-config / KAFKACTL_CLIENT_CONFIG") from None
                if time.monotonic() > deadline:
                    raise _unreachable(self.conn, e) from None
            except KafkaException as e:
                raise _unreachable(self.conn, e) from None
        return ClusterInfo(cluster_id=str(desc.cluster_id), broker_ids=tuple(sorted(n.id for n in desc.nodes)),
                           racks=MappingProxyType({n.id: n.rack or None for n in desc.nodes}))

    def list_topics(self) -> dict[str, TopicMeta]:
        """One metadata request for all topics (internal ones included; callers filter)."""
        try:
            md = self._client.list_topics(timeout=self.timeout)
        except KafkaException as e:
            raise _unreachable(self.conn, e) from None
        out: dict[str, TopicMeta] = {}
        for name, t in md.topics.items():
            if t.error is not None and not t.partitions:
                continue
            parts = t.partitions.values()
            rf = max((len(p.replicas) for p in parts), default=0)
            isr = min((len(p.isrs) for p in parts), default=0)
            replicas = tuple(tuple(t.partitions[i].replicas) for i in sorted(t.partitions))
            out[name] = TopicMeta(name=name, partitions=len(t.partitions), replication_factor=rf, min_isr=isr,
                                  replicas=replicas)
        return out

    def describe_topic_configs(self, names: Sequence[str]) -> DescribedTopics:
        """Dynamic configs of many topics, chunked, ``DESCRIBE_WINDOW`` chunks in flight at once.

        A broker may not know a topic the controller created a moment ago (KRaft
        metadata lag): topics answered with UNKNOWN_TOPIC_OR_PART are asked again with
        a short, growing backoff until a deadline, never after a fixed sleep.
        """
        out: dict[str, TopicConfigs] = {}
        known: frozenset[str] = frozenset()
        todo = list(names)
        deadline, delay = time.monotonic() + self.timeout * 3, 0.05
        while todo:
            lagging: list[str] = []
            for futures in self._describe_windowed(todo):
                for name, fut in futures.items():
                    entries = self._entries(name, fut, retry_unknown=time.monotonic() < deadline)
                    if entries is None:
                        lagging.append(name)
                        continue
                    known = known or frozenset(entries)
                    out[name] = _topic_configs(entries)
            todo = lagging
            if todo:
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        return DescribedTopics(out, known)

    def _describe_windowed(self, names: Sequence[str]) -> Iterator[dict[str, concurrent.futures.Future[Any]]]:
        """The futures of each chunk in order; the next chunk is sent as one is handed out, so at
        most ``DESCRIBE_WINDOW`` chunks are in flight and the caller drops each after reading it."""
        chunks = chunked(list(names), DESCRIBE_CHUNK)
        pending = deque(self._describe_chunk(c) for c in islice(chunks, DESCRIBE_WINDOW))
        while pending:
            current = pending.popleft()
            nxt = next(chunks, None)
            if nxt is not None:
                pending.append(self._describe_chunk(nxt))
            yield current

    def _describe_chunk(self, names: Sequence[str]) -> dict[str, concurrent.futures.Future[Any]]:
        resources = [ConfigResource(ResourceType.TOPIC, n) for n in names]
        futures = self._client.describe_configs(resources, request_timeout=self.timeout * 3)
        return {res.name: fut for res, fut in futures.items()}

    def describe_cluster_configs(self) -> dict[str, ConfigValue]:
        """Broker configs as one broker reports them; cluster-wide values have source DYNAMIC_DEFAULT_BROKER_CONFIG.

        librdkafka refuses the cluster-wide resource BROKER "" (confluent-kafka-go#396),
        so we describe the lowest broker id: where no per-broker override exists, its
        entries show the cluster-wide dynamic value with that source.
        """
        broker_id = min(self.cluster_info().broker_ids, default=None)
        if broker_id is None:
            raise ClusterError("the cluster reports no brokers")
        return self.describe_broker_configs(broker_id)

    def describe_broker_configs(self, broker_id: int) -> dict[str, ConfigValue]:
        res = ConfigResource(ResourceType.BROKER, str(broker_id))
        fut = self._client.describe_configs([res], request_timeout=self.timeout)[res]
        return self._config_result(f"broker {broker_id}", fut)

    def _config_result(self, name: str, fut: concurrent.futures.Future[Any]) -> dict[str, ConfigValue]:
        entries = self._entries(name, fut) or {}
        return {
            k: ConfigValue(e.value, _source_name(e.source), e.is_sensitive, e.is_read_only) for k, e in entries.items()
        }

    def _entries(
        self, name: str, fut: concurrent.futures.Future[Any], retry_unknown: bool = False
    ) -> Mapping[str, ConfigEntry] | None:
        """The raw entries of one described resource; None (only with ``retry_unknown``) for a lagging broker."""
        try:
            entries: Mapping[str, ConfigEntry] = fut.result(timeout=self.timeout * 3 + 5)
        except KafkaException as e:
            if retry_unknown and _code(e) == KafkaError.UNKNOWN_TOPIC_OR_PART:
                return None
            raise ClusterError(f"cannot describe configs of {name}: {_reason(e)}") from None
        except concurrent.futures.TimeoutError as e:
            raise ClusterError(f"cannot describe configs of {name}: {_reason(e)}") from None
        return entries

    def await_metadata(self, expected: Mapping[str, int | None]) -> list[str]:
        """Wait until metadata shows each topic with the expected partition count (None: gone).

        KRaft brokers learn of a change shortly after the controller commits it, and
        librdkafka asks any broker; a plan made in that gap would see stale state. So one
        full metadata read must show every change, and then ``CONFIRMATIONS - 1`` more reads
        in a row (other brokers, most likely) must show a sample of them, polled with a
        short, growing backoff until a deadline, never a fixed sleep. A broker replays the
        metadata log in order, so one that shows the sample has, in practice, the rest too;
        five full reads of 10,000 topics cost ~10 s, the sampled ones ~0.1 s.
        Returns the topics still not as expected at the deadline.
        """
        late = self._await(lambda: _late_topics(self._metadata(), expected), confirmations=1)
        sample = confirmation_sample(list(expected))
        return late or self._await(lambda: self._late_described({n: expected[n] for n in sample}),
                                   confirmations=CONFIRMATIONS - 1)

    def _metadata(self) -> Any:
        """Raw metadata of every topic; a broker that can't be reached is a ClusterError, never a KafkaException."""
        try:
            return self._client.list_topics(timeout=self.timeout)
        except KafkaException as e:
            raise _unreachable(self.conn, e) from None

    def _late_described(self, expected: Mapping[str, int | None]) -> list[str]:
        """``_late_topics`` for a few topics, with one small metadata request (describe_topics)."""
        futures = self._client.describe_topics(TopicCollection(list(expected)), request_timeout=self.timeout)
        late = []
        for name, fut in futures.items():
            try:
                desc = fut.result(timeout=self.timeout + 5)
                count = -1 if any(p.leader is None for p in desc.partitions) else len(desc.partitions)
            except KafkaException as e:
                if _code(e) != KafkaError.UNKNOWN_TOPIC_OR_PART:
                    raise ClusterError(f"cannot describe topic {name}: {_reason(e)}") from None
                count = None
            except concurrent.futures.TimeoutError as e:
                raise ClusterError(f"cannot describe topic {name}: {_reason(e)}") from None
            if count != expected[name]:
                late.append(name)
        return late

    def await_configs(self, expected: Mapping[str, Mapping[str, str | None]]) -> list[str]:
        """Like ``await_metadata`` for dynamic topic configs just altered (None: reverted).

        Only a sample is described, on every read: a describe costs ~1 s per 1,000 topics
        here, and the sample (every ``SAMPLE_STRIDE``-th topic and the last) puts many topics
        of each alter request (``ALTER_CHUNK`` topics) on every read.
        """
        sample = confirmation_sample(list(expected))

        def late() -> list[str]:
            live = self.describe_topic_configs(sample).topics
            return [n for n in sample if any(live[n].dynamic.get(k) != v for k, v in expected[n].items())]

        return self._await(late)

    def _await(self, late_now: Any, confirmations: int = CONFIRMATIONS) -> list[str]:
        deadline, delay, streak = time.monotonic() + self.timeout * 3, 0.02, 0
        while True:
            late: list[str] = late_now()
            streak = 0 if late else streak + 1
            if streak >= confirmations or time.monotonic() > deadline:
                return late
            if late:
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    # ---- writes (and their validate_only twins, which are reads) ----------------------------

    def create_topics(
        self, topics: Sequence[tuple[str, int, int, Mapping[str, str]]], validate_only: bool = False
    ) -> list[Outcome]:
        """Create (name, partitions, replication_factor, configs) topics, chunked under KRaft's limits."""
        new = [
            NewTopic(n, num_partitions=p, replication_factor=rf, config=dict(cfg)) for n, p, rf, cfg in topics
        ]
        return self._run_batches(
            _create_chunks(new),
            lambda chunk: self._client.create_topics(
                list(chunk), operation_timeout=self.timeout * 3, request_timeout=self.timeout * 4,
                validate_only=validate_only,
            ),
        )

    def create_partitions(self, totals: Sequence[tuple[str, int]], validate_only: bool = False) -> list[Outcome]:
        new = [NewPartitions(n, total) for n, total in totals]
        return self._run_batches(
            chunked(new, ALTER_CHUNK),
            lambda chunk: self._client.create_partitions(
                list(chunk), operation_timeout=self.timeout * 3, request_timeout=self.timeout * 4,
                validate_only=validate_only,
            ),
        )

    def delete_topics(self, names: Sequence[str]) -> list[Outcome]:
        return self._run_batches(
            chunked(list(names), ALTER_CHUNK),
            lambda chunk: self._client.delete_topics(
                list(chunk), operation_timeout=self.timeout * 3, request_timeout=self.timeout * 4
            ),
        )

    def alter_topic_configs(
        self, changes: Sequence[tuple[str, Mapping[str, str | None]]], validate_only: bool = False
    ) -> list[Outcome]:
        """Incremental alter: value -> SET, None -> DELETE (revert to default). Never legacy alter_configs."""
        resources = [_incremental(ResourceType.TOPIC, name, cfg) for name, cfg in changes]
        return self._run_batches(
            chunked(resources, ALTER_CHUNK),
            lambda chunk: self._client.incremental_alter_configs(
                list(chunk), request_timeout=self.timeout * 3, validate_only=validate_only
            ),
        )

    def alter_cluster_configs(self, configs: Mapping[str, str | None], validate_only: bool = False) -> list[Outcome]:
        """Incrementally alter the cluster-wide default broker resource (BROKER "").

        librdkafka (so confluent-kafka) refuses an empty broker resource name
        (confluent-kafka-go#396), and kafka-python's public API too; we build
        kafka-python's IncrementalAlterConfigs request for it. kafka-python is pinned,
        and the cluster tests exercise this path.
        """
        from kafkactl import kafka_python_bridge  # lazily: only cluster-config changes need it

        try:
            error = kafka_python_bridge.alter_cluster_default(self.conn, configs, validate_only)
        except kafka_python_bridge.BridgeError as e:
            raise ClusterError(f"cannot alter cluster-wide broker configs: {e}") from None
        if error is None and not validate_only:
            self._await_cluster_configs(configs)
        return [Outcome("cluster", error)]

    def _await_cluster_configs(self, configs: Mapping[str, str | None]) -> None:
        """Brokers apply cluster-wide changes asynchronously; wait (bounded backoff) until one reports them."""
        deadline = time.monotonic() + self.timeout * 3
        delay = 0.05
        while time.monotonic() < deadline:
            live = self.describe_cluster_configs()
            if all(_cluster_value(live.get(k)) == v for k, v in configs.items()):
                return
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def describe_broker_throttles(self, broker_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        """Each broker's own (DYNAMIC_BROKER_CONFIG) replication throttle rates; one request per broker, all in flight."""
        futures = {b: self._client.describe_configs([ConfigResource(ResourceType.BROKER, str(b))],
                                                    request_timeout=self.timeout) for b in broker_ids}
        out: dict[int, dict[str, str]] = {}
        for broker, futmap in futures.items():
            entries = self._entries(f"broker {broker}", next(iter(futmap.values()))) or {}
            out[broker] = {k: e.value for k in THROTTLE_RATES if (e := entries.get(k)) is not None
                           and e.value is not None and _source_name(e.source) == "DYNAMIC_BROKER_CONFIG"}
        return out

    def alter_broker_configs(self, changes: Mapping[int, Mapping[str, str | None]]) -> list[Outcome]:
        """Incremental alter of per-broker dynamic configs (value -> SET, None -> DELETE); one Outcome per broker."""
        resources = [_incremental(ResourceType.BROKER, str(b), cfg) for b, cfg in changes.items()]
        outcomes = []
        for res in resources:  # librdkafka takes one BROKER resource per request
            outcomes += self._run_batches([[res]], lambda chunk: self._client.incremental_alter_configs(
                list(chunk), request_timeout=self.timeout * 3))
        return [Outcome(f"broker {o.name}", o.error) for o in outcomes]

    def list_reassignments(self) -> dict[str, list[int]]:
        """Partitions still being reassigned, per topic, cluster-wide (kafka-python: confluent-kafka has no API)."""
        from kafkactl import kafka_python_bridge  # lazily: only replication changes need it

        try:
            return kafka_python_bridge.list_reassignments(self.conn)
        except kafka_python_bridge.BridgeError as e:
            raise ClusterError(f"cannot list partition reassignments: {e}") from None

    def alter_reassignments(self, moves: Mapping[str, Mapping[int, Sequence[int]]]) -> list[Outcome]:
        """Start moving every partition of each topic to its new replica list; one Outcome per topic."""
        from kafkactl import kafka_python_bridge  # lazily: only replication changes need it

        try:
            result = kafka_python_bridge.alter_reassignments(self.conn, moves)
        except kafka_python_bridge.BridgeError as e:
            return [Outcome(t, f"cannot reassign partitions: {e}") for t in moves]
        return [Outcome(t, err) for t, err in result.items()]

    def upsert_scram_credential(self, user: str, mechanism: str, iterations: int, password: str) -> None:
        """Create or replace one SCRAM credential (``mechanism``: SCRAM-SHA-256 or SCRAM-SHA-512)."""
        info = ScramCredentialInfo(ScramMechanism[mechanism.replace("-", "_")], iterations)
        futures = self._client.alter_user_scram_credentials(
            [UserScramCredentialUpsertion(user, info, password.encode())], request_timeout=self.timeout)
        try:
            futures[user].result(timeout=self.timeout + 5)
        except (KafkaException, concurrent.futures.TimeoutError) as e:
            raise ClusterError(f"cannot set the {mechanism} credential of {user}: {_reason(e)}") from None

    def _run_batches(self, chunks: Iterable[Sequence[Any]], call: Any) -> list[Outcome]:
        """Send every chunk (all in flight at once), then wait on every future; one Outcome per resource."""
        pending: list[tuple[str, concurrent.futures.Future[Any]]] = []
        for chunk in chunks:
            try:
                futmap = call(chunk)
            except KafkaException as e:
                raise ClusterError(f"Kafka refused the request: {_reason(e)}") from None
            pending.extend((_resource_name(k), f) for k, f in futmap.items())
        outcomes = []
        for name, fut in pending:
            try:
                fut.result(timeout=self.timeout * 6 + 5)
                outcomes.append(Outcome(name))
            except (KafkaException, concurrent.futures.TimeoutError) as e:
                outcomes.append(Outcome(name, _reason(e)))
        return outcomes


def confirmation_sample(names: Sequence[str]) -> list[str]:
    """Every ``SAMPLE_STRIDE``-th name and the last, in order."""
    return list(dict.fromkeys([*names[::SAMPLE_STRIDE], *names[-1:]]))


def _topic_configs(entries: Mapping[str, ConfigEntry]) -> TopicConfigs:
    """The hot loop of a large read (one pass over ~35 entries per topic): attribute reads only."""
    dynamic: dict[str, str | None] = {}
    sensitive: list[str] = []
    for key, e in entries.items():
        if e.source in _TOPIC_DYNAMIC_SOURCES:
            dynamic[key] = e.value
        if e.is_sensitive:
            sensitive.append(key)
    return TopicConfigs(dynamic, frozenset(sensitive))


def _cluster_value(v: ConfigValue | None) -> str | None:
    return v.value if v is not None and v.source == "DYNAMIC_DEFAULT_BROKER_CONFIG" else None


def _late_topics(md: Any, expected: Mapping[str, int | None]) -> list[str]:
    return [n for n, want in expected.items() if _partition_count(md, n) != want]


def _partition_count(md: Any, name: str) -> int | None:
    t = md.topics.get(name)
    if t is None or (t.error is not None and not t.partitions):
        return None
    if any(p.leader < 0 for p in t.partitions.values()):
        return -1  # not ready: a partition has no leader yet
    return len(t.partitions)


def _resource_name(key: Any) -> str:
    return key.name if isinstance(key, ConfigResource) else str(key)


def _incremental(rtype: ResourceType, name: str, cfg: Mapping[str, str | None]) -> ConfigResource:
    entries = [
        ConfigEntry(k, v if v is not None else "",
                    incremental_operation=AlterConfigOpType.SET if v is not None else AlterConfigOpType.DELETE)
        for k, v in cfg.items()
    ]
    return ConfigResource(rtype, name, incremental_configs=entries)


def _create_chunks(topics: Sequence[NewTopic]) -> Iterator[list[NewTopic]]:
    """Split creates so each request stays under KRaft's record and partition caps, and under
    ``MAX_TOPICS_PER_CREATE`` topics.

    A new topic costs 1 + partitions + len(configs) metadata records.
    """
    chunk: list[NewTopic] = []
    records = partitions = 0
    for t in topics:
        cost = 1 + t.num_partitions + len(t.config or {})
        if chunk and (records + cost > MAX_RECORDS_PER_OP or partitions + t.num_partitions > MAX_PARTITIONS_PER_CREATE
                      or len(chunk) >= MAX_TOPICS_PER_CREATE):
            yield chunk
            chunk, records, partitions = [], 0, 0
        chunk.append(t)
        records += cost
        partitions += t.num_partitions
    if chunk:
        yield chunk


class _QuietLogger:
    """Swallows librdkafka's own log lines (they would repeat on stderr every retry)."""

    def log(self, *args: Any, **kwargs: Any) -> None:
        return None

    def debug(self, *args: Any, **kwargs: Any) -> None:
        return None

    info = warning = error = critical = exception = debug
