"""Add and remove tenants in the topology files, keeping every other byte as it was.

ruamel.yaml's round-trip parser tells *where* ``tenants.members`` and each member
are (line and column); the edit itself is a splice of whole lines into the
original text. A re-dump, even a round-trip one, re-flows long lines, quoting and
indentation; a splice cannot touch anything but the lines it adds or removes.

Rules:
- ``add`` inserts exactly one line (``    ID:``), plus a ``members:`` line when the
  section had none, at the members' own indentation: in sorted position when
  the members are sorted, else last.
- ``remove`` deletes exactly the member's lines: its key and its overrides.
  Comments on lines of their own are kept, even next to it.
- The edited text is re-parsed and must hold the same data but for that one
  member, else nothing is written (a bug guard, not a user error).
- Only base files are edited, never an environment overlay (``environments/``): an overlay's
  ``tenants.members`` is the environment's own choice. The edited topology must still load
  for the environment given (``env``).
- The topology must load before the edit; the file is replaced atomically (temp
  file in the same directory, then rename), and if the topology no longer loads
  afterwards, the original is put back.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from kafkactl.errors import KafkactlError, TopologyError
from kafkactl.targets import check_tenant_id
from kafkactl.topology import load
from kafkactl.topology.files import ENVIRONMENTS_DIR

YAML_SUFFIXES = (".yaml", ".yml")
INDENT_STEP = 2  # used only when the file shows no indentation of its own to copy
EMPTY_MEMBERS = re.compile(r"^(?P<key>\s*members:)\s*(?:\{\s*\}|~|null)?\s*(?P<comment>#.*)?$")


@dataclass(frozen=True)
class Edit:
    """A file that was changed: its path, and the text before and after."""

    path: Path
    before: str
    after: str


def add(directory: str | Path, tenant: str, env: str | None = None) -> Edit:
    """Add ``tenant`` to ``tenants.members``; an error if it is already a member."""
    check_tenant_id(tenant)
    load(directory, env)  # a topology that is invalid already is reported as it is, before any edit
    files = _candidate_files(directory)
    for path in files:
        if tenant in _members(_parse(path.read_text(encoding="utf-8"), path)):
            raise KafkactlError(f"tenant {tenant} already exists ({path}); nothing was written")
    path = _file_for_new_member(files)
    before = path.read_text(encoding="utf-8")
    return _commit(directory, Edit(path, before, add_member_text(before, tenant, str(path))), env)


def remove(directory: str | Path, tenant: str, env: str | None = None) -> Edit:
    """Remove ``tenant`` from ``tenants.members``; an error if it is not a member."""
    check_tenant_id(tenant)
    load(directory, env)
    for path in _candidate_files(directory):
        before = path.read_text(encoding="utf-8")
        if tenant in _members(_parse(before, str(path))):
            return _commit(directory, Edit(path, before, remove_member_text(before, tenant, str(path))), env)
    raise KafkactlError(f"tenant {tenant} is not a member of the topology in {directory}; nothing was written",
                        hint="'kafkactl tenant list' shows the members")


# ---- pure text edits ---------------------------------------------------------------------------


def add_member_text(text: str, tenant: str, where: str = "<text>") -> str:
    doc = _parse(text, where)
    tenants = _tenants_section(doc, where)
    lines = text.splitlines(keepends=True)
    line = _member_line(tenant)
    if "members" in tenants:
        out = _add_to_members(lines, tenants, _key_pos(doc, "tenants")[1], line, tenant, where)
    else:
        t_line, t_col = _key_pos(doc, "tenants")
        col = _child_col(tenants, t_col)
        at = _block_end(lines, t_line, t_col) + 1
        out = _splice(lines, at, 0, [_ensure_newline(lines, at), " " * col + "members:\n", " " * (2 * col - t_col) + line])
    _check(text, out, where, lambda names: [*names, tenant])
    return out


def remove_member_text(text: str, tenant: str, where: str = "<text>") -> str:
    doc = _parse(text, where)
    tenants = _tenants_section(doc, where)
    if tenant not in _members(doc):
        raise KafkactlError(f"{where}: tenant {tenant} is not in tenants.members")
    lines = text.splitlines(keepends=True)
    m_line, m_col = _key_pos(tenants, "members")
    _refuse_flow(lines, (m_line, m_col), where)
    key_line, key_col = _key_pos(tenants["members"], tenant)
    end = _block_end(lines, key_line, key_col)
    out = _splice(lines, key_line, end + 1 - key_line, [])
    if len(tenants["members"]) == 1:  # the last one: `members:` alone would be null, which the schema refuses
        out = _splice(out.splitlines(keepends=True), m_line, 1, [_empty_members_line(lines[m_line])])
    _check(text, out, where, lambda names: [n for n in names if n != tenant])
    return out


def _empty_members_line(line: str) -> str:
    key, _, rest = line.rstrip("\n").partition(":")
    comment = rest[rest.index("#") :] if "#" in rest else ""
    return f"{key}: {{}}" + (f"  {comment}" if comment else "") + "\n"


def _add_to_members(lines: list[str], tenants: Any, t_col: int, line: str, tenant: str, where: str) -> str:
    m_line, m_col = _key_pos(tenants, "members")
    members = tenants["members"]
    if members:
        _refuse_flow(lines, (m_line, m_col), where)
        names = [str(n) for n in members]
        col = _key_pos(members, names[0])[1]
        at = _insert_at(lines, members, names, tenant, col)
        return _splice(lines, at, 0, [_ensure_newline(lines, at), " " * col + line])
    # `members:`, `members: {}` or `members: ~`: the one case where an existing line changes.
    match = EMPTY_MEMBERS.match(lines[m_line].rstrip("\n"))
    if match is None:
        raise TopologyError(f"{where}:{m_line + 1}: cannot edit this tenants.members line",
                            hint="write it as 'members:' followed by one member per line")
    comment = f" {match['comment']}" if match["comment"] else ""
    col = m_col + (m_col - t_col if m_col > t_col else INDENT_STEP)
    return _splice(lines, m_line, 1, [f"{match['key']}{comment}\n", " " * col + line])


def _insert_at(lines: list[str], members: Any, names: list[str], tenant: str, col: int) -> int:
    """Before the first later member (and its comment lines) when sorted; else after the last member's block."""
    if names == sorted(names):
        later = next((n for n in names if n > tenant), None)
        if later is not None:
            at = _key_pos(members, later)[0]
            while at > 0 and _is_comment(lines[at - 1]) and _indent(lines[at - 1]) == col:
                at -= 1
            return at
    last_line, last_col = _key_pos(members, names[-1])
    return _block_end(lines, last_line, last_col) + 1


def _block_end(lines: list[str], key_line: int, key_col: int) -> int:
    """The last line of a key's block: its own line and every following content line indented deeper.

    Blank and comment lines count only when more content of the block follows them.
    """
    end = key_line
    for i in range(key_line + 1, len(lines)):
        if not lines[i].strip() or _is_comment(lines[i]):
            continue
        if _indent(lines[i]) <= key_col or lines[i].lstrip().startswith(("---", "...")):
            break
        end = i
    return end


def _splice(lines: list[str], at: int, drop: int, new: Iterable[str]) -> str:
    return "".join([*lines[:at], *[s for s in new if s], *lines[at + drop :]])


def _ensure_newline(lines: list[str], at: int) -> str:
    """A newline to end the previous line when it is the file's last and has none."""
    return "\n" if at == len(lines) and lines and not lines[-1].endswith("\n") else ""


def _member_line(tenant: str) -> str:
    # Quote ids that YAML 1.1 or 1.2 would read as something other than a string (123, 0x1f, yes, null...).
    plain = yaml.safe_load(f"{tenant}: x")
    rt = YAML(typ="safe").load(f"{tenant}: x")
    is_str = isinstance(plain, dict) and isinstance(rt, dict) and all(isinstance(k, str) for k in (*plain, *rt))
    return f"{tenant}:\n" if is_str else f'"{tenant}":\n'


def _child_col(section: Any, col: int) -> int:
    """The column of ``section``'s keys, copied from the file; ``col + 2`` when there is nothing to copy."""
    cols = [_key_pos(section, k)[1] for k in section]
    return min(cols) if cols and min(cols) > col else col + INDENT_STEP


def _refuse_flow(lines: list[str], pos: tuple[int, int], where: str) -> None:
    line, col = pos
    rest = lines[line][col:].partition(":")[2].split("#")[0].strip()
    if rest.startswith("{"):
        raise TopologyError(f"{where}:{line + 1}: tenants.members is written in flow style ({{...}})",
                            hint="write one member per line (block style); kafkactl edits only block style")


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


# ---- parsing and checks -----------------------------------------------------------------------


def _parse(text: str, where: str | Path) -> Any:
    try:
        return YAML(typ="rt").load(text)
    except YAMLError as e:
        raise TopologyError(f"{where}: not valid YAML: {str(e).splitlines()[0]}") from None


def _tenants_section(doc: Any, where: str) -> Any:
    tenants = doc.get("tenants") if isinstance(doc, dict) else None
    if not isinstance(tenants, dict):
        raise TopologyError(f"{where}: has no tenants section", hint="declare tenants.templates first")
    return tenants


def _key_pos(section: Any, key: str) -> tuple[int, int]:
    line, col = section.lc.key(key)
    return int(line), int(col)


def _members(doc: Any) -> list[str]:
    tenants = doc.get("tenants") if isinstance(doc, dict) else None
    members = tenants.get("members") if isinstance(tenants, dict) else None
    return [str(k) for k in members] if isinstance(members, dict) else []


def _plain(doc: Any) -> Any:
    """The data only (no comments or positions), for comparing two parses."""
    return yaml.safe_load(_dump(doc)) if doc is not None else None


def _dump(doc: Any) -> str:
    buf = StringIO()
    YAML(typ="rt").dump(doc, buf)
    return buf.getvalue()


def _check(before: str, after: str, where: str, expected_members: Any) -> None:
    """The edit changed the member list as intended and nothing else in the data."""
    old, new = _plain(_parse(before, where)), _plain(_parse(after, where))
    want_members = sorted(expected_members(_members(_parse(before, where))))
    new_members = sorted(_members(_parse(after, where)))
    for doc in (old, new):
        if isinstance(doc, dict) and isinstance(doc.get("tenants"), dict):
            doc["tenants"].pop("members", None)
    if old != new or new_members != want_members:
        raise KafkactlError(f"{where}: internal error editing tenants.members; nothing was written",
                            hint="this is a kafkactl bug; please report it with the file")


# ---- files ------------------------------------------------------------------------------------


def _candidate_files(directory: str | Path) -> list[Path]:
    """Topology files with a ``tenants`` section, those holding members first (sorted by path)."""
    root = Path(directory)
    if not root.is_dir():
        raise KafkactlError(f"topology directory {directory} does not exist")
    overlays = root / ENVIRONMENTS_DIR
    files = sorted(p for p in root.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file()
                   and overlays not in p.parents)
    with_tenants = [p for p in files if _has_tenants(p)]
    return sorted(with_tenants, key=lambda p: (not _has_members(p), str(p)))


def _has_tenants(path: Path) -> bool:
    doc = _parse(path.read_text(encoding="utf-8"), path)
    return isinstance(doc, dict) and isinstance(doc.get("tenants"), dict)


def _has_members(path: Path) -> bool:
    doc = _parse(path.read_text(encoding="utf-8"), path)
    return "members" in doc["tenants"]


def _file_for_new_member(files: list[Path]) -> Path:
    if not files:
        raise TopologyError("the topology has no tenants section",
                            hint="declare tenants.templates (topics with {tenant} in their name) first")
    return files[0]


def _commit(directory: str | Path, edit: Edit, env: str | None) -> Edit:
    """Write atomically; put the original back if the topology no longer loads."""
    _write_atomically(edit.path, edit.after)
    try:
        load(directory, env)
    except KafkactlError as e:
        _write_atomically(edit.path, edit.before)
        e.details = (*e.details, f"the edit made the topology invalid, so {edit.path} was left as it was")
        raise
    return edit


def _write_atomically(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise KafkactlError(f"cannot write {path}: {e.strerror}") from None
