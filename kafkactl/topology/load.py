"""Load a topology directory: read, check against the schema, merge, expand, check the rules.

Rules:
- Every problem is collected and reported in one TopologyError, sorted by file and line.
- Semantic checks run only on files that passed the JSON Schema, so they can trust shapes;
  within the semantic stage, every rule runs even after others failed.
- Warnings never stop a load; they are returned with the topology.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kafkactl.errors import TopologyError
from kafkactl.model import Topology
from kafkactl.topology.check import check
from kafkactl.topology.expand import expand
from kafkactl.topology.files import read_documents, shown_dir
from kafkactl.topology.merge import merge
from kafkactl.topology.problems import Problems
from kafkactl.topology.structure import check_structure


@dataclass(frozen=True)
class LoadResult:
    topology: Topology
    warnings: tuple[str, ...] = ()


def load(path: str | Path) -> LoadResult:
    """The topology in directory ``path``; TopologyError listing every problem when invalid."""
    shown = shown_dir(path)
    problems = Problems()
    documents = read_documents(Path(path), shown, problems)
    for document in documents:
        check_structure(document, problems)
    if problems.errors:
        raise _invalid(shown, problems, "`kafkactl validate --print-schema` prints the schema every file follows")
    sections = merge(documents, problems)
    expansion = expand(sections, problems)
    check(expansion, sections, problems)
    if problems.errors:
        raise _invalid(shown, problems, None)
    return LoadResult(expansion.topology, problems.warning_lines())


def _invalid(shown: str, problems: Problems, hint: str | None) -> TopologyError:
    lines = problems.error_lines()
    noun = "problem" if len(lines) == 1 else "problems"
    return TopologyError(f"{shown}/ is invalid: {len(lines)} {noun}", hint=hint, details=lines)
