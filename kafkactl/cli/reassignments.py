"""``apply --throttle`` and ``apply --wait``: the replication throttle of moves, and waiting for them.

Rules:
- ``--throttle`` takes a size per second (``50MiB``, the default); it is set on the brokers and
  topics a replication-factor change moves, and removed once the move finished.
- ``--wait`` returns once no owned topic's partition is being reassigned, then removes the
  throttles left (see ``workflow.settle_reassignments``); progress goes to stderr.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kafkactl.cli import common
from kafkactl.errors import ApplyError, KafkactlError, UsageError
from kafkactl.model import Topology
from kafkactl.units import parse_size_bytes
from kafkactl.workflow import Clients, settle_reassignments

ThrottleOpt = Annotated[str, typer.Option(
    "--throttle", help="Replication throttle (per second, per broker) for replication-factor changes, e.g. 50MiB.")]
WaitOpt = Annotated[bool, typer.Option(
    "--wait", help="Wait until partition reassignments finish, then remove their replication throttles.")]


def throttle_bytes(value: str) -> int:
    try:
        rate = parse_size_bytes(value)
    except KafkactlError:
        rate = 0
    if rate <= 0:
        raise UsageError(f"--throttle {value}: expected a size per second such as 50MiB", hint="e.g. --throttle 50MiB")
    return rate


def settle(clients: Clients, topology: Topology, rc: int) -> int:
    """After a successful apply: wait for the reassignments of owned topics, then remove their throttles."""
    if rc != 0:
        return rc
    err = common.err_console()
    last = [-1]

    def report(left: int) -> None:
        if left and left != last[0]:
            err.print(f"waiting for {left} partition(s) to finish reassigning", highlight=False)
        last[0] = left

    failed = [o for o in settle_reassignments(clients, topology, report) if o.error]
    if failed:
        raise ApplyError("the reassignments finished, but removing their replication throttles failed",
                         details=tuple(f"{o.name}: {o.error}" for o in failed),
                         hint="run 'kafkactl plan': it plans the removal of throttles left behind")
    common.out_console().print("Reassignments finished; no replication throttles left.", highlight=False)
    return 0
