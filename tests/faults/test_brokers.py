"""Fault cases 1 and 2: a broker SIGKILLed in the middle of a 2,000-topic create and of a 2,000-topic
config change (restarted before the second apply); a broker SIGSTOPped during a plan and another during
an apply (kafkactl ends within its timeouts with a clear error; SIGCONT after). Each: the exit code and
one line, the report agrees with the cluster, nothing outside the plan changed, a second apply converges."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.faults.conftest import (
    Cluster,
    Result,
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

N = 2000
# Exit 1 after a fault names what was applied: per change above, counted in the one line.
FAILED = re.compile(r"^\d+ of \d+ changes failed \(\d+ applied\)$")
STOPPED = re.compile(r"^apply stopped: .+: \d+ of \d+ changes applied, \d+ failed, \d+ not started \(each listed above\)$")


def _assert_honest(r: Result) -> None:
    """Exit 0 (every write acknowledged; a failed confirming read is only a warning), or exit 1 with
    the one line that counts the applied changes (or, before any write, names the request that failed);
    never a traceback, never another code."""
    assert "Traceback" not in r.err, r.err[-3000:]
    assert r.rc in (0, 1), f"exit {r.rc}:\n{r.err[-3000:]}"
    if r.rc == 0:
        assert "Apply complete!" in r.out
    else:
        line = r.error()
        # Or it failed before writing (the read that plans under the lock timed out): one line naming the
        # request, and no change reported because none was sent.
        before = line.startswith("cannot ") and not r.outcomes()
        assert FAILED.match(line) or STOPPED.match(line) or before, line


def test_broker_killed_mid_create_and_mid_config_change(local_cluster: Cluster, unique_name: Any,
                                                        tmp_path: Path) -> None:
    c, prefix = local_cluster, unique_name("b1")
    wanted = names(prefix, N)
    with workspace(c, prefix):
        d = write_topology(tmp_path / "create", prefix, wanted)
        proc = start(c.conn, "apply", str(d), "--auto-approve", "--lock-timeout", "5m", *scope(prefix))
        try:
            wait_for(lambda: bool(c.topics(wanted[0])), "the first created topic", proc=proc)
            c.kill("node-3")
            r = finish(proc)
        finally:
            c.restore()
        _assert_honest(r)
        assert_report_true(c, r, prefix, set(wanted))
        assert_converges(c.conn, d, prefix)

        altered = write_topology(tmp_path / "alter", prefix, wanted, {"retention.ms": "3600000"})
        proc = start(c.conn, "apply", str(altered), "--auto-approve", "--lock-timeout", "5m", *scope(prefix))
        try:
            wait_for(lambda: "retention.ms" in c.configs(wanted[0]), "the first altered topic", proc=proc)
            c.kill("node-2")
            r = finish(proc)
        finally:
            c.restore()
        _assert_honest(r)
        assert_report_true(c, r, prefix, set(wanted))
        assert_converges(c.conn, altered, prefix)


def test_broker_frozen_during_plan_and_during_apply(local_cluster: Cluster, unique_name: Any,
                                                     tmp_path: Path) -> None:
    c, prefix = local_cluster, unique_name("b2")
    wanted = names(prefix, 500)
    with workspace(c, prefix):
        d = write_topology(tmp_path / "t", prefix, wanted)
        with c.frozen("node-2"):
            p = run(c.conn, "plan", str(d), *scope(prefix), timeout_s=5, limit_s=180)
        # Bounded (limit_s), and either the plan or one line naming the request that timed out.
        # Bounded (limit_s): the plan; or a plan error once the controller fenced the frozen broker (the
        # cluster has 2 live brokers); or one Error line naming the request that timed out.
        assert p.rc in (0, 1), p.err[-3000:]
        if p.rc == 0:
            assert f"Plan: {len(wanted)} to add" in p.out
        elif "Errors (" in p.out:
            assert re.search(r"live brokers|timed out|Timed out|TIMED_OUT", p.out), p.out[-3000:]
        else:
            assert re.search(r"(cannot|timed out|Timed out|TIMED_OUT)", p.error()), p.err

        proc = start(c.conn, "apply", str(d), "--auto-approve", "--lock-timeout", "5m", *scope(prefix), timeout_s=5)
        wait_for(lambda: f"(pid {proc.pid}," in run(c.conn, "lock", "status").out, "the apply to hold the lock",
                 proc=proc)
        with c.frozen("node-3"):
            r = finish(proc, limit_s=240)
        _assert_honest(r)
        assert_report_true(c, r, prefix, set(wanted))
        assert_converges(c.conn, d, prefix)
