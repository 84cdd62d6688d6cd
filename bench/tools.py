"""Go tools the network benchmarks use, built once into bench/out/bin: Toxiproxy and topicctl.

Rules:
- Pinned versions, built with the machine's ``go`` from the Go module proxy (``go get`` of the tagged
  module in a scratch module under bench/out/go, then ``go build -o``); nothing is downloaded otherwise.
- ``KAFKACTL_TOXIPROXY`` / ``KAFKACTL_TOPICCTL`` name a binary to use instead.
- Without Go (or when the build fails) ``ensure`` returns the reason, and the case that needs the
  tool is skipped with that note: a benchmark never fails for a missing peer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
BUILD_TIMEOUT_S = 900


@dataclass(frozen=True)
class Tool:
    name: str
    module: str
    version: str
    package: str
    env: str


TOXIPROXY = Tool("toxiproxy-server", "github.com/Shopify/toxiproxy/v2", "v2.12.0",
                 "github.com/Shopify/toxiproxy/v2/cmd/server", "KAFKACTL_TOXIPROXY")
TOPICCTL = Tool("topicctl", "github.com/segmentio/topicctl", "v1.21.0",
                "github.com/segmentio/topicctl/cmd/topicctl", "KAFKACTL_TOPICCTL")


def ensure(tool: Tool) -> tuple[Path | None, str]:
    """(the binary, how it was found) or (None, why not)."""
    if given := os.environ.get(tool.env):
        return (Path(given), f"{tool.env}={given}") if Path(given).is_file() else (None, f"{tool.env}: no such file")
    binary = OUT / "bin" / f"{tool.name}-{tool.version}"
    if binary.is_file():
        return binary, f"{tool.module}@{tool.version}, built earlier"
    go = shutil.which("go")
    if go is None:
        return None, f"skipped: Go is not installed, so {tool.module}@{tool.version} cannot be built"
    scratch = OUT / "go" / tool.name
    scratch.mkdir(parents=True, exist_ok=True)
    steps = [[go, "mod", "init", "scratch"]] if not (scratch / "go.mod").exists() else []
    # go get of the command's package (not only the module) records its dependencies in go.sum.
    steps += [[go, "get", f"{tool.package}@{tool.version}"], [go, "build", "-o", str(binary), tool.package]]
    for step in steps:
        done = subprocess.run(step, cwd=scratch, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return None, f"skipped: {' '.join(step[1:3])} failed: {tail[0]}"
    return binary, f"{tool.module}@{tool.version}, built with {go}"


def version_of(binary: Path) -> str:
    done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30, check=False)
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr).strip() else "?"
