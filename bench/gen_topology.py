"""Generate a synthetic topology: N tenants x M templates = N*M topics, or N explicit topics, for benchmarks.

Usage:
    python bench/gen_topology.py OUTDIR --tenants N --templates M [--partitions P] [--replication-factor R] [--time]
    python bench/gen_topology.py OUTDIR --explicit N [--per-file] [--time]

``--time`` then loads the result with ``kafkactl.topology.load`` (read, schema, expand, check)
and prints the best wall and CPU time of three runs.

Importable: ``generate(outdir, tenants, templates, ...) -> int`` (the number of topics).
``generate_explicit(outdir, topics, per_file=False)`` writes N topics declared one by one, each
with its partitions and two configs (the shape most users keep): all in ``topics.yaml``, or,
with ``per_file``, one ``topics/<name>.yaml`` per topic as topicctl users keep them.
Topics are ``bench.tNN.{tenant}`` for tenants ``tenant-000001``...; the files are
``cluster.yaml``, ``templates.yaml`` and ``members.yaml`` (written over, nothing else touched).
``cluster.brokers`` is the replication factor, so a small local cluster can apply it
(ARCHITECTURE 5: beyond ~10k topics use replication factor 1 or few partitions).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def generate(
    outdir: str | Path,
    tenants: int,
    templates: int,
    partitions: int = 1,
    replication_factor: int = 1,
    prefix: str = "bench",
) -> int:
    """Write the topology into ``outdir``; return the number of topics it declares."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "cluster.yaml").write_text(
        f"cluster:\n  name: {prefix}\n  brokers: {replication_factor}\n"
        f"defaults:\n  partitions: {partitions}\n  replication_factor: {replication_factor}\n",
        encoding="utf-8",
    )
    template_lines = ["tenants:", "  templates:"]
    for j in range(templates):
        template_lines += [f'    "{prefix}.t{j:02d}.{{tenant}}":', "      configs:", "        retention.ms: 1d"]
    (out / "templates.yaml").write_text("\n".join(template_lines) + "\n", encoding="utf-8")
    member_lines = ["tenants:", "  members:", *(f"    tenant-{i:06d}:" for i in range(1, tenants + 1))]
    (out / "members.yaml").write_text("\n".join(member_lines) + "\n", encoding="utf-8")
    return tenants * templates


def generate_explicit(outdir: str | Path, topics: int, per_file: bool = False, prefix: str = "bench",
                      replication_factor: int = 1) -> int:
    """Write ``topics`` explicit topics into ``outdir``; return their number."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "cluster.yaml").write_text(
        f"cluster:\n  name: {prefix}\n  brokers: {replication_factor}\n"
        f"defaults:\n  partitions: 1\n  replication_factor: {replication_factor}\n", encoding="utf-8")
    bodies = [(f"{prefix}.events.{i:06d}", _explicit_body(i)) for i in range(topics)]
    if per_file:
        folder = out / "topics"
        folder.mkdir(exist_ok=True)
        for name, body in bodies:
            (folder / f"{name}.yaml").write_text(f"topics:\n  {name}:\n{body}", encoding="utf-8")
    else:
        text = "topics:\n" + "".join(f"  {name}:\n{body}" for name, body in bodies)
        (out / "topics.yaml").write_text(text, encoding="utf-8")
    return topics


def _explicit_body(i: int) -> str:
    # Values vary as real ones do: a few partition counts and retentions, two cleanup policies.
    return (f"    partitions: {(1, 3, 6, 12)[i % 4]}\n    configs:\n      retention.ms: {(1, 3, 7, 30)[i % 4]}d\n"
            f"      cleanup.policy: {('delete', 'compact')[i % 2]}\n")


def time_load(outdir: str | Path, runs: int = 3) -> tuple[float, float, int]:
    """(best wall seconds, best CPU seconds, topics) of loading ``outdir``."""
    from kafkactl.topology import load

    walls, cpus, topics = [], [], 0
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        topics = len(load(outdir).topology.topics)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), topics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--tenants", type=int, default=0)
    parser.add_argument("--templates", type=int, default=0)
    parser.add_argument("--explicit", type=int, default=0, help="N explicit topics instead of tenants x templates")
    parser.add_argument("--per-file", action="store_true", help="with --explicit: one file per topic")
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--replication-factor", type=int, default=1)
    parser.add_argument("--prefix", default="bench", help="topic name prefix (default bench)")
    parser.add_argument("--time", action="store_true", help="then time kafkactl.topology.load on it")
    args = parser.parse_args(argv)
    if args.explicit:
        topics = generate_explicit(args.outdir, args.explicit, args.per_file, args.prefix, args.replication_factor)
        print(f"wrote {args.outdir}: {topics} explicit topics ({'one file each' if args.per_file else 'one file'})")
    elif args.tenants and args.templates:
        topics = generate(args.outdir, args.tenants, args.templates, args.partitions, args.replication_factor,
                          args.prefix)
        print(f"wrote {args.outdir}: {topics} topics ({args.tenants} tenants x {args.templates} templates)")
    else:
        parser.error("give --tenants and --templates, or --explicit")
    if args.time:
        wall, cpu, loaded = time_load(args.outdir)
        print(f"load: {loaded} topics in {wall:.2f}s wall, {cpu:.2f}s CPU (best of 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
