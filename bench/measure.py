"""Run a command and write its wall seconds, peak RSS (KiB) and exit code to a file.

Usage: python bench/measure.py OUT_FILE COMMAND [ARG]...

Why a separate process: on Linux a child's ``ru_maxrss`` is at least the RSS of the process
that forked it (the old memory's high-water mark is carried across exec, and Python spawns
with vfork). The benchmark process holds up to 10,000 topics' state itself, so children it
forks directly reported its size, not theirs; this small process forks them instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def main() -> int:
    out, argv = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    proc = subprocess.Popen(argv)  # stdout and stderr are this process's
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    with open(out, "w", encoding="ascii") as fh:
        fh.write(f"{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
