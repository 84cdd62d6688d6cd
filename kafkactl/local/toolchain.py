"""Finding the external tools the local cluster needs: a JDK and Maven.

Rules:
- Kafka 4.x brokers need Java 17+; Apicurio Registry 3.3 is built for Java 21+.
  Candidates are tried in order: ``$JAVA_HOME``, ``java`` on PATH, then every JDK
  under /usr/lib/jvm; the first one new enough wins.
- A missing tool is a one-line ``LocalClusterError`` saying what to install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from kafkactl.errors import LocalClusterError

BROKER_JAVA = 17
REGISTRY_JAVA = 21
JVM_DIRS = (Path("/usr/lib/jvm"), Path("/usr/local/lib/jvm"), Path("/opt/java"))
_RELEASE_VERSION = re.compile(r'^JAVA_VERSION="(\d+)(?:\.(\d+))?', re.MULTILINE)
_CLI_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def _major(match: re.Match[str] | None) -> int | None:
    if match is None:
        return None
    first = int(match.group(1))
    # Java 8 and older report "1.8"; they are too old either way.
    return int(match.group(2) or 0) if first == 1 else first


def java_version(java: Path) -> int | None:
    """The major version of a ``java`` binary, from its JDK's ``release`` file or ``java -version``."""
    release = java.resolve().parent.parent / "release"
    if release.is_file():
        found = _major(_RELEASE_VERSION.search(release.read_text(encoding="utf-8", errors="replace")))
        if found is not None:
            return found
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return _major(_CLI_VERSION.search(out.stderr + out.stdout))


def _candidates() -> Iterator[Path]:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        yield Path(java_home) / "bin" / "java"
    on_path = shutil.which("java")
    if on_path:
        yield Path(on_path)
    for base in JVM_DIRS:
        if base.is_dir():
            yield from sorted(base.glob("*/bin/java"))


def find_java(minimum: int, purpose: str) -> Path:
    seen: set[Path] = set()
    for java in _candidates():
        real = java.resolve()
        if real in seen or not real.is_file():
            continue
        seen.add(real)
        version = java_version(java)
        if version is not None and version >= minimum:
            return java
    raise LocalClusterError(
        f"no Java {minimum}+ found for {purpose}",
        hint=f"install a JDK {minimum} or newer (e.g. apt-get install openjdk-{minimum}-jdk-headless) "
        "or point JAVA_HOME at one",
    )


def find_maven() -> Path:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LocalClusterError(
            "Maven (mvn) is not installed; kafkactl fetches Kafka and the registry with it",
            hint="install Maven 3.8+ (e.g. apt-get install maven), then run 'kafkactl local up' again",
        )
    return Path(mvn)
