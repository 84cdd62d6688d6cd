"""Environment overlays: ``DIR/environments/NAME.yaml`` files (CONTRACT section 8).

Rules:
- The environments of a topology are the ``*.yaml`` / ``*.yml`` files directly in its
  ``environments/`` folder, by file stem, sorted. Two files with one stem are an error.
- An overlay file follows the topology schema with these changes (``overlay_schema``): a
  ``connection`` section; a subject needs no ``schema`` (it overrides fields); and
  ``tenants.members`` may be ``{add: [...], remove: [...]}``. Every new top-level section of
  the base schema is allowed in overlays too.
- ``connection`` values may hold ``${VAR}`` references, checked for syntax here; they are
  expanded only when a command connects (``kafkactl.connection.resolve``).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

from kafkactl.errors import UsageError
from kafkactl.model import ConnectionProfile, Location, ProfileValue
from kafkactl.topology.files import ENVIRONMENTS_DIR, SUFFIXES, Document
from kafkactl.topology.marked import MarkedDict
from kafkactl.topology.problems import Problems
from kafkactl.topology.structure import SchemaCheck, schema_text

# ${NAME}: the only expansion there is. A "$" not starting one is kept as it is.
VARIABLE = re.compile(r"\$\{([^}]*)\}")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PROFILE_KEYS = ("bootstrap_servers", "schema_registry_url", "client_config")
_CONNECTION_SCHEMA = {
    "description": "Where this environment's cluster and registry are; ${VAR} reads an environment variable. "
                   "Flags and KAFKACTL_* variables override each value.",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "bootstrap_servers": {"description": "Kafka bootstrap servers.", "type": "string", "minLength": 1},
        "schema_registry_url": {"description": "Confluent-compatible registry URL.", "type": "string", "minLength": 1},
        "client_config": {"description": "Kafka client .properties file, relative to this file.",
                          "type": "string", "minLength": 1},
    },
}
_TENANT_LIST = {"type": "array", "items": {"type": ["string", "integer"]}}
_MEMBER_EDIT_SHAPE = {
    "type": "object",
    "anyOf": [{"required": [k], "properties": {k: {"type": "array"}}} for k in ("add", "remove")],
}
_MEMBER_EDIT = {
    "description": "Tenants added to and removed from the base's members.",
    "type": "object",
    "additionalProperties": False,
    "properties": {"add": _TENANT_LIST, "remove": _TENANT_LIST},
}


def environments_dir(root: Path) -> Path:
    return root / ENVIRONMENTS_DIR


def environment_files(root: Path) -> dict[str, Path]:
    """Environment name -> overlay file; empty when the topology has no ``environments/``."""
    folder = environments_dir(root)
    if not folder.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in SUFFIXES and path.is_file() and not path.name.startswith("."):
            if path.stem in found:
                raise UsageError(f"environment {path.stem!r} is defined twice: {found[path.stem]} and {path}",
                                 hint="keep one file per environment")
            found[path.stem] = path
    return dict(sorted(found.items()))


def require_environment(shown: str, names: list[str], env: str | None) -> None:
    """Usage errors (exit 64) for a missing, unknown or needless ``--env``."""
    listed = ", ".join(names)
    if env is None and names:
        raise UsageError(f"{shown}/ has environments ({listed}): choose one with --env NAME",
                         hint="or set KAFKACTL_ENV; `kafkactl validate --all-envs` checks them all")
    if env is not None and not names:
        raise UsageError(f"--env {env}: {shown}/ has no environments (no {shown}/{ENVIRONMENTS_DIR}/*.yaml)",
                         hint="drop --env (and KAFKACTL_ENV), or add the overlay file")
    if env is not None and env not in names:
        raise UsageError(f"unknown environment {env!r}: {shown}/ has {listed}", hint=f"use --env with one of: {listed}")


def overlay_schema() -> dict[str, Any]:
    """The schema an overlay file follows, derived from the base topology schema."""
    schema: dict[str, Any] = copy.deepcopy(json.loads(schema_text()))
    schema["title"] = "kafkactl environment overlay"
    schema["description"] = ("An environment overlay (DIR/environments/NAME.yaml): changes to what the base "
                             "topology declares, and the environment's connection.")
    schema["properties"]["connection"] = _CONNECTION_SCHEMA
    schema["$defs"]["subject"].pop("required", None)
    tenants = schema["$defs"]["tenants"]["properties"]
    tenants["members"] = {"if": _MEMBER_EDIT_SHAPE, "then": _MEMBER_EDIT, "else": tenants["members"]}
    return schema


@functools.cache
def overlay_validator() -> SchemaCheck:
    return SchemaCheck(overlay_schema())


def connection_profile(name: str, doc: Document, problems: Problems) -> ConnectionProfile | None:
    """The overlay's ``connection`` block; a malformed ``${...}`` is an error at its line."""
    section = doc.data.get("connection")
    if not isinstance(section, MarkedDict):
        return None
    values: dict[str, ProfileValue] = {}
    for key in PROFILE_KEYS:
        if key in section:
            loc = Location(doc.file, section.value_pos[key][0])
            text = str(section[key])
            for bad in (m.group(1) for m in VARIABLE.finditer(text) if not VARIABLE_NAME.fullmatch(m.group(1))):
                problems.error(loc, f"connection.{key}: ${{{bad}}} is not a variable reference: use ${{NAME}}, "
                                    "NAME of letters, digits and '_'")
            if "${" in VARIABLE.sub("", text):
                problems.error(loc, f"connection.{key}: unclosed ${{ (write ${{NAME}})")
            values[key] = ProfileValue(text, loc, doc.base)
    return ConnectionProfile(name, **values)
