"""Load a topology directory: read, check against the schema, merge, overlay, expand, check the rules.

Rules:
- Every problem is collected and reported in one TopologyError, sorted by file and line.
- Semantic checks run only on files that passed the JSON Schema, so they can trust shapes;
  within the semantic stage, every rule runs even after others failed.
- Warnings never stop a load; they are returned with the topology.
- A topology with ``environments/`` loads only for a named environment (else a usage error,
  exit 64, listing them); the base is read and merged once however many environments are
  loaded from it (``read_base`` then ``Base.load``), and an overlay never changes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kafkactl.errors import TopologyError
from kafkactl.model import ConnectionProfile, Topology
from kafkactl.topology.check import check
from kafkactl.topology.environments import (
    connection_profile,
    environment_files,
    overlay_validator,
    require_environment,
)
from kafkactl.topology.expand import expand
from kafkactl.topology.files import read_document, read_documents, shown_dir
from kafkactl.topology.marked import gc_paused
from kafkactl.topology.merge import Sections, merge
from kafkactl.topology.overlay import apply_overlay
from kafkactl.topology.problems import Problems
from kafkactl.topology.structure import check_structure

SCHEMA_HINT = "`kafkactl validate --print-schema` prints the schema every file follows"


@dataclass(frozen=True)
class LoadResult:
    topology: Topology
    warnings: tuple[str, ...] = ()
    environment: str | None = None
    connection: ConnectionProfile | None = None  # the overlay's connection block, if any
    sections: Sections | None = field(default=None, compare=False, repr=False)  # what set each value


@dataclass(frozen=True)
class Base:
    """The base files of a topology, read, checked against the schema and merged once."""

    shown: str
    sections: Sections
    problems: Problems  # merge problems and warnings, copied into every load
    environments: dict[str, Path]

    def load(self, env: str | None = None) -> LoadResult:
        """The topology of environment ``env`` (None: the bare base); TopologyError when invalid."""
        require_environment(self.shown, list(self.environments), env)
        problems = Problems(list(self.problems.errors), list(self.problems.warnings))
        sections, profile = self.sections, None
        if env is not None:
            sections, profile = self._overlay(env, problems)
        expansion = expand(sections, problems)
        check(expansion, sections, problems)
        if problems.errors:
            raise _invalid(self._label(env), problems, None)
        return LoadResult(expansion.topology, problems.warning_lines(), env, profile, sections)

    def _overlay(self, env: str, problems: Problems) -> tuple[Sections, ConnectionProfile | None]:
        path = self.environments[env]
        doc = read_document(path, f"{self.shown}/{path.parent.name}/{path.name}", problems)
        if doc is not None:
            check_structure(doc, problems, overlay_validator())
        if doc is None or problems.errors:
            raise _invalid(self._label(env), problems, SCHEMA_HINT)
        return apply_overlay(self.sections, doc, problems), connection_profile(env, doc, problems)

    def _label(self, env: str | None) -> str:
        return f"{self.shown}/ (environment {env})" if env else f"{self.shown}/"


def read_base(path: str | Path) -> Base:
    """Read and merge the base files; TopologyError when a file breaks the schema."""
    shown = shown_dir(path)
    problems = Problems()
    documents = read_documents(Path(path), shown, problems)
    for document in documents:
        check_structure(document, problems)
    if problems.errors:
        raise _invalid(f"{shown}/", problems, SCHEMA_HINT)
    return Base(shown, merge(documents, problems), problems, environment_files(Path(path)))


def load(path: str | Path, env: str | None = None) -> LoadResult:
    """The topology in directory ``path`` (for environment ``env``); TopologyError listing every problem."""
    if Path(path).is_dir():  # a wrong or missing --env is reported before any file is read
        require_environment(shown_dir(path), list(environment_files(Path(path))), env)
    with gc_paused():  # a load makes millions of objects and no cycles (100k topics: 1.5 s of collections)
        return read_base(path).load(env)


def load_each(path: str | Path, envs: Iterable[str] | None = None) -> list[tuple[str, LoadResult | TopologyError]]:
    """Every environment (or those named), each loaded or its error, from one read of the base."""
    with gc_paused():
        return _load_each(read_base(path), envs)


def _load_each(base: Base, envs: Iterable[str] | None) -> list[tuple[str, LoadResult | TopologyError]]:
    names = list(base.environments) if envs is None else list(envs)
    results: list[tuple[str, LoadResult | TopologyError]] = []
    for name in names:
        try:
            results.append((name, base.load(name)))
        except TopologyError as e:
            results.append((name, e))
    return results


def _invalid(label: str, problems: Problems, hint: str | None) -> TopologyError:
    lines = problems.error_lines()
    noun = "problem" if len(lines) == 1 else "problems"
    return TopologyError(f"{label} is invalid: {len(lines)} {noun}", hint=hint, details=lines)
