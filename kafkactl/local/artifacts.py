"""Fetching the local cluster's binaries once, with Maven only.

Rules:
- The versions below are the only place they are pinned. ``compose/docker-compose.yml``
  uses the same versions; tests/test_compose.py checks it against these constants.
- One Maven run (a generated pom) fetches Kafka's runtime jars, the slf4j->log4j2
  binding, the Apicurio Registry tarball and the JMX exporter agent.
- A fetch is staged in a temporary directory and published with one atomic rename to
  a directory named after the versions, so a crashed or concurrent fetch never leaves
  a half-filled cache behind, and changing a pin fetches afresh.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from kafkactl.errors import LocalClusterError
from kafkactl.local.layout import Layout
from kafkactl.local.toolchain import find_maven

KAFKA_VERSION = "4.1.1"
SCALA_VERSION = "2.13"
LOG4J_VERSION = "2.24.3"  # must match the log4j-core that Kafka brings
APICURIO_VERSION = "3.3.3"
JMX_EXPORTER_VERSION = "1.0.1"
DEPENDENCY_PLUGIN_VERSION = "3.8.1"
MAVEN_TIMEOUT_S = 900

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Artifacts:
    root: Path

    @property
    def libs(self) -> Path:
        return self.root / "libs"

    @property
    def registry(self) -> Path:
        return self.root / "apicurio-registry"

    @property
    def agent(self) -> Path:
        return self.root / "jmx_prometheus_javaagent.jar"

    @property
    def marker(self) -> Path:
        return self.root / ".complete"

    def complete(self) -> bool:
        return self.marker.is_file()


def artifacts_for(layout: Layout) -> Artifacts:
    name = f"kafka-{KAFKA_VERSION}_apicurio-{APICURIO_VERSION}_jmx-{JMX_EXPORTER_VERSION}"
    return Artifacts(layout.artifacts / name)


def render_pom(libs_dir: Path, download_dir: Path) -> str:
    template = resources.files("kafkactl.local").joinpath("pom.xml").read_text(encoding="utf-8")
    return template.format(
        scala_version=SCALA_VERSION,
        kafka_version=KAFKA_VERSION,
        log4j_version=LOG4J_VERSION,
        apicurio_version=APICURIO_VERSION,
        jmx_exporter_version=JMX_EXPORTER_VERSION,
        dependency_plugin_version=DEPENDENCY_PLUGIN_VERSION,
        libs_dir=escape(str(libs_dir)),
        download_dir=escape(str(download_dir)),
    )


def ensure(layout: Layout, progress: Progress) -> Artifacts:
    """The artifacts, fetched first if this cache does not hold them yet."""
    target = artifacts_for(layout)
    if target.complete():
        return target
    mvn = find_maven()
    progress(f"fetching Kafka {KAFKA_VERSION}, Apicurio Registry {APICURIO_VERSION} and the JMX exporter (once)")
    layout.artifacts.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".fetch-", dir=layout.artifacts))
    try:
        staged = Artifacts(work / "out")
        _run_maven(mvn, work, staged, layout.artifacts / "maven.log")
        progress("unpacking Apicurio Registry")
        _unpack(work / "download" / "apicurio-registry.tar.gz", staged.registry)
        shutil.move(work / "download" / "jmx_prometheus_javaagent.jar", staged.agent)
        staged.marker.write_text(f"kafka {KAFKA_VERSION}\napicurio {APICURIO_VERSION}\n", encoding="utf-8")
        _publish(staged.root, target.root)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _run_maven(mvn: Path, work: Path, staged: Artifacts, log: Path) -> None:
    pom = work / "pom.xml"
    pom.write_text(render_pom(staged.libs, work / "download"), encoding="utf-8")
    cmd = [str(mvn), "-q", "-B", "-f", str(pom), "dependency:copy-dependencies", "dependency:copy"]
    try:
        with log.open("w", encoding="utf-8") as out:
            rc = subprocess.run(cmd, cwd=work, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                timeout=MAVEN_TIMEOUT_S, check=False).returncode
    except subprocess.TimeoutExpired:
        raise LocalClusterError(f"Maven did not finish fetching within {MAVEN_TIMEOUT_S} s",
                                hint=f"see {log}; check network access") from None
    if rc != 0:
        errors = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
                  if "[ERROR]" in line][:3]
        raise LocalClusterError(
            f"Maven could not fetch Kafka {KAFKA_VERSION} and the registry (exit code {rc})",
            hint=f"see {log}; check network access and the mirror/proxy settings in ~/.m2/settings.xml",
            details=tuple(errors),
        )


def _unpack(tarball: Path, dest: Path) -> None:
    """Unpack the Quarkus fast-jar tarball; the 'data' filter refuses links and paths outside ``dest``."""
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            tar.extractall(dest, filter="data")
    except (OSError, tarfile.TarError) as e:
        raise LocalClusterError(f"cannot unpack {tarball.name}: {e}",
                                hint="delete the cache dir and run 'kafkactl local up' again") from None
    if not (dest / "quarkus-run.jar").is_file():
        raise LocalClusterError(f"{tarball.name} has no quarkus-run.jar", hint="the Apicurio artifact layout changed")


def _publish(staged: Path, target: Path) -> None:
    try:
        os.rename(staged, target)
    except OSError:
        # Another process published the same versions first: theirs is as good as ours.
        if not Artifacts(target).complete():
            raise LocalClusterError(f"cannot write the artifact cache {target}",
                                    hint="check permissions, or set KAFKACTL_HOME to a writable directory") from None
