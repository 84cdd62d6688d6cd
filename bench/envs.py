"""Validating many environments costs little more than one: the base is read and merged once.

Usage:
    python bench/envs.py [--topics 10000] [--envs 10] [--runs 3]

Two topologies of ``--topics`` topics: ``templates`` (``bench/gen_topology.py``, topics/10 tenants x
10 templates: small files, expansion is the work) and ``explicit`` (as many declared topics: YAML
parsing is the work). Each gets ``--envs`` overlays (each sets defaults, overrides two templates,
adds and removes tenants, and for ``explicit`` one topic). Then it times, best of ``--runs``:

- ``one``: ``kafkactl validate DIR --env e00`` as a process (what a user runs), and in-process
  ``kafkactl.topology.load(DIR, "e00")``;
- ``all``: ``kafkactl validate DIR --all-envs`` as a process, and in-process ``load_each(DIR)``;

and prints the ratio all / one, which the environments issue requires to stay under 3 for 10
environments of 10,000 topics. Exit 1 when a ratio is 3 or more. Nothing here needs a cluster.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_topology import generate  # bench/ is not a package

LIMIT = 3.0
KAFKACTL = str(Path(sys.executable).parent / "kafkactl")


def write_explicit(root: Path, topics: int) -> None:
    """``topics`` declared topics (YAML-heavy: parsing is most of a validate), beside the generated ones."""
    lines = ["topics:"]
    for i in range(topics):
        lines += [f"  bench.x{i:06d}:", f"    partitions: {1 + i % 4}", "    configs:", "      retention.ms: 7d"]
    (root / "explicit.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_overlays(root: Path, envs: int, tenants: int) -> None:
    folder = root / "environments"
    folder.mkdir(exist_ok=True)
    for i in range(envs):
        removed = [f"tenant-{n:06d}" for n in range(1 + i * 3, 4 + i * 3) if n <= tenants]
        (folder / f"e{i:02d}.yaml").write_text(
            f"cluster:\n  name: env-{i}\n"
            f"defaults:\n  partitions: {1 + i % 3}\n"
            "tenants:\n  templates:\n"
            f'    "bench.t00.{{tenant}}": {{configs: {{retention.ms: {i + 1}d}}}}\n'
            f'    "bench.t01.{{tenant}}": {{partitions: {2 + i}}}\n'
            f"  members: {{add: [extra-{i}], remove: [{', '.join(removed)}]}}\n"
            + (f"topics:\n  bench.x000001: {{partitions: {5 + i}}}\n" if (root / "explicit.yaml").exists() else ""),
            encoding="utf-8",
        )


def best(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def cli(*args: str) -> None:
    subprocess.run([KAFKACTL, "validate", *args], check=True, stdout=subprocess.DEVNULL)


def measure(shape: str, topics: int, envs: int, runs: int) -> tuple[float, float, float, float]:
    """(CLI one, CLI all, in-process one, in-process all) seconds for one topology shape."""
    from kafkactl.topology import load, load_each

    # templates: topics/10 tenants x 10 templates; explicit: declared topics, and enough tenants
    # (3 x envs + 1) for the overlays to remove.
    tenants = topics // 10 if shape == "templates" else 3 * envs + 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "topology"
        generate(root, tenants, 10)
        if shape == "explicit":
            write_explicit(root, topics - tenants * 10)
        write_overlays(root, envs, tenants)
        d = str(root)
        return (best(lambda: cli(d, "--env", "e00"), runs), best(lambda: cli(d, "--all-envs"), runs),
                best(lambda: load(d, "e00"), runs), best(lambda: load_each(d), runs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--envs", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{args.topics:,} topics, {args.envs} environments, best of {args.runs} (ratio = all / one):")
    met = True
    for shape in ("templates", "explicit"):
        cli_one, cli_all, lib_one, lib_all = measure(shape, args.topics, args.envs, args.runs)
        met = met and cli_all / cli_one < LIMIT
        print(f"  {shape:<9}  validate (CLI): one {cli_one:5.2f} s, all {cli_all:5.2f} s, ratio {cli_all / cli_one:5.2f}"
              f"  |  load (in-process): one {lib_one:5.2f} s, all {lib_all:5.2f} s, ratio {lib_all / lib_one:5.2f}")
    print(f"validate ratio under {LIMIT}: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
