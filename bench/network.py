"""kafkactl at a network distance (0, 1, 20 ms RTT) and beside a real peer, segmentio/topicctl.

Usage (``make bench`` runs it after bench/run.py):
    python bench/network.py [--n 1000,10000] [--rtt 0,1,20] [--only latency,peer] [--peer-n 200,1000]
                            [--reps 3] [--warmup 1] [--sample 300] [--resume] [--fresh]

- ``latency``: the plan, create and alter cases of bench/cases.py (kafkactl beside its floors, B_seq
  and B_par10) with every client, kafkactl's included, talking to the cluster through Toxiproxy
  (bench/latency.py) at each RTT; 0 ms is the plain PLAINTEXT listener (no proxy). Needs the
  cluster's latency listener (``kafkactl local up --latency-listener``) and Go to build Toxiproxy;
  without them the case is skipped with the reason.
- ``peer``: topicctl v1.21.0 (built by bench/tools.py; skipped with a note without Go) and kafkactl
  applying the same N topics (one topicctl file per topic, as its users keep them): create, no
  change, and one config change on every topic, wall time and peak RSS of each process.

Results merge into bench/out/network.json; bench/RESULTS.md is written again (bench/run.py
--report-only), and its sections from this file come from bench/network_report.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cases
import kafka_ops
import latency
import tools
from lease import cluster_lease
from timing import ProcessRun, alternate, checked, run_process, say

from kafkactl.local.layout import bootstrap_servers

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "out" / "network.json"
# Another apply holding the cluster's apply lock (a test run) is waited for, not failed on; the wait
# counts in the time, so the report says how loaded the machine was.
LOCK_WAIT = ("--lock-timeout", "10m")
PEER_RETENTION_MIN = 1440  # = the generated topology's retention.ms 86400000 (1d)


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", default="1000,10000", help="topic counts of the latency case")
    p.add_argument("--rtt", default="0,1,20", help="round trips to add, ms")
    p.add_argument("--latency-cases", default="plan,create,alter", help="cases run at each RTT")
    p.add_argument("--only", default="latency,peer")
    p.add_argument("--peer-n", default="200,1000", help="topic counts of the topicctl case")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--sample", type=int, default=300, help="B_seq/B_par10 topics per repetition, scaled to N")
    p.add_argument("--process-timeout", type=float, default=1800)
    p.add_argument("--resume", action="store_true", help="skip what bench/out/network.json holds already")
    p.add_argument("--fresh", action="store_true", help="discard earlier network results")
    args = p.parse_args(argv)
    args.ns = [int(x) for x in args.n.split(",") if x]
    args.rtts = [int(x) for x in args.rtt.split(",") if x]
    args.peer_ns = [int(x) for x in args.peer_n.split(",") if x]
    args.cases = [c for c in args.latency_cases.split(",") if c]
    args.what = [c for c in args.only.split(",") if c]
    return args


def load() -> dict[str, Any]:
    return json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}


def save(results: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


def _context(cfg: cases.Settings, started_load: str) -> str:
    load_now = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{time.strftime('%Y-%m-%d %H:%M')}; {cfg.reps} repetitions after {cfg.warmup} warm-up round(s); "
            f"load average {started_load} -> {load_now}")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# --- the latency case ------------------------------------------------------------------------------


@contextmanager
def through(bootstrap: str | None) -> Iterator[None]:
    """Every client of this process and of the kafkactl processes it starts talks to ``bootstrap``.

    KAFKACTL_BOOTSTRAP_SERVERS also tells kafka_ops the cluster is not the local one (it then
    cannot look at the brokers' open files); it is the local one, so its pids are kept.
    """
    pids = kafka_ops.broker_pids()
    saved_env, saved_pids = os.environ.get("KAFKACTL_BOOTSTRAP_SERVERS"), kafka_ops.broker_pids
    if bootstrap:
        os.environ["KAFKACTL_BOOTSTRAP_SERVERS"] = bootstrap
        kafka_ops.broker_pids = lambda: pids
    try:
        yield
    finally:
        kafka_ops.broker_pids = saved_pids
        if saved_env is None:
            os.environ.pop("KAFKACTL_BOOTSTRAP_SERVERS", None)
        else:
            os.environ["KAFKACTL_BOOTSTRAP_SERVERS"] = saved_env


def run_latency(args: argparse.Namespace, results: dict[str, Any], root: Path) -> None:
    done = results.setdefault("latency", {})
    why_not = latency.listener_enabled() if any(r > 0 for r in args.rtts) else None
    binary, how = tools.ensure(tools.TOXIPROXY) if why_not is None else (None, why_not)
    results["latency_tool"] = how
    if binary is None:
        say(f"latency: {how}")
        results["latency_skipped"] = how
        rtts = [r for r in args.rtts if r == 0]
    else:
        results.pop("latency_skipped", None)
        rtts = args.rtts
    cfg = cases.Settings(args.reps, args.warmup, args.sample, args.process_timeout)
    proxy = latency.Proxy(binary, BENCH / "out" / "toxiproxy.log").start() if binary and any(rtts) else None
    try:
        for n in args.ns:
            todo = [(r, c) for r in rtts for c in args.cases if not (args.resume and c in done.get(str(r), {}).get(str(n), {}))]
            if not todo:
                continue
            sets: dict[int, cases.TopicSet] = {}
            try:
                for rtt, case in todo:
                    # RF 1 above 1,000 topics: creating 10k RF 3 topics took minutes of the shared 2-core
                    # cluster (bench/run.py does the same for its 10k creates); a plan reads configs alike.
                    rf = 3 if n <= 1000 else 1
                    ts = sets.get(rf) or sets.setdefault(rf, cases.TopicSet.generate(
                        n, root, f"bench-{uuid.uuid4().hex[:8]}", rf))
                    bootstrap = None
                    if rtt and proxy is not None:
                        proxy.set_rtt(rtt)
                        bootstrap = proxy.bootstrap
                    if case == "create":  # it creates them: a plan or alter at another RTT may have left them
                        ts.delete()
                    with through(bootstrap):
                        seen = latency.measured_rtt(bootstrap or bootstrap_servers())
                        say(f"latency {rtt} ms (a metadata round trip takes {seen:.1f} ms): N={n} {case}, RF {ts.rf}")
                        started = _load()
                        found = getattr(cases, case)(cfg, ts)
                    found["_context"] = _context(cfg, started) + f"; RF {ts.rf}; metadata round trip {seen:.1f} ms"
                    done.setdefault(str(rtt), {}).setdefault(str(n), {})[case] = found
                    save(results)
            finally:
                for ts in sets.values():
                    say(f"latency N={n}: deleting {ts.prefix}.*")
                    ts.delete()
    finally:
        if proxy is not None:
            proxy.stop()


# --- the topicctl peer -----------------------------------------------------------------------------


def write_topicctl(root: Path, names: list[str], bootstrap: str, retention_min: int) -> Path:
    """topicctl's cluster config and one topic config per topic (its users' layout); returns the topics glob."""
    root.mkdir(parents=True, exist_ok=True)
    meta = "  cluster: bench\n  environment: bench\n  region: local\n"
    addrs = "".join(f"    - {a}\n" for a in bootstrap.split(","))
    (root / "cluster.yaml").write_text(
        f"meta:\n  name: bench\n  environment: bench\n  region: local\n  description: bench\nspec:\n  bootstrapAddrs:\n{addrs}",
        encoding="utf-8")
    topics = root / "topics"
    topics.mkdir(exist_ok=True)
    for name in names:
        (topics / f"{name}.yaml").write_text(
            f"meta:\n  name: {name}\n{meta}spec:\n  partitions: 1\n  replicationFactor: 3\n"
            f"  retentionMinutes: {retention_min}\n  placement:\n    strategy: any\n", encoding="utf-8")
    return topics


def _topicctl(binary: Path, root: Path, timeout_s: float, sleep_loop: str) -> ProcessRun:
    argv = [str(binary), "apply", "--skip-confirm", "--sleep-loop-duration", sleep_loop,
            "--cluster-config", str(root / "cluster.yaml"), str(root / "topics" / "*.yaml")]
    return checked(run_process(argv, timeout_s), "topicctl apply")


def run_peer(args: argparse.Namespace, results: dict[str, Any], root: Path) -> None:
    binary, how = tools.ensure(tools.TOPICCTL)
    peer = results.setdefault("peer", {})
    results["peer_tool"] = how if binary is None else f"{how}; {tools.version_of(binary)}"
    if binary is None:
        say(f"peer: {how}")
        return
    cfg = cases.Settings(args.reps, args.warmup, args.sample, args.process_timeout)
    bootstrap = os.environ.get("KAFKACTL_BOOTSTRAP_SERVERS") or "127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094"
    for n in args.peer_ns:
        if args.resume and str(n) in peer:
            continue
        started = _load()
        sets = {who: cases.TopicSet.generate(n, root / who, f"bench-{uuid.uuid4().hex[:8]}", 3)
                for who in ("kafkactl", "topicctl")}
        tc_root = root / f"topicctl-{n}"
        peer[str(n)] = {}  # filled case by case: a peer that fails later keeps what was measured
        try:
            peer_case(cfg, binary, sets, tc_root, bootstrap, peer[str(n)])
            peer[str(n)]["_context"] = _context(cfg, started) + (
                f"; RF 3; {len(kafka_ops.client().list_topics(timeout=30).topics)} topics in the cluster")
            save(results)
        finally:
            save(results)
            for ts in sets.values():
                say(f"peer N={n}: deleting {ts.prefix}.*")
                ts.delete()


def peer_case(cfg: cases.Settings, binary: Path, sets: dict[str, cases.TopicSet], tc_root: Path,
              bootstrap: str, out: dict[str, Any]) -> None:
    """create, no change, one config change on all: kafkactl apply vs topicctl apply, alternating."""
    k, t = sets["kafkactl"], sets["topicctl"]
    n = k.n
    # topicctl sleeps SleepLoopDuration/5 after each create (2 s at its default 10 s: 200 topics take
    # over 400 s); 100ms makes that 20 ms, topicctl at its fastest.
    sleep_loop = "100ms"
    write_topicctl(tc_root, t.names, bootstrap, PEER_RETENTION_MIN)
    baseline = kafka_ops.files_open()

    def kafkactl_apply(expect: str) -> Callable[[], ProcessRun]:
        return lambda: cases._kafkactl(cfg, "peer", "apply", str(k.directory), "--auto-approve", *LOCK_WAIT,
                                       expect=expect)

    def topicctl_apply() -> ProcessRun:
        return _topicctl(binary, tc_root, cfg.timeout_s, sleep_loop)

    def recreate(last: bool) -> None:
        if not last:
            for ts in (k, t):
                ts.delete()
            kafka_ops.quiesce(baseline, say)

    out["_settings"] = f"topicctl apply --skip-confirm --sleep-loop-duration {sleep_loop}, one file per topic"
    found = alternate(f"peer N={n} create", {"kafkactl apply": kafkactl_apply(f"Resources: {n} added"),
                                               "topicctl apply": topicctl_apply}, cfg.reps, cfg.warmup, recreate)
    out["create"] = {name: cases._entry(s, "process wall time") for name, s in found.items()}
    for ts in (k, t):
        ts.ensure_created()
    found = alternate(f"peer N={n} no change", {"kafkactl apply": kafkactl_apply("No changes"),
                                                  "topicctl apply": topicctl_apply}, cfg.reps, cfg.warmup)
    out["no change"] = {name: cases._entry(s, "process wall time") for name, s in found.items()}
    step: dict[str, Any] = {"i": 0, "names": k.names, "value": ""}

    def changed(ts: cases.TopicSet) -> int:
        step["i"] += 1
        minutes = PEER_RETENTION_MIN + step["i"]
        step["names"], step["value"] = ts.names, str(minutes * 60_000)
        return minutes

    def kafkactl_change() -> ProcessRun:
        k.set_retention(str(changed(k) * 60_000))
        return kafkactl_apply(f"{n} changed")()

    def topicctl_change() -> ProcessRun:
        write_topicctl(tc_root, t.names, bootstrap, changed(t))
        return topicctl_apply()

    def settle(last: bool) -> None:  # untimed: the brokers show the last change before the next step
        kafka_ops.configs_shown(step["names"], "retention.ms", step["value"])

    found = alternate(f"peer N={n} config change", {"kafkactl apply": kafkactl_change,
                                                      "topicctl apply": topicctl_change}, cfg.reps, cfg.warmup, settle)
    out["config change"] = {name: cases._entry(s, "process wall time") for name, s in found.items()}
    k.set_retention(cases.RETENTION)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    os.environ.setdefault("KAFKACTL_LOCK_TIMEOUT", LOCK_WAIT[1])  # bench/cases.py's applies wait for the lock too
    results = {} if args.fresh else load()
    started = time.monotonic()
    with cluster_lease(say), kafka_ops.fast_log_deletion(say), tempfile.TemporaryDirectory(prefix="kafkactl-net-") as tmp:
        if "latency" in args.what:
            run_latency(args, results, Path(tmp))
        if "peer" in args.what:
            run_peer(args, results, Path(tmp))
    results["meta"] = {"finished": time.strftime("%Y-%m-%d %H:%M %Z"),
                       "elapsed_min": (time.monotonic() - started) / 60 + (results.get("meta", {}).get("elapsed_min", 0)
                                                                          if args.resume else 0)}
    save(results)
    import network_report
    import run

    if (BENCH / "out" / "results.json").exists():
        return run.main(["--report-only"])  # the whole report, these sections at its end
    network_report.update()  # no main results here: only these sections of RESULTS.md are written
    return 0


if __name__ == "__main__":
    sys.exit(main())
