"""The pure pipeline at 100k topics: load + diff + render against a synthetic live state (no cluster).

Usage:
    python bench/pipeline.py [--topics 100000] [--drift 0.01] [--runs 3] [--json-out FILE]

Local brokers cannot hold 100,000 topics, so the live state is made in memory from the topology
itself (every topic as declared, replicas on brokers 1-3), and ``--drift`` of the topics get another
``retention.ms``: the plan must list exactly that many updates, or the run fails. Two measurements,
each in a fresh process (``bench/measure.py`` gives wall time and peak RSS), best of ``--runs``:

- ``pipeline``: ``kafkactl.topology.load`` + ``kafkactl.diff.diff`` + ``render_plan`` (to a console
  writing to /dev/null), each timed inside the process; the synthetic state is built untimed
  (a real read holds the same objects);
- ``plan --json``: the real ``kafkactl plan DIR --json`` command, whole process, with only its two
  cluster calls replaced: ``workflow.read_live`` returns the synthetic state and the broker's
  ``validate_only`` check returns no rejection (1% drift of 100k is 1,000 alters of topics that do
  not exist). Everything else (start-up, load, diff, JSON) is the command's own code.

Targets (issue 17): pipeline <= 6 s and <= 400 MB peak RSS; plan --json <= 7 s; printed met or MISSED.
These are measurements, not tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_topology import generate  # bench/ is not a package
from timing import run_process

PIPELINE_S, PIPELINE_RSS_MB, JSON_S = 6.0, 400.0, 7.0
TEMPLATES = 10
DRIFT_VALUE = "172800000"  # 2d: every drifted topic's live retention.ms (the topology says 1d)


def synthetic_live(topology: Any, drift: float) -> Any:
    """Every declared topic as live, ``drift`` of them (evenly spread) with another retention.ms."""
    from types import MappingProxyType

    from kafkactl.model import LiveState, LiveTopic

    every = max(1, round(1 / drift)) if drift > 0 else 0
    topics = {}
    keys: set[str] = set()
    for i, (name, spec) in enumerate(sorted(topology.topics.items())):
        configs = dict(spec.configs)
        keys.update(configs)
        if every and i % every == 0:
            configs["retention.ms"] = DRIFT_VALUE
        replicas = tuple(tuple((p + r) % 3 + 1 for r in range(spec.replication_factor)) for p in range(spec.partitions))
        topics[name] = LiveTopic(name, spec.partitions, spec.replication_factor, MappingProxyType(configs),
                                 replicas=replicas)
    keys |= {"retention.ms", "cleanup.policy", "min.insync.replicas", "segment.bytes"}
    return LiveState(cluster_id="synthetic", broker_count=3, topics=MappingProxyType(topics),
                     topic_config_keys=frozenset(keys))


def expected_changes(topics: int, drift: float) -> int:
    every = max(1, round(1 / drift)) if drift > 0 else 0
    return len(range(0, topics, every)) if every else 0


# --- the child processes -------------------------------------------------------------------------


def child_pipeline(directory: str, drift: float) -> None:
    """load + diff + render, each timed; prints one JSON line."""
    from rich.console import Console

    from kafkactl.diff import diff
    from kafkactl.render import render_plan
    from kafkactl.topology import load

    t0 = time.perf_counter()
    loaded = load(directory)
    t1 = time.perf_counter()
    live = synthetic_live(loaded.topology, drift)
    t2 = time.perf_counter()
    plan = diff(loaded.topology, live)
    t3 = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        render_plan(plan, Console(file=sink, force_terminal=False, width=120), loaded.topology.cluster.name)
    t4 = time.perf_counter()
    print(json.dumps({"load_s": t1 - t0, "live_s": t2 - t1, "diff_s": t3 - t2, "render_s": t4 - t3,
                      "changes": len(plan.changes), "errors": list(plan.errors[:3])}))


def child_plan_json(directory: str, drift: float) -> int:
    """``kafkactl plan DIR --json`` with the reader and the broker check replaced (see the module doc)."""
    from kafkactl import workflow
    from kafkactl.cli.main import main as kafkactl_main

    def read_live(topology: Any, *args: Any, **kwargs: Any) -> Any:
        return synthetic_live(topology, drift)

    workflow.read_live = read_live
    workflow.broker_check = lambda plan, admin: ()
    return kafkactl_main(["plan", directory, "--json"])


# --- the driver ----------------------------------------------------------------------------------


def _child(args: list[str], timeout_s: float) -> tuple[float, float, str]:
    run = run_process([sys.executable, __file__, *args], timeout_s)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {run.returncode}:\n{run.output[-3000:]}")
    return run.seconds, run.rss_mib * 1.048576, run.output  # MiB -> MB


def measure(topics: int, drift: float, runs: int, timeout_s: float = 600) -> dict[str, Any]:
    """Best of ``runs`` for each measurement; fails when a plan does not list exactly the drift."""
    want = expected_changes(topics, drift)
    with tempfile.TemporaryDirectory(prefix="kafkactl-pipeline-") as tmp:
        directory = str(Path(tmp) / "topology")
        generate(directory, topics // TEMPLATES, TEMPLATES, partitions=1, replication_factor=3, prefix="bench")
        pipe: list[dict[str, Any]] = []
        plans: list[dict[str, Any]] = []
        for _ in range(runs):
            wall, rss, out = _child(["--child", "pipeline", directory, str(drift)], timeout_s)
            found = json.loads(out.strip().splitlines()[-1])
            if found["changes"] != want or found["errors"]:
                raise RuntimeError(f"pipeline: {found['changes']} changes (want {want}), errors {found['errors']}")
            found |= {"wall_s": wall, "rss_mb": rss,
                      "work_s": found["load_s"] + found["diff_s"] + found["render_s"]}
            pipe.append(found)
            wall, rss, out = _child(["--child", "plan-json", directory, str(drift)], timeout_s)
            doc = json.loads(out[out.index("{"):])
            if len(doc["changes"]) != want:
                raise RuntimeError(f"plan --json: {len(doc['changes'])} changes, want {want}")
            plans.append({"wall_s": wall, "rss_mb": rss, "bytes": len(out)})
    best = min(pipe, key=lambda r: r["work_s"])
    return {"topics": topics, "drift": drift, "changes": want, "runs": runs,
            "pipeline": best, "pipeline_all_s": [round(r["work_s"], 3) for r in pipe],
            "pipeline_peak_rss_mb": max(r["rss_mb"] for r in pipe),
            "plan_json": min(plans, key=lambda r: r["wall_s"]), "plan_json_all_s": [round(r["wall_s"], 3) for r in plans],
            "plan_json_peak_rss_mb": max(r["rss_mb"] for r in plans)}


def verdicts(found: dict[str, Any]) -> list[tuple[str, str, bool]]:
    p, j = found["pipeline"], found["plan_json"]
    return [
        (f"load + diff + render <= {PIPELINE_S:g} s", f"{p['work_s']:.2f} s (load {p['load_s']:.2f}, diff "
         f"{p['diff_s']:.2f}, render {p['render_s']:.2f})", p["work_s"] <= PIPELINE_S),
        (f"its peak RSS <= {PIPELINE_RSS_MB:g} MB", f"{found['pipeline_peak_rss_mb']:.0f} MB",
         found["pipeline_peak_rss_mb"] <= PIPELINE_RSS_MB),
        (f"`plan --json` (whole process) <= {JSON_S:g} s",
         f"{j['wall_s']:.2f} s, {found['plan_json_peak_rss_mb']:.0f} MB peak RSS", j["wall_s"] <= JSON_S),
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        what, directory, drift = argv[1], argv[2], float(argv[3])
        if what == "pipeline":
            child_pipeline(directory, drift)
            return 0
        return child_plan_json(directory, drift)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--topics", type=int, default=100_000)
    p.add_argument("--drift", type=float, default=0.01)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--json-out", type=Path, help="also write the figures to this file")
    args = p.parse_args(argv)
    found = measure(args.topics, args.drift, args.runs)
    print(f"{args.topics:,} desired vs {args.topics:,} live, {found['changes']:,} drifted, best of {args.runs}:")
    for target, measured, met in verdicts(found):
        print(f"  {target}: {measured}: {'met' if met else 'MISSED'}")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
    return 0  # a measurement: the verdicts are printed (and reported), never an exit code


if __name__ == "__main__":
    sys.exit(main())
