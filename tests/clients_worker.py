"""A consumer process for the crash test: ``python -m tests.clients_worker DIR TOPIC GROUP OUT [DELAY_S]``.

It runs ``kafkactl.clients.ConsumerLoop`` on TOPIC of the topology in DIR and appends one line
per handled message to OUT (``partition offset key seq``), flushed before the handler returns,
so a SIGKILL loses nothing the handler finished. It ends after 15 s without a message.
"""

from __future__ import annotations

import os
import sys
import time

from kafkactl.clients import ConsumerLoop, Record, bind
from kafkactl.connection import resolve
from kafkactl.topology import load

IDLE_S = 15.0


def main(directory: str, topic: str, group: str, out_path: str, delay_s: float = 0.0) -> None:
    topology = load(directory).topology
    with open(out_path, "a", encoding="utf-8") as out:

        def handle(r: Record) -> None:
            if delay_s:
                time.sleep(delay_s)
            out.write(f"{r.partition} {r.offset} {r.value['key']} {r.value['seq']}\n")
            out.flush()
            os.fsync(out.fileno())

        # A short session: the group gives a killed worker's partitions to the next one after 6 s.
        loop = ConsumerLoop(bind(topology, topic), group, handle, resolve(), config={"session.timeout.ms": 6000})
        loop.run(idle_timeout_s=IDLE_S)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]) if len(sys.argv) > 5 else 0.0)
