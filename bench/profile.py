"""Profile kafkactl where the benchmarks show it short of a target: whole CLI processes, and import time.

Usage:
    python bench/profile.py [--n 10000] [--what imports,plan,alter,create] [--out bench/out]

Creates N topics under a unique ``bench-<hex>`` prefix (deleted at the end, on failure
too) and runs, each under pyinstrument as a whole process (imports, work, rendering):
``kafkactl plan`` with no changes, ``kafkactl apply`` altering one config on every topic,
and ``kafkactl apply`` creating them all (after deleting them). ``imports`` times
``import kafkactl.cli.main`` in a fresh interpreter (``-X importtime``).
Writes OUT/profile-*.txt and prints the head of each.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import cases
import kafka_ops
from lease import cluster_lease
from timing import say

CLI = "import sys; from kafkactl.cli.main import main; sys.exit(main(sys.argv[1:]))"
HEAD = 80


def profile_cli(label: str, out: Path, *args: str) -> None:
    """``kafkactl ARGS`` under pyinstrument (1 ms samples); the plan output is discarded."""
    target = out / f"profile-{label}.txt"
    cmd = [sys.executable, "-m", "pyinstrument", "--interval", "0.001", "-r", "text", "-p", "unicode=false",
           "-p", "color=false", "-o", str(target), "-c", CLI, *args]
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode not in (0, 2):
        raise RuntimeError(f"kafkactl {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    print(f"===== {label}: kafkactl {' '.join(args)} =====")
    print("\n".join(target.read_text(encoding="utf-8").splitlines()[:HEAD]))


def imports(out: Path) -> None:
    """``-X importtime`` of the CLI's module in a fresh interpreter; the heaviest imports up to 3 levels deep."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import kafkactl.cli.main"],
                          capture_output=True, text=True, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        depth = (len(parts[2]) - len(parts[2].lstrip()) - 1) // 2
        if depth <= 2:
            rows.append((int(parts[1]), f"{int(parts[1]) / 1000:8.1f} ms  {'  ' * depth}{parts[2].strip()}"))
    (out / "profile-imports.txt").write_text(proc.stderr, encoding="utf-8")
    print("===== imports (cumulative, up to 3 levels deep) =====")
    print("\n".join(r for _, r in sorted(rows, reverse=True)[:30]))


def topics(n: int, out: Path, what: set[str]) -> None:
    with cluster_lease(say), tempfile.TemporaryDirectory(prefix="kafkactl-profile-") as tmp:
        ts = cases.TopicSet.generate(n, Path(tmp), f"bench-{uuid.uuid4().hex[:8]}", 3 if n <= 10000 else 1)
        directory = str(ts.directory)
        try:
            ts.ensure_created()
            if "plan" in what:
                profile_cli(f"plan-{n}", out, "plan", directory)
            if "alter" in what:
                ts.set_retention(str(int(cases.RETENTION) + 7000))
                profile_cli(f"alter-{n}", out, "apply", directory, "--auto-approve")
            if "create" in what:
                ts.delete()
                kafka_ops.wait_for_room(ts.replicas_per_broker, say)
                profile_cli(f"create-{n}", out, "apply", directory, "--auto-approve")
        finally:
            say(f"deleting the {n} topics")
            ts.delete()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--what", default="imports,plan,alter,create")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    what = set(args.what.split(","))
    if "imports" in what:
        imports(args.out)
    if what & {"plan", "alter", "create"}:
        topics(args.n, args.out, what)
    return 0


if __name__ == "__main__":
    sys.exit(main())
