"""Fault case 4: the registry stops between the topic phase and the subject phase. Topics are applied,
subjects are reported failed, nothing is half-registered, and subjects converge once it is back.

The moment is caught exactly with a pass-through TCP proxy in front of the real registry: the first
schema registration (``POST .../versions``, which the executor sends only after the topic phase) makes
the test SIGSTOP the registry process before the request is forwarded. The registry is frozen, never
restarted (it keeps its subjects in memory), and SIGCONT always follows.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from kafkactl.connection import Connection
from tests.faults.conftest import (
    Cluster,
    assert_converges,
    assert_report_true,
    finish,
    names,
    scope,
    start,
    workspace,
    write_topology,
)

REGISTRY = ("127.0.0.1", 18081)


@contextlib.contextmanager
def proxy(on_first_write: Callable[[], None]) -> Iterator[int]:
    """A TCP proxy to the registry on a free port; calls ``on_first_write`` once, before forwarding the
    first chunk that starts a ``POST`` to ``/versions``."""
    listener = socket.create_server(("127.0.0.1", 0))
    fired = threading.Event()

    def pump(src: socket.socket, dst: socket.socket, watch: bool) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                if watch and not fired.is_set() and _registers(data):
                    fired.set()
                    on_first_write()
                dst.sendall(data)
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = listener.accept()
                upstream = socket.create_connection(REGISTRY)
                threading.Thread(target=pump, args=(client, upstream, True), daemon=True).start()
                threading.Thread(target=pump, args=(upstream, client, False), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def _registers(data: bytes) -> bool:
    """A schema registration: ``POST .../subjects/S/versions`` (not a lookup, not a compatibility check)."""
    line = data.split(b"\r\n", 1)[0]
    return line.startswith(b"POST /apis/ccompat/v7/subjects/") and b"/versions" in line


def _versions(conn: Connection, subject: str) -> list[int] | None:
    r = httpx.get(f"{conn.schema_registry_url}/subjects/{subject}/versions", timeout=30)
    return None if r.status_code == 404 else list(r.json())


def test_registry_stopped_between_topic_and_subject_phases(local_cluster: Cluster, unique_name: Any,
                                                           tmp_path: Path) -> None:
    c, prefix = local_cluster, unique_name("r4")
    wanted = names(prefix, 200)
    with_schema = wanted[:4]
    d = tmp_path / "t"
    d.mkdir()
    (d / "event.avsc").write_text(json.dumps({"type": "record", "name": "E", "fields": [
        {"name": "id", "type": "string"}]}), encoding="utf-8")
    extra = "".join(f"  {n}:\n    value_schema: event.avsc\n" for n in with_schema)
    write_topology(d, prefix, [n for n in wanted if n not in with_schema], extra=extra)
    registry = c.component("registry")
    frozen: list[int] = []
    with workspace(c, prefix):
        try:
            with proxy(lambda: frozen.append(c.freeze(registry.name))) as port:
                url = f"http://127.0.0.1:{port}/apis/ccompat/v7"
                proc = start(c.conn, "apply", str(d), "--auto-approve", "--lock-timeout", "5m",
                             "--schema-registry-url", url, *scope(prefix), timeout_s=3)
                r = finish(proc, limit_s=240)
        finally:
            if frozen:
                c.thaw(frozen[0])
        assert frozen, "the apply never registered a schema: the registry was not stopped"
        assert r.rc == 1, r.err[-3000:]
        line = r.error()
        assert line == f"{len(with_schema)} of {len(wanted) + len(with_schema)} changes failed ({len(wanted)} applied)"
        outcomes = assert_report_true(c, r, prefix, set(wanted))
        assert {n for n, s in outcomes.items() if s == "failed"} == {f"{n}-value" for n in with_schema}
        assert set(wanted) <= c.topics(prefix), "a topic of the plan was not applied"
        for n in with_schema:  # nothing half-registered: absent, or exactly the one declared version
            assert _versions(c.conn, f"{n}-value") in (None, [1])
        assert_converges(c.conn, d, prefix)
        for n in with_schema:
            assert _versions(c.conn, f"{n}-value") == [1]
