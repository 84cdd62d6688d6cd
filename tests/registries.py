"""The schema registries the suite runs against: Apicurio (the local cluster's) and Karapace 5.0.3.

Rules:
- Karapace comes from ``shared/registries/karapace/`` beside the checkout (or ``KAFKACTL_SHARED_DIR``),
  which a user's clone does not have: then ``karapace_dir()`` is None and its tests skip with a reason.
- It is installed once into ``<kafkactl home>/karapace-venv`` (a stamp names the wheel) and started
  on ``KARAPACE_PORT`` against the test cluster. A Karapace that already answers there is reused.
- Several test sessions may share one Karapace, as they share the cluster: each holds a shared lock
  on ``karapace-sessions.lock``; one that a session started carries a pid marker, and the last
  session out (the one that gets the lock exclusively) stops it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

KARAPACE_PORT = 18083
KARAPACE_URL = f"http://127.0.0.1:{KARAPACE_PORT}"
START_TIMEOUT_S = 240


@dataclass(frozen=True)
class RegistryUnderTest:
    """A registry a schema test runs against (the ``registry`` fixture): its name in REGISTRIES and its URL."""

    name: str
    url: str


def karapace_dir(root: Path) -> Path | None:
    """The directory with Karapace's wheel and run.sh, or None when this machine has none."""
    env = os.environ.get("KAFKACTL_SHARED_DIR")
    candidates = [Path(env) / "registries" / "karapace"] if env else []
    candidates.append(root.parent / "shared" / "registries" / "karapace")
    return next((c for c in candidates if (c / "run.sh").is_file()), None)


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/subjects", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _installed(source: Path, venv: Path) -> bool:
    stamp = venv / ".kafkactl-wheel"
    wheels = sorted(p.name for p in source.glob("karapace-*.whl"))
    return stamp.is_file() and stamp.read_text() == "\n".join(wheels)


def _install(source: Path, venv: Path) -> None:
    if _installed(source, venv):
        return
    subprocess.run([str(source / "run.sh"), "install", str(venv)], check=True, capture_output=True, timeout=600)
    (venv / ".kafkactl-wheel").write_text("\n".join(sorted(p.name for p in source.glob("karapace-*.whl"))))


def _start(source: Path, venv: Path, bootstrap: str, log: Path) -> int:
    env = {**os.environ, "KARAPACE_PORT": str(KARAPACE_PORT), "KARAPACE_BOOTSTRAP_URI": bootstrap}
    done = subprocess.run([str(source / "run.sh"), "start", str(venv), str(log)], env=env, capture_output=True,
                          text=True, timeout=START_TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"Karapace did not start: {done.stderr.strip()[-2000:]}")
    return int(done.stdout.split()[-1])


def _stop(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def karapace(source: Path, home: Path, bootstrap: str) -> Iterator[str]:
    """Karapace's URL while the block runs; started (and later stopped) here only if none answers."""
    home.mkdir(parents=True, exist_ok=True)
    marker = home / "karapace.pid"
    with (home / "karapace-sessions.lock").open("a") as lease:
        fcntl.flock(lease, fcntl.LOCK_SH)
        try:
            with (home / "karapace-start.lock").open("a") as starting:
                fcntl.flock(starting, fcntl.LOCK_EX)  # one session starts it; the others then find it answering
                if not answers(KARAPACE_URL):
                    venv = home / "karapace-venv"
                    _install(source, venv)
                    marker.write_text(str(_start(source, venv, bootstrap, home / "karapace.log")))
            yield KARAPACE_URL
        finally:
            fcntl.flock(lease, fcntl.LOCK_UN)
            with contextlib.suppress(BlockingIOError):
                fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if marker.exists():
                    _stop(int(marker.read_text()))
                    marker.unlink()
                fcntl.flock(lease, fcntl.LOCK_UN)
