"""Shared fixtures: one cluster per test session, unique names, an Admin.

Rules:
- ``cluster`` picks, in this order:
  1. an external cluster: KAFKACTL_TEST_BOOTSTRAP_SERVERS (and KAFKACTL_TEST_SCHEMA_REGISTRY_URL);
  2. a cluster that already answers at the CONTRACT addresses without being ours (reused, never stopped);
  3. docker compose on compose/docker-compose.yml, when a Docker engine answers ``ping``;
  4. the local cluster (``kafkactl.local``): started if needed, reused if running.
- Several sessions may share the local cluster at once (people run tests concurrently).
  Each session holds a shared lock on ``test-sessions.lock`` while it runs; the cluster is
  stopped only if a test session started it (``up(temporary=True)``) and no person adopted
  it since with ``kafkactl local up``, and only by the last session to leave.
- Tests that use ``cluster`` (directly or through another fixture) get the ``cluster``
  marker, so ``pytest -m "not cluster"`` runs the unit tests alone, in seconds.
- ``secure_cluster`` is the same cluster's SASL_SSL listener (CONTRACT section 5) with the
  bootstrap admin's client config: the local cluster's files, or for an external cluster
  KAFKACTL_TEST_SECURE_BOOTSTRAP_SERVERS and KAFKACTL_TEST_ADMIN_CLIENT_CONFIG (else skipped).
"""

from __future__ import annotations

import fcntl
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kafkactl.admin import Admin
from kafkactl.connection import Connection, resolve
from kafkactl.errors import KafkactlError
from kafkactl.local import cluster as local
from kafkactl.local.health import BrokerProbe, http_ok, poll_until_ready, port_open, subjects_url
from kafkactl.local.layout import HOST, NODES, Layout, secure_bootstrap_servers
from tests import registries
from tests.registries import RegistryUnderTest
from tests.secure import SecureCluster

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_READY_TIMEOUT_S = 300.0
TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
# The example topology's SCRAM users read their passwords from these (topology/access.yaml): tests that
# load it get random ones unless the environment sets them (`make demo` exports dev-only values).
EXAMPLE_PASSWORD_VARS = ("SOCKET_SERVICE_PASSWORD", "ANALYTICS_SERVICE_PASSWORD", "NOTIFICATION_SERVICE_PASSWORD",
                         "AUDIT_LOG_WRITER_PASSWORD")
for _var in EXAMPLE_PASSWORD_VARS:
    os.environ.setdefault(_var, uuid.uuid4().hex)
# Apicurio Registry 3.3.3 (the local cluster's) and Karapace 5.0.3 (tests/registries.py).
REGISTRIES = ("apicurio", "karapace")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cluster: needs the real Kafka cluster and schema registry")
    # Every apply holds the cluster's apply lock (kafkactl.lock). Test sessions of several people share
    # the local cluster, so their applies wait for each other's lock instead of refusing at once;
    # tests of the refusal itself (tests/faults) run kafkactl with their own environment.
    os.environ.setdefault("KAFKACTL_LOCK_TIMEOUT", "10m")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.cluster)


def _say(message: str) -> None:
    print(f"[cluster] {message}", file=sys.stderr, flush=True)


def _external() -> Connection | None:
    bootstrap = os.environ.get("KAFKACTL_TEST_BOOTSTRAP_SERVERS")
    if not bootstrap:
        return None
    return resolve(bootstrap_servers=bootstrap, schema_registry_url=os.environ.get("KAFKACTL_TEST_SCHEMA_REGISTRY_URL"))


def _ours_running(layout: Layout) -> bool:
    return any(row.pid for row in local.status(layout))


def _answers(conn: Connection) -> bool:
    ids = BrokerProbe(Connection(bootstrap_servers=conn.bootstrap_servers, timeout_s=2.0)).live_broker_ids()
    return len(ids) >= len(NODES) and http_ok(subjects_url(conn.schema_registry_url))


def _docker_available() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # no SDK, no socket, no daemon: all mean "no Docker here"
        return False


def _compose() -> Iterator[Connection]:
    from testcontainers.compose import DockerCompose

    compose = DockerCompose(str(ROOT / "compose"), compose_file_name="docker-compose.yml", wait=False)
    _say("starting compose/docker-compose.yml")
    compose.start()
    try:
        conn = local.connection()
        waiting = poll_until_ready(BrokerProbe(Connection(bootstrap_servers=conn.bootstrap_servers, timeout_s=2.0)),
                                   lambda: None, _say, COMPOSE_READY_TIMEOUT_S)
        if waiting:
            stdout, _ = compose.get_logs()
            pytest.fail(f"docker compose cluster not ready: {', '.join(waiting)}\n{stdout[-4000:]}", pytrace=False)
        yield conn
    finally:
        compose.stop()


def _local(layout: Layout) -> Iterator[Connection]:
    layout.root.mkdir(parents=True, exist_ok=True)
    with (layout.root / "test-sessions.lock").open("a") as lease:
        fcntl.flock(lease, fcntl.LOCK_SH)
        try:
            local.up(layout, _say, temporary=True)
        except KafkactlError as e:
            fcntl.flock(lease, fcntl.LOCK_UN)
            pytest.fail("\n".join([f"local cluster: {e.summary}", *e.details, f"hint: {e.hint}"]), pytrace=False)
        try:
            yield local.connection()
        finally:
            _leave(layout, lease.fileno())


def _leave(layout: Layout, lease: int) -> None:
    """Drop our lease; the last session out stops the cluster if a test session started it."""
    fcntl.flock(lease, fcntl.LOCK_UN)
    try:
        fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another session still uses the cluster
    try:
        if layout.temporary_marker.exists():
            local.down(layout, purge=False, progress=_say)
    finally:
        fcntl.flock(lease, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Connection]:
    external = _external()
    if external is not None:
        yield external
        return
    layout = Layout.default()
    if not _ours_running(layout):
        if _answers(local.connection()):
            yield local.connection()
            return
        if _docker_available():
            yield from _compose()
            return
    yield from _local(layout)


@pytest.fixture(scope="session")
def karapace_url(cluster: Connection) -> Iterator[str]:
    """Karapace 5.0.3 against the test cluster (KAFKACTL_TEST_KARAPACE_URL: one that runs already)."""
    given = os.environ.get("KAFKACTL_TEST_KARAPACE_URL")
    if given:
        yield given
        return
    source = registries.karapace_dir(ROOT)
    if source is None:
        pytest.skip("Karapace runs from shared/registries/karapace beside the checkout (or KAFKACTL_SHARED_DIR), "
                    "which this machine does not have")
    with registries.karapace(source, Layout.default().root, cluster.bootstrap_servers) as url:
        yield url


@pytest.fixture(params=REGISTRIES)
def registry(request: pytest.FixtureRequest, cluster: Connection) -> RegistryUnderTest:
    """The registry a schema test runs against: each test runs once per registry in ``REGISTRIES``."""
    if request.param == "apicurio":
        return RegistryUnderTest("apicurio", cluster.schema_registry_url)
    return RegistryUnderTest("karapace", request.getfixturevalue("karapace_url"))


@pytest.fixture
def registry_url(registry: RegistryUnderTest) -> str:
    return registry.url


@pytest.fixture(scope="session")
def admin(cluster: Connection) -> Admin:
    return Admin(cluster)


@pytest.fixture(scope="session")
def metrics_urls(cluster: Connection) -> list[str]:
    """Prometheus endpoints of the brokers: KAFKACTL_TEST_METRICS_URLS for an external cluster."""
    if _external() is None:
        return [n.metrics_url for n in NODES]
    urls = [u for u in os.environ.get("KAFKACTL_TEST_METRICS_URLS", "").split(",") if u]
    if not urls:
        pytest.skip("external cluster without KAFKACTL_TEST_METRICS_URLS")
    return urls


@pytest.fixture(scope="session")
def secure_cluster(cluster: Connection) -> SecureCluster:
    external = _external()
    if external is not None:
        bootstrap = os.environ.get("KAFKACTL_TEST_SECURE_BOOTSTRAP_SERVERS")
        config = os.environ.get("KAFKACTL_TEST_ADMIN_CLIENT_CONFIG")
        if not bootstrap or not config:
            pytest.skip("external cluster without KAFKACTL_TEST_SECURE_BOOTSTRAP_SERVERS and "
                        "KAFKACTL_TEST_ADMIN_CLIENT_CONFIG")
        return SecureCluster(bootstrap, Path(config), cluster.schema_registry_url)
    layout = Layout.default()
    if not layout.admin_client_config.is_file() or not all(port_open(HOST, n.secure_port) for n in NODES):
        pytest.skip(f"no secured local listener (no {layout.admin_client_config}, or ports closed)")
    return SecureCluster(secure_bootstrap_servers(), layout.admin_client_config, cluster.schema_registry_url)


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """A factory: unique_name("orders") -> "orders-1a2b3c4d", a valid topic name and subject prefix."""

    def make(prefix: str = "t") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        if not TOPIC_NAME.match(name):
            raise ValueError(f"{name!r} is not a valid Kafka topic name")
        return name

    return make

