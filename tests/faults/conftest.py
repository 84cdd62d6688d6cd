"""The fault corpus (issue 14, docs/reliability.md): kafkactl against the real local cluster while its
processes are killed, frozen or raced.

Rules:
- Every test here is marked ``faults`` (and ``cluster``); ``make test`` runs them with the rest.
- A node or the registry is signalled only by the pid in its pid file, and only while that pid is ours
  (``kafkactl.local.procs``); it is ALWAYS resumed (SIGCONT) or restarted (``cluster.up``) in a
  ``finally``, which returns only when 3 brokers, the registry and the metrics answer again, so the
  tests after it get a whole cluster.
- kafkactl runs as a subprocess (signals, concurrency, a process killed mid-apply), with a wall-clock
  bound: a hang fails the test instead of the suite.
- Topics are 1 partition, replication factor 1 (fast on 2 cores), under a unique prefix; everything
  under the prefix is deleted at the end. "Nothing outside the plan changed" is checked on a sentinel
  topic under the same prefix that the topology does not own.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType

from kafkactl.connection import Connection
from kafkactl.local import cluster as local
from kafkactl.local.components import Component, components
from kafkactl.local.layout import NODES, Layout
from tests.eventually import eventually

KAFKACTL = str(Path(sys.executable).parent / "kafkactl")
RUN_LIMIT_S = 300.0  # no kafkactl run in this corpus may take longer: a hang fails the test
ERROR_LINE = re.compile(r"^Error: (.+)$", re.M)
OUTCOME_LINE = re.compile(r"^  (✓|✗|○) (\w+) (\S+): (.*)$", re.M)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.cluster)
            # A fault's timing against a loaded 2-core machine (3 brokers, 2 registries, the tests) varies,
            # so a case that fails runs once more (pytest-rerunfailures); the summary still lists it as
            # RERUN, so a flaky case stays visible. Each try uses its own names and restores the cluster.
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=5))


@dataclass(frozen=True)
class Result:
    rc: int
    out: str
    err: str
    seconds: float

    def error(self) -> str:
        """The one ``Error:`` line; fails unless there is exactly one and no traceback."""
        assert "Traceback" not in self.err, self.err[-3000:]
        lines = ERROR_LINE.findall(self.err)
        assert len(lines) == 1, f"expected one Error line (exit {self.rc}):\n{self.err[-3000:]}"
        return str(lines[0])

    def outcomes(self) -> dict[str, str]:
        """topic/subject name -> applied | failed | not started, from the per-change report."""
        kinds = {"✓": "applied", "✗": "failed", "○": "not started"}
        return {m[2]: kinds[m[0]] for m in OUTCOME_LINE.findall(self.out)}


class Cluster:
    """The local cluster's processes, by pid file, and the way back to a whole cluster."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.layout = Layout.default()
        self.admin = AdminClient({"bootstrap.servers": conn.bootstrap_servers})

    def component(self, name: str) -> Component:
        return next(c for c in components(self.layout) if c.name == name)

    def pid(self, name: str) -> int:
        pid = self.component(name).running_pid()
        assert pid is not None, f"{name} is not running"
        return pid

    def kill(self, name: str) -> None:
        os.kill(self.pid(name), signal.SIGKILL)

    def freeze(self, name: str) -> int:
        pid = self.pid(name)
        os.kill(pid, signal.SIGSTOP)
        return pid

    def thaw(self, pid: int) -> None:
        os.kill(pid, signal.SIGCONT)
        self.restore()

    @contextlib.contextmanager
    def frozen(self, name: str) -> Iterator[int]:
        """SIGSTOP ``name`` for the block; SIGCONT always, then wait for the whole cluster."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGSTOP)
        try:
            yield pid
        finally:
            os.kill(pid, signal.SIGCONT)
            self.restore()

    def restore(self) -> None:
        """Start what is missing and wait for 3 brokers (``cluster.up``), keeping a test session's marker."""
        temporary = self.layout.temporary_marker.exists()
        local.up(self.layout, lambda _msg: None, temporary=temporary)
        deadline = time.monotonic() + 120
        while len(self.admin.describe_cluster().result(30).nodes) < len(NODES):
            assert time.monotonic() < deadline, "the cluster did not get 3 brokers back"
            time.sleep(0.5)

    # ---- reads ----

    def topics(self, prefix: str) -> set[str]:
        return {t for t in self.admin.list_topics(timeout=30).topics if t.startswith(prefix)}

    def configs(self, topic: str) -> dict[str, str]:
        res = ConfigResource(ResourceType.TOPIC, topic)
        entries = self.admin.describe_configs([res])[res].result(60)
        return {k: e.value for k, e in entries.items() if e.source == 1}  # DYNAMIC_TOPIC_CONFIG

    def create(self, topic: str, configs: dict[str, str]) -> None:
        self.admin.create_topics([NewTopic(topic, 1, 1, config=configs)])[topic].result(60)

    def delete_prefix(self, prefix: str) -> None:
        names = sorted(self.topics(prefix))
        for i in range(0, len(names), 1000):
            for fut in self.admin.delete_topics(names[i:i + 1000], operation_timeout=60).values():
                with contextlib.suppress(Exception):
                    fut.result(120)


@pytest.fixture(scope="session")
def local_cluster(cluster: Connection) -> Cluster:
    """The local cluster, whose processes these tests may signal; skipped on any other cluster."""
    if os.environ.get("KAFKACTL_TEST_BOOTSTRAP_SERVERS"):
        pytest.skip("fault tests signal the local cluster's processes; an external cluster is in use")
    layout = Layout.default()
    if any(c.running_pid() is None for c in components(layout)):
        pytest.skip("fault tests need the local cluster started by kafkactl (pid files); another one answers")
    return Cluster(cluster)


def kafkactl_env(conn: Connection, timeout_s: float = 10) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKACTL_")}
    env.update(KAFKACTL_BOOTSTRAP_SERVERS=conn.bootstrap_servers, KAFKACTL_SCHEMA_REGISTRY_URL=conn.schema_registry_url,
               KAFKACTL_TIMEOUT=str(timeout_s), NO_COLOR="1", COLUMNS="250")
    if "KAFKACTL_HOME" in os.environ:
        env["KAFKACTL_HOME"] = os.environ["KAFKACTL_HOME"]
    return env


# Output goes to files, never pipes: a plan of 2,000 topics overflows a pipe, and a child blocked on a
# full pipe (while the test waits for its topics) would hold the apply lock forever.
_OUTPUT: dict[int, tuple[Any, Any]] = {}


def start(conn: Connection, *args: str, timeout_s: float = 10, **kw: Any) -> subprocess.Popen[str]:
    out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed by _read)
    proc = subprocess.Popen([KAFKACTL, *args], stdout=out, stderr=err, text=True,
                            stdin=subprocess.DEVNULL, env=kafkactl_env(conn, timeout_s), **kw)
    _OUTPUT[proc.pid] = (out, err)
    return proc


def _read(proc: subprocess.Popen[str]) -> tuple[str, str]:
    texts = []
    for fh in _OUTPUT.pop(proc.pid):
        fh.seek(0)
        texts.append(fh.read())
        fh.close()
    return texts[0], texts[1]


def finish(proc: subprocess.Popen[str], limit_s: float = RUN_LIMIT_S, began: float | None = None) -> Result:
    began = time.monotonic() if began is None else began
    try:
        proc.wait(timeout=limit_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"kafkactl {proc.args} did not end within {limit_s:.0f} s (hung):\n{_read(proc)[1][-3000:]}")
    out, err = _read(proc)
    return Result(proc.returncode, out, err, time.monotonic() - began)


def run(conn: Connection, *args: str, timeout_s: float = 10, limit_s: float = RUN_LIMIT_S) -> Result:
    began = time.monotonic()
    return finish(start(conn, *args, timeout_s=timeout_s), limit_s, began)


def wait_for(check: Callable[[], bool], what: str, limit_s: float = RUN_LIMIT_S, proc: subprocess.Popen[str] | None = None
             ) -> bool:
    """Poll ``check`` until true; False if ``proc`` ended first (the moment was missed)."""
    deadline = time.monotonic() + limit_s
    while not check():
        if proc is not None and proc.poll() is not None:
            return False
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return True


def write_topology(d: Path, prefix: str, names: list[str], configs: dict[str, str] | None = None,
                   extra: str = "") -> Path:
    """Topics ``names`` (1 partition, RF 1); the topology owns ``prefix.t*`` (so the sentinel
    ``prefix.keep`` is outside it)."""
    d.mkdir(parents=True, exist_ok=True)
    cfg = json.dumps(configs or {})
    body = "\n".join(f"  {n}: {{}}" for n in names)
    (d / "topics.yaml").write_text(
        f'cluster:\n  owns: ["{prefix}.t*"]\ndefaults:\n  partitions: 1\n  replication_factor: 1\n'
        f"  configs: {cfg}\ntopics:\n{body}\n{extra}", encoding="utf-8")
    return d


def names(prefix: str, n: int) -> list[str]:
    return [f"{prefix}.t{i:05d}" for i in range(n)]


@contextlib.contextmanager
def workspace(c: Cluster, prefix: str) -> Iterator[str]:
    """A sentinel topic outside the plan, checked unchanged at the end; every ``prefix`` topic deleted after."""
    sentinel = f"{prefix}.keep"
    c.create(sentinel, {"retention.ms": "123456789"})
    try:
        yield sentinel
        assert c.configs(sentinel) == {"retention.ms": "123456789"}, "a topic outside the plan changed"
    finally:
        c.delete_prefix(prefix)


def scope(prefix: str) -> tuple[str, str]:
    """``--target PREFIX*``: every plan and apply here is limited to the test's own names, so state that
    other sessions leave on the shared cluster (cluster-wide configs) is neither planned nor touched."""
    return ("--target", f"{prefix}*")


def assert_converges(conn: Connection, d: Path, prefix: str) -> None:
    """A second apply converges: it succeeds, and the plan after it is empty."""
    again = run(conn, "apply", str(d), "--auto-approve", "--lock-timeout", "2m", *scope(prefix))
    assert again.rc == 0, f"second apply failed (exit {again.rc}):\n{again.err[-3000:]}"
    after = run(conn, "plan", str(d), "--detailed-exitcode", *scope(prefix))
    assert after.rc == 0, f"plan after the second apply is not empty (exit {after.rc}):\n{after.out[-3000:]}"


def assert_report_true(c: Cluster, result: Result, prefix: str, expected: set[str]) -> dict[str, str]:
    """The per-change report agrees with the cluster: every topic reported created exists, and nothing
    but the planned topics (and the sentinel) exists under the prefix."""
    outcomes = result.outcomes()
    created = {n for n, s in outcomes.items() if s == "applied" and n in expected}

    def check() -> None:
        # A broker just resumed or restarted may answer metadata from behind for a moment: asked again.
        live = c.topics(prefix)
        assert created <= live, f"reported created but missing: {sorted(created - live)[:5]}"
        assert live <= expected | {f"{prefix}.keep"}, f"topics outside the plan: {sorted(live - expected)[:5]}"

    eventually(check, timeout=60)
    return outcomes
