"""Interrupts during apply (issue 14 section 3): the first SIGINT or SIGTERM lets the requests in flight
finish and starts nothing new; the second stops at once. Either way: exit 130, every change reported
(applied, failed, not started), the report agrees with the cluster, and a second apply converges."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import (
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

SUMMARY = re.compile(r"^interrupted: (\d+) of (\d+) changes applied, (\d+) failed, (\d+) not started \(each listed above\)$")


def _counts(line: str) -> tuple[int, int, int, int]:
    m = SUMMARY.match(line)
    assert m, line
    return int(m[1]), int(m[2]), int(m[3]), int(m[4])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_first_interrupt_finishes_in_flight_and_starts_nothing_new(
    local_cluster: Cluster, unique_name: Any, tmp_path: Path, sig: signal.Signals
) -> None:
    c, prefix = local_cluster, unique_name("i1")
    old, new = names(prefix, 2000)[:1000], names(prefix, 2000)[1000:]
    with workspace(c, prefix):
        first = write_topology(tmp_path / "a", prefix, old)
        assert run(c.conn, "apply", str(first), "--auto-approve", "--lock-timeout", "5m", *scope(prefix)).rc == 0
        # Creates come first (executor phase order), then the 1,000 config updates.
        d = write_topology(tmp_path / "b", prefix, old + new, {"retention.ms": "3600000"})
        proc = start(c.conn, "apply", str(d), "--auto-approve", "--lock-timeout", "5m", *scope(prefix))
        began = time.monotonic()
        assert wait_for(lambda: bool(c.topics(new[0])), "the first created topic", proc=proc), finish(proc).err
        proc.send_signal(sig)
        r = finish(proc, began=began)
        assert r.rc == 130, r.err[-3000:]
        assert f"{sig.name} received: finishing the requests in flight" in r.err
        applied, total, failed, skipped = _counts(r.error())
        assert total == 2000 and applied + failed + skipped == total
        outcomes = assert_report_true(c, r, prefix, set(old + new))
        assert len(outcomes) == 2000
        # A change not started was not sent: those topics still have no retention.ms of their own.
        for name in [n for n, s in outcomes.items() if s == "not started"][:20]:
            assert "retention.ms" not in c.configs(name), name
        left = run(c.conn, "plan", str(d), "--json", *scope(prefix))
        assert "changes" in left.out  # plan shows what is left
        assert_converges(c.conn, d, prefix)


def test_second_interrupt_stops_at_once_with_the_report(local_cluster: Cluster, unique_name: Any,
                                                        tmp_path: Path) -> None:
    c, prefix = local_cluster, unique_name("i2")
    wanted = names(prefix, 2000)
    with workspace(c, prefix):
        d = write_topology(tmp_path / "t", prefix, wanted)
        proc = start(c.conn, "apply", str(d), "--auto-approve", "--lock-timeout", "5m", *scope(prefix))
        assert wait_for(lambda: bool(c.topics(wanted[0])), "the first created topic", proc=proc), finish(proc).err
        proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        stopped_at = time.monotonic()
        r = finish(proc)
        assert r.rc == 130, r.err[-3000:]
        assert time.monotonic() - stopped_at < 20, "the second interrupt did not stop apply at once"
        applied, total, failed, skipped = _counts(r.error())
        assert total == 2000 and applied + failed + skipped == total
        assert_report_true(c, r, prefix, set(wanted))
        assert_converges(c.conn, d, prefix)

