"""Detached processes with pid files, and stopping exactly those.

Rules:
- A process is started in its own session (no terminal signals reach it), with stdin
  closed and stdout+stderr appended to its log file; its pid goes to a pid file at once.
- A pid is ours only while /proc/PID/cmdline holds our marker argument. Nothing is
  signalled otherwise: pids get recycled, and other people's JVMs are not ours to stop.
- Stopping is SIGTERM to all, a bounded wait, then SIGKILL to what is left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

# Popen objects of children started by this process, kept so they are not garbage-collected
# (and warned about) while running; ``reap`` collects their exit status.
_children: dict[int, subprocess.Popen[bytes]] = {}


def spawn(cmd: Sequence[str], cwd: Path, log: Path, pid_file: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )
    pid_file.write_text(f"{proc.pid}\n", encoding="utf-8")
    _children[proc.pid] = proc
    return proc


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def is_ours(pid: int, marker: str) -> bool:
    """True while ``pid`` runs and its command line holds ``marker`` (a zombie's cmdline is empty).

    A child this process started is ours while it runs, even before its cmdline is readable
    (right after exec, /proc/PID/cmdline can still be empty).
    """
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None and marker in list(child.args)  # type: ignore[arg-type]
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return marker.encode() in args


def running_pid(pid_file: Path, marker: str) -> int | None:
    pid = read_pid(pid_file)
    return pid if pid is not None and is_ours(pid, marker) else None


def reap(pid: int) -> None:
    """Collect the exit status of a child of this process, so it does not linger as a zombie."""
    proc = _children.get(pid)
    if proc is not None and proc.poll() is not None:
        del _children[pid]


def stop(targets: Iterable[tuple[int, str]], timeout_s: float = 30.0) -> None:
    """SIGTERM each (pid, marker) that is ours, wait up to ``timeout_s``, then SIGKILL the rest."""
    alive = [(pid, m) for pid, m in targets if is_ours(pid, m)]
    _signal(alive, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while alive and time.monotonic() < deadline:
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
        alive = _still_running(alive)
    _signal(alive, signal.SIGKILL)
    kill_deadline = time.monotonic() + 10
    while alive and time.monotonic() < kill_deadline:
        time.sleep(0.05)
        alive = _still_running(alive)


def _still_running(targets: list[tuple[int, str]]) -> list[tuple[int, str]]:
    for pid, _ in targets:
        reap(pid)
    return [(pid, m) for pid, m in targets if is_ours(pid, m)]


def _signal(targets: Iterable[tuple[int, str]], sig: signal.Signals) -> None:
    for pid, m in targets:
        if is_ours(pid, m):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
