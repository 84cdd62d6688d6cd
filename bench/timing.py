"""Timing primitives for the benchmarks: alternating repetitions, medians, subprocess wall time and peak RSS.

Rules:
- Variants of one case run interleaved (A, B, A, B, ...) so drift on a shared machine
  hits them alike; the first round is a warm-up and is dropped.
- A subprocess's wall time and peak RSS come from ``os.wait4`` in ``bench/measure.py``,
  a small process that forks the command: a child forked by this (large) process would
  report this process's RSS as its own peak.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

MEASURE = Path(__file__).resolve().parent / "measure.py"


@dataclass
class Samples:
    """Seconds per repetition (warm-up excluded), and the peak RSS in MiB of subprocess runs."""

    seconds: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


@dataclass(frozen=True)
class ProcessRun:
    seconds: float
    rss_mib: float
    returncode: int
    output: str


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


Step = Callable[[], "float | ProcessRun"]


def alternate(
    label: str, variants: Mapping[str, Step], reps: int, warmup: int = 1,
    between: Callable[[bool], None] | None = None,
) -> dict[str, Samples]:
    """Run each variant ``warmup + reps`` times, round-robin; ``between(last)`` runs untimed after each step
    (``last``: after the final one).

    A step returns its own duration (it may exclude set-up) or a ``ProcessRun``.
    """
    out = {name: Samples() for name in variants}
    steps = [(rnd, name, step) for rnd in range(warmup + reps) for name, step in variants.items()]
    for i, (rnd, name, step) in enumerate(steps):
        got = step()
        secs = got.seconds if isinstance(got, ProcessRun) else got
        tag = "warm-up" if rnd < warmup else f"rep {rnd - warmup + 1}/{reps}"
        say(f"{label} {name} {tag}: {secs:.3f}s")
        if rnd >= warmup:
            out[name].seconds.append(secs)
            if isinstance(got, ProcessRun):
                out[name].rss_mib.append(got.rss_mib)
        if between is not None:
            between(i == len(steps) - 1)
    return out


def run_process(argv: Sequence[str], timeout_s: float, env: Mapping[str, str] | None = None) -> ProcessRun:
    """Wall time, peak RSS (MiB) and exit code of one command, as ``bench/measure.py`` saw them; its
    output (to a file: a plan of 10k topics would fill a pipe) is kept for error messages. Killed,
    with its process group, after ``timeout_s``."""
    with tempfile.TemporaryFile() as sink, tempfile.NamedTemporaryFile("r", suffix=".measure") as measured:
        cmd = [sys.executable, str(MEASURE), measured.name, *argv]
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, env=dict(env or os.environ),
                                start_new_session=True)
        killer = threading.Timer(timeout_s, lambda: os.killpg(proc.pid, signal.SIGKILL))
        killer.start()
        try:
            status = proc.wait()
        finally:
            killer.cancel()
        sink.seek(0)
        output = sink.read().decode(errors="replace")
        fields = measured.read().split()
    if status != 0 or len(fields) != 3:
        raise RuntimeError(f"{' '.join(argv)}: killed after {timeout_s:g} s or not measured (exit {status}):\n"
                           f"{output[-3000:]}")
    seconds, max_rss_kib, returncode = float(fields[0]), int(fields[1]), int(fields[2])
    return ProcessRun(seconds, max_rss_kib / 1024, returncode, output)


def checked(run: ProcessRun, what: str, ok: Sequence[int] = (0,)) -> ProcessRun:
    if run.returncode not in ok:
        raise RuntimeError(f"{what} exited {run.returncode}:\n{run.output[-3000:]}")
    return run
