"""Schema-registry calls for the schemas case: the bulk-read floor, per-subject sequential reads, set-up, clean-up.

Rules:
- Reads use one keep-alive client each, built per timed step (as a kafkactl process does).
- Subjects are written as files plus a ``subjects:`` topology, and registered by
  ``kafkactl apply`` itself (untimed set-up); clean-up soft- then hard-deletes them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx

from kafkactl.connection import resolve

TIMEOUT_S = 60.0
CLEANUP_POOL = 8


def http() -> httpx.Client:
    return httpx.Client(base_url=resolve().schema_registry_url + "/", timeout=TIMEOUT_S)


def write_topology(root: Path, prefix: str, count: int) -> tuple[Path, list[str]]:
    """``root/topology`` declaring ``count`` Avro subjects ``{prefix}{i:05d}``; returns (dir, subjects)."""
    (root / "topology").mkdir(parents=True, exist_ok=True)
    (root / "schemas").mkdir(exist_ok=True)
    namespace = "n" + "".join(c for c in prefix if c.isalnum())
    subjects, lines = [], ["subjects:"]
    for i in range(count):
        schema = {"type": "record", "name": f"R{i}", "namespace": namespace,
                  "fields": [{"name": "id", "type": "string"}, {"name": "at", "type": "long"}]}
        (root / "schemas" / f"s{i}.avsc").write_text(json.dumps(schema), encoding="utf-8")
        subject = f"{prefix}{i:05d}"
        subjects.append(subject)
        lines += [f"  {subject}:", f"    schema: ../schemas/s{i}.avsc", "    compatibility: BACKWARD"]
    (root / "topology" / "subjects.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root / "topology", subjects


def bulk_read(prefix: str, expected: int) -> None:
    """``GET /schemas?subjectPrefix=P&latestOnly=true``: one request for every latest schema under the prefix."""
    with http() as client:
        r = client.get("schemas", params={"subjectPrefix": prefix, "latestOnly": "true"})
        r.raise_for_status()
        got = len(r.json())
    if got != expected:
        raise RuntimeError(f"bulk read returned {got} schemas, expected {expected}")


def bulk_read_shape(prefix: str) -> str:
    """What the bulk read answers per item (Apicurio 3.3.3: schema text only, no subject or version)."""
    with http() as client:
        doc = client.get("schemas", params={"subjectPrefix": prefix, "latestOnly": "true"}).json()
    return ", ".join(sorted(doc[0])) if doc else "(empty)"


def sequential_reads(subjects: Sequence[str]) -> None:
    """``GET /subjects/{s}/versions/latest`` one after another on one keep-alive connection."""
    with http() as client:
        for s in subjects:
            client.get(f"subjects/{quote(s, safe='')}/versions/latest").raise_for_status()


def delete_subjects(subjects: Sequence[str]) -> None:
    """Soft, then permanent delete; missing subjects are fine."""
    def drop(s: str) -> None:
        path = f"subjects/{quote(s, safe='')}"
        client.delete(path)
        client.delete(path, params={"permanent": "true"})

    with http() as client, ThreadPoolExecutor(CLEANUP_POOL) as pool:
        list(pool.map(drop, subjects))


def subjects_with_prefix(prefix: str) -> list[str]:
    with http() as client:
        return [s for s in client.get("subjects").json() if s.startswith(prefix)]


def registry_version() -> str:
    """Apicurio's own version (its native API beside ccompat), or the registry's URL when it is not Apicurio."""
    url = resolve().schema_registry_url
    base = url.removesuffix("/apis/ccompat/v7")
    try:
        info = httpx.get(base + "/apis/registry/v3/system/info", timeout=5).json()
        return f"{info['name']} {info['version']}"
    except (httpx.HTTPError, ValueError, KeyError):
        return url
