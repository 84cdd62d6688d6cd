"""Fault cases 3 and 5, and the lock commands: two concurrent applies (one writes, the other refuses
or waits), kafkactl SIGKILLed mid-apply (the lock is free within the session timeout), release --force."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.faults.conftest import (
    RUN_LIMIT_S,
    Cluster,
    assert_converges,
    assert_report_true,
    finish,
    names,
    run,
    scope,
    start,
    wait_for,
    workspace,
    write_topology,
)

LOCKED = re.compile(r"^cluster is locked by \S+@\S+ \(pid (\d+), topology (.+)\) since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; "
                    r"nothing was applied$")


def _held_by(c: Cluster, pid: int) -> bool:
    return f"(pid {pid}," in run(c.conn, "lock", "status").out


def _holding(c: Cluster, proc: subprocess.Popen[str]) -> None:
    # Other sessions' applies on the shared cluster may hold the lock first: wait as long as a run may take.
    if not wait_for(lambda: _held_by(c, proc.pid), "the first apply to take the lock", RUN_LIMIT_S, proc):
        ended = finish(proc)
        raise AssertionError(f"the first apply ended (exit {ended.rc}) before it was seen holding the lock:\n"
                             f"{ended.err[-2000:]}")


def test_second_apply_refuses_at_once_or_waits(local_cluster: Cluster, unique_name: Any, tmp_path: Path) -> None:
    c, prefix = local_cluster, unique_name("f5")
    with workspace(c, prefix):
        big = write_topology(tmp_path / "big", prefix, names(prefix, 1500))
        small = write_topology(tmp_path / "small", f"{prefix}.s", [f"{prefix}.s.t0"])  # owns only {prefix}.s.t*
        first = start(c.conn, "apply", str(big), "--auto-approve", "--lock-timeout", "5m", *scope(prefix))
        _holding(c, first)
        # The waiter starts while the first surely holds the lock (it has 1,500 creates ahead of it);
        # started after the refusal below, it could find the first already done and never wait.
        waiter = start(c.conn, "apply", str(small), "--auto-approve", "--lock-timeout", "5m", *scope(prefix))
        refused = run(c.conn, "apply", str(small), "--auto-approve", *scope(prefix))
        assert refused.rc == 1
        m = LOCKED.match(refused.error())
        assert m and int(m[1]) == first.pid and m[2] == str(big.resolve()), refused.err
        assert refused.seconds < 15, f"the refusal took {refused.seconds:.0f} s, not 'at once'"
        assert refused.rc == 1 and first.poll() is None  # still holding, so nothing of small was applied yet
        assert f"{prefix}.s.t0" not in c.topics(prefix)

        done = finish(first)
        waited = finish(waiter)
        assert done.rc == 0, done.err[-3000:]
        assert waited.rc == 0, waited.err[-3000:]
        assert "waiting up to 5m for the apply lock: cluster is locked by" in waited.err
        assert waited.outcomes() == {f"{prefix}.s.t0": "applied"}
        assert_report_true(c, done, prefix, set(names(prefix, 1500)) | {f"{prefix}.s.t0"})
        assert_converges(c.conn, big, prefix)
        assert_converges(c.conn, small, prefix)


def test_same_topology_twice_at_once_applies_once(local_cluster: Cluster, unique_name: Any, tmp_path: Path) -> None:
    """The issue's two merged pull requests: with the lock, the second plans again after the first and
    finds nothing to do (before the lock it printed 1,500 TOPIC_ALREADY_EXISTS failures)."""
    c, prefix = local_cluster, unique_name("f5b")
    with workspace(c, prefix):
        d = write_topology(tmp_path / "t", prefix, names(prefix, 500))
        procs = [start(c.conn, "apply", str(d), "--auto-approve", "--lock-timeout", "5m", *scope(prefix)) for _ in range(2)]
        results = [finish(p) for p in procs]
        assert [r.rc for r in results] == [0, 0], [r.err[-2000:] for r in results]
        assert sorted("No changes." in r.out for r in results) == [False, True]
        assert not any("TOPIC_ALREADY_EXISTS" in r.out + r.err for r in results)
        assert_converges(c.conn, d, prefix)


def test_killed_apply_frees_the_lock_within_the_session_timeout(local_cluster: Cluster, unique_name: Any,
                                                                 tmp_path: Path) -> None:
    c, prefix = local_cluster, unique_name("f3")
    with workspace(c, prefix):
        d = write_topology(tmp_path / "t", prefix, names(prefix, 1500))
        victim = start(c.conn, "apply", str(d), "--auto-approve", "--lock-timeout", "5m", *scope(prefix))
        _holding(c, victim)
        wait_for(lambda: bool(c.topics(f"{prefix}.t")), "the first topics", proc=victim)
        os.kill(victim.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        finish(victim)
        assert _held_by(c, victim.pid), "the lock of a killed apply vanished before its session timed out"
        # Another session's apply may take the lock next: what counts is that the dead one lost it.
        wait_for(lambda: not _held_by(c, victim.pid), "the lock to be released", limit_s=90)
        freed = time.monotonic() - killed_at
        assert freed <= 60, f"the lock was released {freed:.0f} s after its holder died (CONTRACT: within 60 s)"
        assert c.topics(prefix) <= set(names(prefix, 1500)) | {f"{prefix}.keep"}
        assert_converges(c.conn, d, prefix)


def test_release_force_takes_the_lock_from_a_hung_apply(local_cluster: Cluster, unique_name: Any,
                                                         tmp_path: Path) -> None:
    """A hung holder (SIGSTOP once it holds the lock) is released by force at once, without waiting for
    its session to time out; a non-interactive release without --auto-approve is refused."""
    c, prefix = local_cluster, unique_name("f3b")
    with workspace(c, prefix):
        d = write_topology(tmp_path / "t", prefix, names(prefix, 1500))
        holder = start(c.conn, "apply", str(d), "--auto-approve", "--lock-timeout", "5m", *scope(prefix))
        try:
            _holding(c, holder)
            os.kill(holder.pid, signal.SIGSTOP)  # hung while holding (its session has 30 s left)
            refused = run(c.conn, "lock", "release", "--force")
            assert refused.rc == 1 and "non-interactive" in refused.error()
            assert _held_by(c, holder.pid)
            released = run(c.conn, "lock", "release", "--force", "--auto-approve")
            assert released.rc == 0, released.err
            assert "Released the apply lock of" in released.out
            assert not _held_by(c, holder.pid)
        finally:
            with contextlib.suppress(ProcessLookupError):  # it may have ended already
                os.kill(holder.pid, signal.SIGCONT)
        result = finish(holder)
        assert result.rc in (0, 1), result.err[-3000:]
        if result.rc == 1:  # it woke up without its lock: it started nothing new and said so
            assert "the apply lock was" in result.error()
        assert_converges(c.conn, d, prefix)
