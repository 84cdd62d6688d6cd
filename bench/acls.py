"""ACL plan at scale: a no-change plan of 1,000 principals with 5,000 bindings vs the raw describe_acls floor.

    .venv/bin/python bench/acls.py [--principals 1000] [--reps 5] [--bootstrap-servers ...]

Needs a cluster with an authorizer (the local cluster has StandardAuthorizer) reached as a super
user (the local PLAINTEXT door). It creates principals ``User:bench-acl-<hex>-NNNN`` with 5 bindings
each (produce: 2, consume: 2, groups: 1), applies them with kafkactl, then times, alternately:

- **floor**: one raw confluent-kafka ``describe_acls`` with a match-all filter (what any tool must read);
- **acl read + diff**: the ACL kind's part of a plan (``kafkactl.kinds.registry``: its one
  describe_acls, the ownership filter, the diff), in-process;
- **plan (in-process)**: ``kafkactl.workflow.make_plan`` on the topology (its describe_acls, plus the
  cluster, metadata and config reads every plan makes);
- **plan (CLI)**: ``kafkactl plan DIR --detailed-exitcode`` as a process (interpreter start-up included).

It prints medians and ratios to the floor and checks each plan is empty. Every ACL it created is
deleted at the end, also on failure. Not a test: it prints figures, it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from confluent_kafka.admin import AclBindingFilter, AclOperation, AclPermissionType, AdminClient, ResourcePatternType
from confluent_kafka.admin import ResourceType as RT

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kafkactl.admin import Admin  # noqa: E402
from kafkactl.admin_access import AccessAdmin  # noqa: E402
from kafkactl.connection import DEFAULT_BOOTSTRAP, resolve  # noqa: E402
from kafkactl.kinds.registry import diff_all, read_all  # noqa: E402
from kafkactl.model import LiveState  # noqa: E402
from kafkactl.topology import load  # noqa: E402
from kafkactl.workflow import Clients, make_plan  # noqa: E402

BINDINGS_PER_PRINCIPAL = 5
# kafkactl as a process, from this checkout (as the installed entry point would run it).
KAFKACTL = [sys.executable, "-c", "from kafkactl.cli.main import run; run()"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def topology(prefix: str, principals: int) -> str:
    lines = ["cluster: {brokers: 1}", "principals:"]
    for i in range(principals):
        lines += [f"  User:{prefix}-{i:04d}:",
                  f"    produce: [{prefix}.out.{i:04d}]", f"    consume: [{prefix}.in.{i:04d}]",
                  f"    groups: [{prefix}-g{i:04d}]"]
    return "\n".join(lines) + "\n"


def floor(client: AdminClient) -> tuple[float, int]:
    any_: object = None
    f = AclBindingFilter(RT.ANY, any_, ResourcePatternType.ANY, any_, any_,  # type: ignore[arg-type]
                         AclOperation.ANY, AclPermissionType.ANY)
    started = time.perf_counter()
    found = client.describe_acls(f, request_timeout=60).result(timeout=120)
    return time.perf_counter() - started, len(found)


def in_process(directory: Path, bootstrap: str) -> float:
    clients = Clients.connect(resolve(bootstrap_servers=bootstrap, env={}))
    started = time.perf_counter()
    run = make_plan(directory, clients)
    took = time.perf_counter() - started
    if run.plan.changes or run.plan.errors:
        raise SystemExit(f"the plan is not empty: {len(run.plan.changes)} changes, errors {run.plan.errors[:3]}")
    return took


def access_part(directory: Path, bootstrap: str) -> float:
    """The ACL kind's own work in a plan: its one describe_acls, the ownership filter and the diff."""
    topology = load(directory).topology
    admin = Admin(resolve(bootstrap_servers=bootstrap, env={}))
    empty = LiveState(cluster_id="bench", broker_count=1)
    started = time.perf_counter()
    found = diff_all(topology, read_all(topology, AccessAdmin(admin), empty))
    took = time.perf_counter() - started
    if found.changes:
        raise SystemExit(f"the ACL diff is not empty: {len(found.changes)} changes")
    return took


def cli(directory: Path, bootstrap: str) -> float:
    started = time.perf_counter()
    rc = subprocess.run([*KAFKACTL, "plan", str(directory), "--detailed-exitcode", "--bootstrap-servers", bootstrap],
                        capture_output=True, text=True, env=ENV).returncode
    took = time.perf_counter() - started
    if rc != 0:
        raise SystemExit(f"kafkactl plan exited {rc}: the plan is not empty")
    return took


def cleanup(client: AdminClient, prefix: str, principals: int) -> None:
    any_: object = None
    filters = [AclBindingFilter(RT.ANY, any_, ResourcePatternType.ANY, f"User:{prefix}-{i:04d}", any_,  # type: ignore[arg-type]
                                AclOperation.ANY, AclPermissionType.ANY) for i in range(principals)]
    for fut in client.delete_acls(filters, request_timeout=120).values():
        fut.result(timeout=180)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--principals", type=int, default=1000)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--bootstrap-servers", default=DEFAULT_BOOTSTRAP)
    args = p.parse_args()
    prefix = f"bench-acl-{uuid.uuid4().hex[:6]}"
    client = AdminClient({"bootstrap.servers": args.bootstrap_servers})
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "topology"
        d.mkdir()
        (d / "access.yaml").write_text(topology(prefix, args.principals), encoding="utf-8")
        try:
            print(f"applying {args.principals} principals x {BINDINGS_PER_PRINCIPAL} bindings ...", file=sys.stderr)
            done = subprocess.run([*KAFKACTL, "apply", str(d), "--auto-approve", "--bootstrap-servers",
                                   args.bootstrap_servers], capture_output=True, text=True, env=ENV)
            if done.returncode != 0:
                raise SystemExit(f"kafkactl apply failed: {done.stderr.strip()}")
            times: dict[str, list[float]] = {"floor": [], "acl read + diff": [], "plan (in-process)": [],
                                             "plan (CLI)": []}
            in_process(d, args.bootstrap_servers)  # warm-up
            total = 0
            topics = len(client.list_topics(timeout=30).topics)  # the whole plan also reads their metadata
            for _ in range(args.reps):
                took, total = floor(client)
                times["floor"].append(took)
                times["acl read + diff"].append(access_part(d, args.bootstrap_servers))
                times["plan (in-process)"].append(in_process(d, args.bootstrap_servers))
                times["plan (CLI)"].append(cli(d, args.bootstrap_servers))
        finally:
            cleanup(client, prefix, args.principals)
    base = statistics.median(times["floor"])
    print(f"{args.principals} principals, {args.principals * BINDINGS_PER_PRINCIPAL} bindings "
          f"({total} ACLs on the cluster, {topics} topics), {args.reps} repetitions, medians:")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<18} {median * 1000:8.0f} ms   {median / base:5.2f}x floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
