"""Timing primitives for the benchmarks: alternating repetitions, medians, subprocess wall time and peak RSS.

Rules:
- Variants of one case run interleaved (A, B, A, B, ...) so drift on a shared machine
  hits them alike; the first round is a warm-up and is dropped.
- A subprocess's peak RSS comes from ``os.wait4`` on that very child (its own rusage,
  not the running maximum ``RUSAGE_CHILDREN`` keeps over all children).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


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
    """Wall time, peak RSS (MiB) and exit code of one command; its output (to a file: a plan of 10k
    topics would fill a pipe) is kept for error messages. Killed after ``timeout_s``."""
    with tempfile.TemporaryFile() as sink:
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=sink, stderr=subprocess.STDOUT, env=dict(env or os.environ))
        killer = threading.Timer(timeout_s, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        sink.seek(0)
        output = sink.read().decode(errors="replace")
    return ProcessRun(seconds, usage.ru_maxrss / 1024, proc.returncode, output)


def checked(run: ProcessRun, what: str, ok: Sequence[int] = (0,)) -> ProcessRun:
    if run.returncode not in ok:
        raise RuntimeError(f"{what} exited {run.returncode}:\n{run.output[-3000:]}")
    return run
