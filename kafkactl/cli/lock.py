"""`kafkactl lock status | release --force`, and the apply lock and interrupt handling every apply runs under.

Rules:
- Every apply (``apply``, ``tenant add/remove --apply``) writes only inside ``held``: the cluster's
  apply lock is held (``kafkactl.lock``) and SIGINT/SIGTERM are handled. Plan, drift and validate never
  take the lock.
- Without ``--lock-timeout`` a held lock is refused at once (exit 1, ``cluster is locked by HOLDER since
  TIME``); with it, apply waits and says who holds the lock.
- Interrupts: before the writes start, SIGINT/SIGTERM stop at once (nothing was applied). While writing,
  the first one lets the requests in flight finish and starts nothing new; the second stops at once.
  Either way apply reports every change and exits 130.
- ``lock release --force`` asks first; without a terminal it needs ``--auto-approve``, like apply.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.text import Text

from kafkactl.cli import common
from kafkactl.connection import Connection
from kafkactl.errors import KafkactlError, UsageError
from kafkactl.executor import INTERRUPTED
from kafkactl.lock import ApplyLock, Holder, LockState, force_release, read_state
from kafkactl.units import parse_duration_ms

LockTimeoutOpt = Annotated[str | None, typer.Option(
    "--lock-timeout", envvar="KAFKACTL_LOCK_TIMEOUT", show_envvar=False,
    help="Wait up to this long (e.g. 5m) for another apply to release the cluster's apply lock; "
    "default: refuse at once [env: KAFKACTL_LOCK_TIMEOUT]")]

lock_app = typer.Typer(help="Show or release the cluster's apply lock.", no_args_is_help=True)


class Guard:
    """Asked by the executor before each phase: why apply must start nothing new, or None."""

    def __init__(self, lock: ApplyLock) -> None:
        self.lock = lock
        self.interrupts = 0
        self.writing = False

    def stop(self) -> str | None:
        return INTERRUPTED if self.interrupts else self.lock.lost()

    def on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.interrupts += 1
        if not self.writing or self.interrupts > 1:
            raise KeyboardInterrupt
        name = signal.Signals(signum).name
        print(f"{name} received: finishing the requests in flight, starting nothing new "
              "(press Ctrl-C again to stop at once)", file=sys.stderr, flush=True)


def lock_timeout_s(value: str | None) -> float:
    if value is None:
        return 0.0
    try:
        ms = parse_duration_ms(value)
    except KafkactlError as e:
        raise UsageError(f"--lock-timeout: {e.summary}", hint="e.g. --lock-timeout 5m") from None
    if ms < 0:
        raise UsageError("--lock-timeout must be a duration such as 30s or 5m, not forever")
    return ms / 1000


@contextlib.contextmanager
def held(conn: Connection, directory: str, lock_timeout: str | None) -> Iterator[Guard]:
    """Hold the apply lock (waiting up to ``--lock-timeout``) with SIGINT/SIGTERM handled, until the block ends."""
    wait_s = lock_timeout_s(lock_timeout)
    lock = ApplyLock(conn, Holder.me(str(Path(directory).resolve())))
    guard = Guard(lock)
    # Signal handlers can be set only in the main thread; elsewhere (an embedding program) they stay as they are.
    handled = (signal.SIGINT, signal.SIGTERM) if threading.current_thread() is threading.main_thread() else ()
    previous = {sig: signal.signal(sig, guard.on_signal) for sig in handled}
    try:
        lock.acquire(wait_s, lambda state: common.warn(f"waiting up to {lock_timeout} for the apply lock: "
                                                        f"{state.message()}"))
        try:
            yield guard
        finally:
            lock.release()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def writing(guard: Guard | None) -> Iterator[None]:
    """The writes: from here the first interrupt lets the requests in flight finish."""
    if guard is None:
        yield
        return
    guard.writing = True
    try:
        yield
    finally:
        guard.writing = False


@lock_app.command("status")
def status_cmd(
    bootstrap_servers: common.BootstrapOpt = None,
    client_config: common.ClientConfigOpt = None,
    timeout: common.TimeoutOpt = None,
) -> int:
    """Show who holds the cluster's apply lock (host, pid, user, topology, since), or 'unlocked'."""
    state = read_state(common.connection(bootstrap_servers, None, client_config, timeout))
    common.out_console().print(Text(_status_line(state)))
    return 0


@lock_app.command("release")
def release_cmd(
    force: Annotated[bool, typer.Option("--force", help="Required: release a lock another process holds.")] = False,
    auto_approve: Annotated[bool, typer.Option("--auto-approve", help="Skip the confirmation.")] = False,
    bootstrap_servers: common.BootstrapOpt = None,
    client_config: common.ClientConfigOpt = None,
    timeout: common.TimeoutOpt = None,
) -> int:
    """Release the apply lock of a holder that is gone or hung (asks first)."""
    if not force:
        raise UsageError("lock release needs --force: it takes the lock from another process",
                         hint="check the holder with 'kafkactl lock status' first")
    conn = common.connection(bootstrap_servers, None, client_config, timeout)
    out = common.out_console()
    state = read_state(conn)
    if state.holder is None:
        out.print("unlocked: nothing to release")
        return 0
    out.print(Text(state.message()))
    if not auto_approve:
        _confirm_release(out)
    force_release(conn, state.holder)
    out.print(Text(f"Released the apply lock of {state.holder.describe()}."))
    return 0


def _confirm_release(out: Any) -> None:
    if not common.interactive():
        raise KafkactlError("refusing to release the lock without confirmation in a non-interactive session",
                            hint="check that the holder is gone, then pass --auto-approve")
    out.print("If that apply is still running, it stops before its next step.\n"
              "Release the lock?\n  Only 'yes' will be accepted to approve.\n")
    if typer.prompt("  Enter a value", default="", show_default=False).strip() != "yes":
        raise KafkactlError("lock release cancelled; the lock is still held")


def _status_line(state: LockState) -> str:
    if state.holder is None:
        return "unlocked"
    waiting = f" ({state.waiting} apply waiting)" if state.waiting == 1 else (
        f" ({state.waiting} applies waiting)" if state.waiting else "")
    return f"locked by {state.holder.describe()} since {state.holder.since}{waiting}"


def register(app: typer.Typer) -> None:
    app.add_typer(lock_app, name="lock")
