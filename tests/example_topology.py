"""The example topology (topology/ and schemas/) copied for a cluster test, under a unique name prefix.

Rule: a cluster test never applies the example's own topic names: `make demo` applies the example's
dev environment (RF 1) to the local cluster under those names, and a test applying another shape
(prod's RF 3) to them would make the demo's plan fail. The access file is left out: its principals
and users are cluster-wide names (tests/test_access_example.py covers them).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Flags that point a command at the test cluster also need a client config that overrides the
# example environments' ${..._CLIENT_CONFIG}: this one is empty.
EMPTY_CLIENT_CONFIG = Path(__file__).parent / "empty.properties"
# The example's topic names start with these words; a lookbehind keeps com.chat.Attachment and paths.
_EXAMPLE_NAMES = re.compile(r"(?<![\w./-])(chat|presence|notifications|analytics|audit|internal)\.")


def example_copy(tmp_path: Path, prefix: str) -> Path:
    """topology/ (without access.yaml) and schemas/ in ``tmp_path``, every topic name and glob under ``prefix.``."""
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    shutil.copytree(ROOT / "topology", tmp_path / "topology")
    (tmp_path / "topology" / "access.yaml").unlink(missing_ok=True)
    for path in (tmp_path / "topology").rglob("*.yaml"):
        path.write_text(_EXAMPLE_NAMES.sub(rf"{prefix}.\1.", path.read_text(encoding="utf-8")), encoding="utf-8")
    return tmp_path / "topology"
