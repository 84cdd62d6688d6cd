"""The apply lock: one writer per cluster, kept in Kafka itself (CONTRACT section 9). No ZooKeeper, no other store.

Mechanism: every apply joins the consumer group ``LOCK_GROUP`` subscribed to the one-partition topic
``LOCK_TOPIC``, with the cooperative-sticky assignor. The group coordinator assigns partition 0 to exactly
one member, and a sticky assignment never moves it from a live member to a newcomer: the holder is the
member that owns partition 0. A holder that dies (or freezes) stops heartbeating, and the coordinator
drops it after ``SESSION_TIMEOUT_MS`` (30 s, under the CONTRACT's 60 s); a waiting member then gets it.

Identity: once it owns partition 0, the holder writes one JSON record (key ``holder``: host, pid, user,
topology, since, member id) to ``LOCK_TOPIC``. A reader trusts the latest record only if its member id is
the member the coordinator names as owner (the record of a dead holder is never shown as the holder).

Rules:
- Only apply takes the lock; plan, drift and validate never do. Nothing is written before it is held.
- Rebalances are served only in ``poll``: a background thread polls the consumer (and only that thread
  touches it). Partition 0 revoked or lost marks the lock lost; a lost lock is never trusted again (the
  consumer is closed, so it cannot quietly rejoin as holder).
- ``release`` closes the consumer (LeaveGroup), so a waiter gets the lock at once.
- kafkactl never manages ``_*`` topics (``model.is_internal``), so no apply or import touches ``LOCK_TOPIC``.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import getpass
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from kafkactl import kafka_python_bridge
from kafkactl.connection import Connection
from kafkactl.errors import ClusterError, LockError

LOCK_TOPIC = "_kafkactl_lock"
LOCK_GROUP = "_kafkactl_lock"
RECORD_KEY = b"holder"
SESSION_TIMEOUT_MS = 30_000  # a dead holder loses the lock this long after its last heartbeat
HEARTBEAT_MS = 1_000  # a holder learns of a rebalance (a newcomer) within a second
POLL_S = 0.2
JOIN_TIMEOUT_S = 30.0  # joining an idle group takes well under a second; this bounds a sick coordinator
CLOSE_TIMEOUT_S = 10.0
LOOK_INTERVAL_S = 5.0  # how often a waiting apply reads who holds the lock


@dataclass(frozen=True)
class Holder:
    """Who holds (or asks for) the lock. ``pid`` is None when only the coordinator's view is known."""

    host: str
    pid: int | None
    user: str
    topology: str
    since: str  # ISO 8601 UTC
    member_id: str = ""

    @staticmethod
    def me(topology: str) -> Holder:
        return Holder(socket.gethostname(), os.getpid(), _user(), topology, _now())

    def describe(self) -> str:
        """``alice@ci-7 (pid 4242, topology /src/topology)``."""
        pid = f"pid {self.pid}, " if self.pid is not None else ""
        return f"{self.user}@{self.host} ({pid}topology {self.topology})"

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()

    @staticmethod
    def from_bytes(raw: bytes | None) -> Holder | None:
        try:
            doc = json.loads(raw or b"")
            return Holder(str(doc["host"]), None if doc["pid"] is None else int(doc["pid"]), str(doc["user"]),
                          str(doc["topology"]), str(doc["since"]), str(doc.get("member_id", "")))
        except (ValueError, KeyError, TypeError):
            return None  # not a record of ours: the holder is shown from the coordinator's view


@dataclass(frozen=True)
class LockState:
    holder: Holder | None  # None: unlocked
    waiting: int = 0  # members waiting for the lock

    def message(self) -> str:
        if self.holder is None:
            return "unlocked"
        return f"cluster is locked by {self.holder.describe()} since {self.holder.since}"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return f"uid {os.getuid()}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        return f"{exc.args[0].name()}: {exc.args[0].str()}"
    return f"{type(exc).__name__}: {exc}"


def _client_config(conn: Connection, **extra: Any) -> dict[str, Any]:
    conf: dict[str, Any] = dict(conn.kafka_config())
    conf.setdefault("socket.connection.setup.timeout.ms", int(conn.timeout_s * 1000))
    conf.setdefault("log_level", 0)  # librdkafka's own lines would repeat on stderr; errors are raised instead
    conf.update(extra)
    return conf


# ---- reading the lock (lock status, a refused apply) ------------------------------------------


def read_state(conn: Connection) -> LockState:
    """The coordinator's owner of partition 0, named by its latest record when that record is its own."""
    members = _members(conn)
    owner = next((m for m in members if any(tp.topic == LOCK_TOPIC and tp.partition == 0
                                               for tp in m.assignment.topic_partitions)), None)
    if owner is None:
        return LockState(None, len(members))
    record = latest_record(conn)
    if record is None or record.member_id != owner.member_id:
        # Owner known, record not (yet) written: show what the coordinator knows.
        record = Holder(str(owner.host).lstrip("/"), None, f"client {owner.client_id}", "unknown", "unknown",
                        owner.member_id)
    return LockState(record, len(members) - 1)


# The group's coordinator moves when its broker stops or restarts: asked again, with a short growing backoff.
_COORDINATOR_MOVING = (KafkaError.NOT_COORDINATOR, KafkaError.COORDINATOR_NOT_AVAILABLE,
                       KafkaError.COORDINATOR_LOAD_IN_PROGRESS)


def _members(conn: Connection) -> list[Any]:
    client = AdminClient(_client_config(conn))
    deadline, delay = time.monotonic() + conn.timeout_s * 3, 0.1
    while True:
        fut = client.describe_consumer_groups([LOCK_GROUP], request_timeout=conn.timeout_s)[LOCK_GROUP]
        try:
            return list(fut.result(timeout=conn.timeout_s + 5).members)
        except KafkaException as e:
            code = e.args[0].code() if e.args and isinstance(e.args[0], KafkaError) else None
            if code == KafkaError.GROUP_ID_NOT_FOUND:
                return []
            if code not in _COORDINATOR_MOVING or time.monotonic() > deadline:
                raise ClusterError(f"cannot describe the apply lock's group {LOCK_GROUP}: {_reason(e)}") from None
        except concurrent.futures.TimeoutError as e:
            raise ClusterError(f"cannot describe the apply lock's group {LOCK_GROUP}: {_reason(e)}") from None
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def latest_record(conn: Connection) -> Holder | None:
    """The last holder record on ``LOCK_TOPIC`` (None when the topic or the record is missing)."""
    consumer = Consumer(_client_config(conn, **{"group.id": f"{LOCK_GROUP}-reader", "enable.auto.commit": False}))
    try:
        tp = TopicPartition(LOCK_TOPIC, 0)
        try:
            _, high = consumer.get_watermark_offsets(tp, timeout=conn.timeout_s)
        except KafkaException:
            return None  # no lock topic yet: no record
        if high <= 0:
            return None
        consumer.assign([TopicPartition(LOCK_TOPIC, 0, high - 1)])
        deadline = time.monotonic() + conn.timeout_s
        while time.monotonic() < deadline:
            msg = consumer.poll(POLL_S)
            if msg is not None and msg.error() is None:
                return Holder.from_bytes(msg.value())
        return None
    finally:
        consumer.close()


def force_release(conn: Connection, expected: Holder) -> None:
    """Remove the owning member ``expected`` from the group; a waiting member then gets the lock.

    confluent-kafka has no API to remove a member of a group, so the LeaveGroup request goes through
    kafka-python (``kafka_python_bridge``). If that holder is still alive, its next heartbeat fails and
    it marks its lock lost (it starts nothing new).
    """
    try:
        error = kafka_python_bridge.remove_group_member(conn, LOCK_GROUP, expected.member_id)
    except kafka_python_bridge.BridgeError as e:
        raise ClusterError(f"cannot release the apply lock: {e}") from None
    if error is not None:
        raise ClusterError(f"cannot release the apply lock: {error}")


# ---- holding the lock (apply) -----------------------------------------------------------------


class ApplyLock:
    """The lock for one apply: ``acquire``, check ``lost()`` before each write, ``release``."""

    def __init__(self, conn: Connection, holder: Holder) -> None:
        self.conn = conn
        self.holder = holder
        self._owned = threading.Event()
        self._assigned = threading.Event()  # the first assignment arrived (possibly empty)
        self._stop = threading.Event()
        self._lost: str | None = None
        self._thread: threading.Thread | None = None
        self._consumer: Consumer | None = None
        self._member_id = ""

    def acquire(self, wait_s: float, on_wait: Callable[[LockState], None]) -> None:
        """Hold the lock, or raise ``LockError`` naming the holder: at once (``wait_s`` 0), or after ``wait_s``."""
        state = read_state(self.conn)  # refuse at once without making the holder rebalance
        if state.holder is not None and wait_s <= 0:
            raise LockError(f"{state.message()}; nothing was applied", hint=_WAIT_HINT)
        _ensure_topic(self.conn)
        self._join()
        try:
            self._await_ownership(wait_s, on_wait, state)
            self._record()
        except BaseException:
            self.release()
            raise

    def lost(self) -> str | None:
        """Why this process no longer holds the lock, or None while it does."""
        return self._lost if self._lost is not None or self._owned.is_set() else "the apply lock is not held"

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(CLOSE_TIMEOUT_S)  # a coordinator that does not answer: the session timeout frees it

    def _join(self) -> None:
        conf = _client_config(self.conn, **{
            "group.id": LOCK_GROUP, "client.id": f"kafkactl-lock-{os.getpid()}",
            "partition.assignment.strategy": "cooperative-sticky", "session.timeout.ms": SESSION_TIMEOUT_MS,
            "heartbeat.interval.ms": HEARTBEAT_MS, "enable.auto.commit": False, "auto.offset.reset": "latest",
        })
        self._consumer = Consumer(conf)
        self._consumer.subscribe([LOCK_TOPIC], on_assign=self._on_assign, on_revoke=self._on_revoke,
                                 on_lost=self._on_lost)
        self._thread = threading.Thread(target=self._serve, name="kafkactl-apply-lock", daemon=True)
        self._thread.start()

    def _await_ownership(self, wait_s: float, on_wait: Callable[[LockState], None], seen: LockState) -> None:
        deadline = time.monotonic() + max(wait_s, JOIN_TIMEOUT_S)
        shown: Holder | None = None
        look = 0.0  # when to read the holder again while waiting
        while not self._owned.wait(POLL_S):
            if self._lost is not None:
                raise ClusterError(f"cannot take the apply lock: {self._lost}")
            now = time.monotonic()
            if (not self._assigned.is_set() or now < look) and now < deadline:
                continue  # still joining the group, or looked a moment ago
            look = now + LOOK_INTERVAL_S
            try:
                state = read_state(self.conn)
            except ClusterError:
                if now < deadline:
                    continue  # a passing failure while waiting (a coordinator moving): look again later
                raise
            if state.holder is not None and wait_s <= 0:
                raise LockError(f"{state.message()}; nothing was applied", hint=_WAIT_HINT)
            if time.monotonic() > deadline:
                raise LockError(f"{(state if state.holder else seen).message()}; waited {wait_s:.0f} s, nothing "
                                "was applied", hint="try again later, or raise --lock-timeout")
            if state.holder is not None and state.holder != shown:
                on_wait(state)
                shown = state.holder

    def _record(self) -> None:
        """Write who holds the lock, keyed by this member, so others can name the holder."""
        me = Holder(**{**asdict(self.holder), "since": _now(), "member_id": self._member_id})
        errors: list[str] = []
        producer = Producer(_client_config(self.conn, **{"acks": "all", "linger.ms": 0}))
        producer.produce(LOCK_TOPIC, me.to_bytes(), RECORD_KEY, partition=0,
                         on_delivery=lambda err, _msg: errors.append(err.str()) if err else None)
        left = producer.flush(self.conn.timeout_s)
        if left or errors:
            raise ClusterError(f"cannot record the apply lock's holder on {LOCK_TOPIC}: "
                               f"{errors[0] if errors else 'timed out'}; nothing was applied")
        self.holder = me

    # ---- the polling thread: the only user of the consumer ----

    def _serve(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        try:
            while not self._stop.is_set() and self._lost is None:
                consumer.poll(POLL_S)  # serves rebalances and heartbeat errors; records are not needed
        except KafkaException as e:
            self._lose(f"the apply lock's consumer failed: {_reason(e)}")
        finally:
            consumer.close()

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._member_id = consumer.memberid() or ""  # asked here: only the polling thread touches the consumer
        self._assigned.set()
        if any(p.partition == 0 for p in partitions) and self._lost is None:
            self._owned.set()

    def _on_revoke(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if self._owned.is_set() and any(p.partition == 0 for p in partitions) and not self._stop.is_set():
            self._lose("the apply lock was taken away (revoked by the group coordinator)")

    def _on_lost(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if self._owned.is_set() and not self._stop.is_set():
            self._lose("the apply lock was lost (this process missed its heartbeats, or it was released by force)")

    def _lose(self, why: str) -> None:
        self._lost = why
        self._owned.clear()


_WAIT_HINT = "wait for that apply to finish, or pass --lock-timeout 5m to wait for it"


def _ensure_topic(conn: Connection) -> None:
    """Create ``LOCK_TOPIC`` once (1 partition, compacted: only the latest holder record matters)."""
    client = AdminClient(_client_config(conn))
    try:
        brokers = len(client.describe_cluster(request_timeout=conn.timeout_s).result(conn.timeout_s + 5).nodes)
        topic = NewTopic(LOCK_TOPIC, 1, max(1, min(3, brokers)), config={"cleanup.policy": "compact"})
        client.create_topics([topic], request_timeout=conn.timeout_s)[LOCK_TOPIC].result(conn.timeout_s + 5)
    except KafkaException as e:
        if e.args and isinstance(e.args[0], KafkaError) and e.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
            return
        raise ClusterError(f"cannot create the apply lock's topic {LOCK_TOPIC}: {_reason(e)}") from None
    except concurrent.futures.TimeoutError as e:
        raise ClusterError(f"cannot create the apply lock's topic {LOCK_TOPIC}: {_reason(e)}") from None
