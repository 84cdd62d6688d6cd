"""kafkactl benchmarks against the local cluster: plan, create, alter and schemas vs their floors and baselines.

Usage (``make bench`` runs it with the defaults):
    python bench/run.py [--n 1000,10000] [--reps 5] [--only create,plan,alter,schemas] [--resume]

Results go to bench/out/results.json (merged: a partial rerun replaces only what it ran;
``--resume`` skips what is there) and bench/RESULTS.md is written from it and printed.
Progress goes to stderr. Every topic and subject a run creates carries a unique
``bench-<hex>.`` prefix and is deleted at the end, on failure and on Ctrl-C too.
These are measurements, not tests: nothing here asserts; the report says met or missed.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cases
import kafka_ops
import network_report
import registry_ops
import report
from lease import cluster_lease
from timing import say

from kafkactl.connection import resolve
from kafkactl.local.layout import Layout

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
from tests import registries  # noqa: E402  (Karapace's start-up, shared with the test suite)

REGISTRIES = ("apicurio", "karapace")
SCHEMA_RESULTS = {"apicurio": "schemas", "karapace": "schemas-karapace"}  # where each registry's case is stored
CASES = ("create", "plan", "alter", "schemas", "startup", "load")
TOPIC_CASES = ("create", "plan", "alter")
MAX_RF3_TOPICS = 10_000  # ARCHITECTURE 5: a local broker holds ~10-15k partition replicas; beyond, RF 1
# Creating 10k RF 3 topics took over 5 minutes of the whole cluster on the 2-core machine (load 19);
# 12 create+delete rounds of that are hours, so the create case uses RF 1 above this many topics.
MAX_RF3_CREATE = 1_000
NOTES = [
    "Every timed step builds its own client, as a kafkactl process does; set-up between steps "
    "(deleting topics, waiting until the brokers have closed the files of deleted logs) is not timed.",
    "`kafkactl plan` / `kafkactl apply` are timed as whole processes (interpreter start-up and imports "
    "included); `make_plan (in-process)` is `kafkactl.workflow.make_plan` inside this process.",
    "kafkactl apply = plan (read, diff, the broker's validate_only check of every mutation) + the mutations "
    "+ waiting (up to 30 s) until the brokers show them; the floors do only the mutations (and, for create, the "
    "metadata wait). The alter case also times the floor until the brokers show the change, and lets them settle "
    "(untimed) after every step.",
    "Topics: N/10 tenants x 10 templates from bench/gen_topology.py, 1 partition each, one dynamic config "
    "(retention.ms); ownership is scoped to the run's `bench-<hex>` prefix.",
    f"Replication factor 3, except the create case above {MAX_RF3_CREATE:,} topics, which uses RF 1: on this "
    "2-core cluster one create of 10,000 RF 3 topics took over 5 minutes (load average 19) and its delete as long, "
    "so 12 alternating rounds would take hours of the shared cluster. Floor and kafkactl create the same topics.",
    "kafkactl runs from bytecode compiled at the start of the run, as from a wheel install; without it "
    "(an editable install with PYTHONDONTWRITEBYTECODE set) every process would compile its modules again.",
    "Tuning of the local cluster: broker heaps of 2 GiB, and "
    "log.segment.delete.delay.ms=1000 while the run lasts (deleted topics' files go after 1 s, not 60 s, "
    "so each create round starts from the same state without a minute's wait).",
    "How the committed run went: on a fresh clone of 50210e1 after `make install`, "
    "`bench/run.py --fresh --n 1000` (every case), then `--resume --n 10000 --only plan,alter --reps 3 --warmup 0` "
    "and `--resume --n 10000 --only create --reps 3 --warmup 0` (at 10,000 topics one alter round, with the "
    "brokers settling after each step, takes about 9 minutes). Commits after 50210e1 change only docstrings, "
    "one no-op line and the report's wording.",
    "N=10,000 create: a profile of one such apply after the run (pyinstrument, 37.5 s) spent 31.2 s in the "
    "confirmation: the full metadata reads kept finding 2,000 of the new topics not yet shown by the broker "
    "asked until the 30 s deadline, and apply ended with its warning. The floor's metadata wait accepts the first "
    "read that shows them all. The run before (1221c74) measured this case at 11.7 s.",
    "Peak RSS is measured by `bench/measure.py`, a small process that forks kafkactl. Runs before 50210e1 "
    "forked kafkactl from the bench process itself, and on Linux such a child reports at least its parent's "
    "RSS (a `/bin/true` forked from a 400 MiB process showed 414 MiB): their 10k figures (555 MB) were the "
    "bench's own size.",
    "The cluster is shared: other people's test runs may have loaded it; each case records the load average "
    "and the test processes seen while it ran.",
]


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", default="1000,10000", help="topic counts, comma-separated (multiples of 10)")
    p.add_argument("--reps", type=int, default=5, help="timed repetitions per variant (after the warm-up)")
    p.add_argument("--warmup", type=int, default=1, help="untimed warm-up rounds")
    p.add_argument("--only", default=",".join(CASES), help=f"cases to run: {','.join(CASES)}")
    p.add_argument("--subjects", type=int, default=1000, help="subjects in the schemas case")
    p.add_argument("--registries", default=",".join(REGISTRIES),
                   help="registries of the schemas case: apicurio (the local cluster's), karapace "
                        "(KAFKACTL_BENCH_KARAPACE_URL, else started from shared/registries/karapace; skipped without)")
    p.add_argument("--sample", type=int, default=1000, help="B_seq/B_par10 read at most this many topics, scaled to N")
    p.add_argument("--load-n", default="10000,100000", help="topic counts of the load case (validate, offline)")
    p.add_argument("--resume", action="store_true", help="skip cases already in the results file")
    p.add_argument("--report-only", action="store_true", help="only write RESULTS.md again from the results file")
    p.add_argument("--fresh", action="store_true", help="discard earlier results first")
    p.add_argument("--budget-min", type=float, default=240, help="start no case after this many minutes")
    p.add_argument("--quiet-wait-min", type=float, default=20,
                   help="before a case of 10k+ topics, wait up to this long for other test runs to finish")
    p.add_argument("--process-timeout", type=float, default=900, help="kill a kafkactl process after this many s")
    p.add_argument("--results", type=Path, default=BENCH / "out" / "results.json")
    p.add_argument("--report", type=Path, default=BENCH / "RESULTS.md")
    args = p.parse_args(argv)
    args.ns = [int(x) for x in args.n.split(",") if x]
    args.cases = [c for c in args.only.split(",") if c]
    if unknown := set(args.cases) - set(CASES):
        p.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    return args


# --- the machine -----------------------------------------------------------------------------------


def _meminfo() -> str:
    with open("/proc/meminfo", encoding="ascii") as fh:
        kib = int(next(ln for ln in fh if ln.startswith("MemTotal")).split()[1])
    return f"{kib / 1024 / 1024:.1f} GiB"


def _cpu() -> str:
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
        return next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), platform.processor())


def _kafka_version() -> str:
    if os.environ.get("KAFKACTL_BOOTSTRAP_SERVERS"):
        return f"external cluster at {os.environ['KAFKACTL_BOOTSTRAP_SERVERS']}"
    from kafkactl.local import artifacts, config

    return (f"Apache Kafka {artifacts.KAFKA_VERSION}, 3 KRaft nodes (broker+controller), local, "
            f"{config.BROKER_HEAP} heap each; {kafka_ops.DELETE_DELAY_KEY}=1000 during the run")


def machine(args: argparse.Namespace) -> dict[str, Any]:
    import confluent_kafka

    return {
        "cpu": _cpu(), "nproc": os.cpu_count(), "memory": _meminfo(), "kafka": _kafka_version(),
        "registry": registry_ops.registry_version(), "python": platform.python_version(),
        "confluent_kafka": f"{confluent_kafka.version()[0]} / {confluent_kafka.libversion()[0]}",
        "ns": ", ".join(str(n) for n in args.ns), "reps": args.reps, "warmup": args.warmup,
        "subjects": args.subjects, "started": time.strftime("%Y-%m-%d %H:%M %Z"), "load_start": _load(),
    }


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def test_runs() -> int:
    """Other people's pytest processes on this machine."""
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
        except OSError:
            continue
        count += any(a.endswith(b"pytest") or a == b"pytest" for a in argv[:3])
    return count


def wait_quiet(max_min: float) -> None:
    deadline = time.monotonic() + max_min * 60
    while (busy := test_runs()) and time.monotonic() < deadline:
        say(f"{busy} test process(es) running; waiting for a quiet machine before a heavy case")
        time.sleep(60)


# --- results ---------------------------------------------------------------------------------------


def load_results(args: argparse.Namespace) -> dict[str, Any]:
    if args.fresh or not args.results.exists():
        return {"topics": {}}
    data: dict[str, Any] = json.loads(args.results.read_text(encoding="utf-8"))
    return data


def save(args: argparse.Namespace, results: dict[str, Any]) -> None:
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


def context(started_load: str, tests_before: int, cfg: cases.Settings) -> str:
    return (f"{time.strftime('%Y-%m-%d %H:%M')}; {cfg.reps} repetitions after {cfg.warmup} warm-up round(s); "
            f"load average {started_load} -> {_load()}; other test processes at start/end: {tests_before}/{test_runs()}")


# --- the run ---------------------------------------------------------------------------------------


def topic_sets(n: int, root: Path, todo: list[str]) -> dict[str, cases.TopicSet]:
    """One topic set per case; cases with the same replication factor share one (plan reuses what create left)."""
    sets: dict[int, cases.TopicSet] = {}
    out = {}
    for case in todo:
        rf = rf_for(case, n)
        if rf not in sets:
            sets[rf] = cases.TopicSet.generate(n, root, f"bench-{uuid.uuid4().hex[:8]}", rf)
        out[case] = sets[rf]
    return out


def rf_for(case: str, n: int) -> int:
    limit = MAX_RF3_CREATE if case == "create" else MAX_RF3_TOPICS
    return 3 if n <= limit else 1


def run_topics(args: argparse.Namespace, results: dict[str, Any], root: Path, started: float) -> None:
    cfg = cases.Settings(args.reps, args.warmup, args.sample, args.process_timeout)
    failed: list[str] = []
    for n in args.ns:
        done = results["topics"].get(str(n), {})
        todo = [c for c in TOPIC_CASES if c in args.cases and not (args.resume and c in done)]
        if not todo:
            continue
        sets = topic_sets(n, root, todo)
        try:
            for i, case in enumerate(todo):
                ts = sets[case]
                if (time.monotonic() - started) / 60 > args.budget_min:
                    say(f"N={n} {case}: skipped, over the {args.budget_min:g}-minute budget")
                    continue
                if n >= 10_000:
                    wait_quiet(args.quiet_wait_min)
                say(f"N={n} {case}: {n} topics, RF {ts.rf}, prefix {ts.prefix}")
                load, tests = _load(), test_runs()
                found = getattr(cases, case)(cfg, ts)
                found["_context"] = context(load, tests, cfg) + f"; RF {ts.rf}"
                results["topics"].setdefault(str(n), {})[case] = found
                save(args, results)
                if all(sets[later] is not ts for later in todo[i + 1 :]):
                    say(f"N={n}: deleting {ts.prefix}.* (no later case uses them)")
                    ts.delete()
        finally:
            for ts in {id(t): t for t in sets.values()}.values():
                say(f"N={n}: deleting the run's topics ({ts.prefix}.*)")
                try:
                    ts.delete()
                except Exception as e:  # the other sets are still deleted; the run fails below
                    say(f"N={n}: could not delete all of {ts.prefix}.*: {e}")
                    failed.append(ts.prefix)
    if failed:
        raise RuntimeError(f"topics left behind under {', '.join(failed)}.*; delete them by hand")


def run_single(args: argparse.Namespace, results: dict[str, Any], case: str, measure: Callable[[cases.Settings], Any],
               stored_as: str | None = None) -> None:
    """A case that is not per N (schemas, startup): measured once, stored under its own name (or ``stored_as``)."""
    key = stored_as or case
    if case not in args.cases or (args.resume and results.get(key)):
        return
    cfg = cases.Settings(args.reps, args.warmup, args.sample, args.process_timeout)
    load, tests = _load(), test_runs()
    found = measure(cfg)
    found["_context"] = context(load, tests, cfg)
    results[key] = found
    save(args, results)


def run_schemas(args: argparse.Namespace, results: dict[str, Any], tmp: Path) -> None:
    """The schemas case once per registry: Apicurio stored as "schemas", Karapace as "schemas-karapace"."""
    if "schemas" not in args.cases:
        return
    for name in (r for r in args.registries.split(",") if r):
        with registry_url(name) as url:
            if url is not None:
                run_single(args, results, "schemas", functools.partial(
                    cases.schemas, root=tmp, prefix=f"bench-{uuid.uuid4().hex[:8]}.s", count=args.subjects, url=url),
                    SCHEMA_RESULTS[name])


@contextlib.contextmanager
def registry_url(name: str) -> Iterator[str | None]:
    """The URL of registry ``name`` while the block runs; Karapace is started (and stopped) only if none answers."""
    if name == "apicurio":
        yield resolve().schema_registry_url
        return
    given = os.environ.get("KAFKACTL_BENCH_KARAPACE_URL")
    source = registries.karapace_dir(ROOT)
    if given or source is None:
        if not given:
            say("schemas: no shared/registries/karapace beside the checkout and no KAFKACTL_BENCH_KARAPACE_URL: "
                "Karapace skipped")
        yield given
        return
    with registries.karapace(source, Layout.default().root, resolve().bootstrap_servers) as url:
        yield url


def compile_kafkactl() -> None:
    """Bytecode for the kafkactl package, as a wheel install has it.

    The editable install (``make install``) has none, and with PYTHONDONTWRITEBYTECODE set
    every kafkactl process would compile its ~60 modules again (~0.2 s), which no installed
    kafkactl does.
    """
    import compileall

    import kafkactl

    compileall.compile_dir(str(Path(kafkactl.__file__).parent), quiet=1)


def write_report(args: argparse.Namespace, results: dict[str, Any]) -> None:
    if "meta" not in results:
        raise SystemExit(f"{args.results} holds no finished run (no machine description); run the benchmarks first")
    text = report.render(results, NOTES)
    if issue17 := network_report.render(results):  # bench/network.py and bench/pipeline.py's sections
        text += "\n\n" + "\n".join(issue17).rstrip()
    args.report.write_text(text + "\n", encoding="utf-8")
    print(text)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # so the finally blocks clean up


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    results = load_results(args)
    if args.report_only:
        write_report(args, results)
        return 0
    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    compile_kafkactl()
    with cluster_lease(say), kafka_ops.fast_log_deletion(say), tempfile.TemporaryDirectory(prefix="kafkactl-bench-") as tmp:
        meta = machine(args)
        run_single(args, results, "startup", cases.startup)
        run_single(args, results, "load", lambda cfg: cases.load(
            cfg, Path(tmp), [int(x) for x in args.load_n.split(",") if x]))
        run_topics(args, results, Path(tmp), started)
        run_schemas(args, results, Path(tmp))
    meta.update(load_end=_load(), elapsed_min=(time.monotonic() - started) / 60)
    if args.resume and "meta" in results:  # a resumed run adds to the first one: keep when it started
        ns = {int(x) for x in f"{results['meta'].get('ns', '')}, {meta['ns']}".split(",") if x.strip()}
        meta = {**meta, "started": results["meta"]["started"], "resumed": meta["started"],
                "ns": ", ".join(str(x) for x in sorted(ns)),
                "elapsed_min": results["meta"].get("elapsed_min", 0) + meta["elapsed_min"]}
    results["meta"] = meta
    save(args, results)
    write_report(args, results)
    say(f"done in {(time.monotonic() - started) / 60:.1f} min; wrote {args.report} and {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
