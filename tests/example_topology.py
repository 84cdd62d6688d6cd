"""The example topology (topology/ and schemas/) copied for a cluster test, under a unique name prefix.

Rule: a cluster test never applies the example's own topic names: `make demo` applies the example's
dev environment (RF 1) to the local cluster under those names, and a test applying another shape
(prod's RF 3) to them would make the demo's plan fail. The access sections are left out: principals
and users are cluster-wide names that no prefix separates (tests/test_access_example.py covers them).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Flags that point a command at the test cluster also need a client config that overrides the
# example environments' ${..._CLIENT_CONFIG}: this one is empty.
EMPTY_CLIENT_CONFIG = Path(__file__).parent / "empty.properties"
# The example's topic names start with these words; a lookbehind keeps com.chat.Attachment and paths.
_ACCESS_SECTIONS = ("principals", "users", "quotas")
_ACCESS_KEYS = {"tenants": ("principal", "access", "quota"), "cluster": ("owns_principals",)}
_EXAMPLE_NAMES = re.compile(r"(?<![\w./-])(chat|presence|notifications|analytics|audit|internal)\.")


def example_copy(tmp_path: Path, prefix: str) -> Path:
    """topology/ and schemas/ in ``tmp_path``, every topic name and glob under ``prefix.``, without
    the access sections (principals, users, quotas, tenants.principal/access/quota, owns_principals)."""
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    shutil.copytree(ROOT / "topology", tmp_path / "topology")
    for path in (tmp_path / "topology").rglob("*.yaml"):
        doc = yaml.safe_load(_EXAMPLE_NAMES.sub(rf"{prefix}.\1.", path.read_text(encoding="utf-8"))) or {}
        path.write_text(yaml.safe_dump(_without_access(doc), sort_keys=False), encoding="utf-8")
    return tmp_path / "topology"


def _without_access(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in _ACCESS_SECTIONS}
    for section, keys in _ACCESS_KEYS.items():
        if isinstance(out.get(section), dict):
            out[section] = {k: v for k, v in out[section].items() if k not in keys}
    return out
