"""A topology directory -> one positioned document per YAML file.

Rules:
- Every ``*.yaml`` / ``*.yml`` below the directory is read, recursively, sorted by
  relative path; hidden files and directories (``.git``...) are skipped, and so is the
  top-level ``environments/`` folder, which holds overlays, not base files (CONTRACT section 8).
- File names in messages start with the directory as the user gave it
  (``topology/chat.yaml``), so they can be pasted back into an editor.
- An empty file is an empty mapping; a file that is not UTF-8, not YAML, holds several
  documents or whose top level is not a mapping is one problem, and is then skipped.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from kafkactl.errors import TopologyError
from kafkactl.model import Location
from kafkactl.topology.marked import Duplicate, MarkedDict, parse
from kafkactl.topology.problems import Problems

SUFFIXES = (".yaml", ".yml")
SECTIONS = ("cluster", "defaults", "topics", "tenants", "subjects", "principals", "users", "quotas")
ENVIRONMENTS_DIR = "environments"


@dataclass(frozen=True)
class Document:
    file: str  # as shown in messages
    data: MarkedDict

    @functools.cached_property  # asked once per entry of the file
    def base(self) -> str:
        """The directory schema paths in this file are relative to."""
        return os.path.dirname(self.file) or "."

    def at(self, mapping: MarkedDict, key: str | None = None) -> Location:
        """Where ``key`` of ``mapping`` was written (the mapping itself when key is None)."""
        line, col = mapping.key_pos.get(key, mapping.pos) if key is not None else mapping.pos
        return Location(self.file, line, col)


def shown_dir(path: str | Path) -> str:
    text = str(path)
    return text.rstrip("/\\") or text


def read_documents(root: Path, shown: str, problems: Problems) -> list[Document]:
    if not root.exists():
        raise TopologyError(f"{shown}/ does not exist", hint="pass the topology directory, e.g. `kafkactl validate topology`")
    if not root.is_dir():
        raise TopologyError(f"{shown} is not a directory", hint="a topology is a directory of *.yaml files")
    documents = []
    for relative in yaml_files(root):
        document = _read(root / relative, os.path.join(shown, relative), problems)
        if document is not None:
            documents.append(document)
    return documents


def yaml_files(root: Path) -> list[str]:
    """Relative paths of the topology's YAML files, sorted."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and not (folder == str(root) and d == ENVIRONMENTS_DIR)]
        relative = os.path.relpath(folder, root)  # once per folder: 100,000 files kept one per topic add up
        prefix = "" if relative == os.curdir else relative + os.sep
        found += [prefix + name for name in files if name.endswith(SUFFIXES) and not name.startswith(".")]
    return sorted(found, key=lambda p: p.split(os.sep))


def read_document(path: Path, file: str, problems: Problems) -> Document | None:
    """One positioned document (None when it could not be read: the problem is reported)."""
    return _read(path, file, problems)


def _read(path: Path, file: str, problems: Problems) -> Document | None:
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as e:
        problems.error(Location(file, 0), f"cannot read the file: {e.strerror or e}")
        return None
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        problems.error(Location(file, line), f"is not UTF-8 text (byte 0x{raw[e.start]:02x} cannot be decoded)")
        return None
    try:
        data, duplicates = parse(text)
    except yaml.YAMLError as e:
        where, message = _yaml_problem(e, text)
        problems.error(Location(file, where[0]), message, where[1])
        return None
    for dup in duplicates:
        problems.error(Location(file, dup.again[0]), _duplicate_text(dup, file), dup.again[1])
    return _document(file, data, problems)


def _document(file: str, data: object, problems: Problems) -> Document | None:
    if data is None:
        return Document(file, MarkedDict((1, 1)))
    if not isinstance(data, MarkedDict):
        kind = "a list" if isinstance(data, list) else f"the value {str(data)[:40]!r}"
        problems.error(Location(file, 1), f"the top level must be a mapping of sections ({', '.join(SECTIONS)}), "
                                          f"not {kind}", 1)
        return None
    return Document(file, data)


def _duplicate_text(dup: Duplicate, file: str) -> str:
    return f"duplicate key {dup.key!r}: first at {file}:{dup.first[0]}, again at {file}:{dup.again[0]}"


def _yaml_problem(error: yaml.YAMLError, text: str) -> tuple[tuple[int, int], str]:
    """The position and one-line message of a YAML error."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        context = f"{error.context}: " if error.context else ""
        return where, f"invalid YAML: {context}{error.problem}"
    if isinstance(error, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(error.position, 0)) + 1
        return (line, 0), f"invalid YAML: character {error.character!r} is not allowed ({error.reason})"
    return (1, 0), f"invalid YAML: {error}"
