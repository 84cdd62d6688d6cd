"""Schema-registry calls for the schemas case: the bulk-read floor, per-subject sequential reads, set-up, clean-up.

Rules:
- Every call names the registry's URL: the case runs once per registry (Apicurio, Karapace).
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
from kafkactl.registry import Registry
from kafkactl.registry_read import EXPORT_PATH

TIMEOUT_S = 60.0
CLEANUP_POOL = 8
APICURIO_CCOMPAT = "/apis/ccompat/v7"


def http(url: str) -> httpx.Client:
    return httpx.Client(base_url=url + "/", timeout=TIMEOUT_S)


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/subjects", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


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


def bulk_read(url: str, prefix: str, expected: int) -> None:
    """``GET /schemas?subjectPrefix=P&latestOnly=true``: one request for every latest schema under the prefix.

    Karapace 5.0.3 ignores the prefix (it answers the whole registry): items of other subjects don't count.
    """
    with http(url) as client:
        r = client.get("schemas", params={"subjectPrefix": prefix, "latestOnly": "true"})
        r.raise_for_status()
        got = sum(1 for d in r.json() if str(d.get("subject", prefix)).startswith(prefix))
    if got != expected:
        raise RuntimeError(f"bulk read returned {got} schemas, expected {expected}")


def bulk_read_shape(url: str, prefix: str) -> str:
    """What the bulk read answers per item (Apicurio 3.3.3: schema text only, no subject or version)."""
    with http(url) as client:
        doc = client.get("schemas", params={"subjectPrefix": prefix, "latestOnly": "true"}).json()
    return ", ".join(sorted(doc[0])) if doc else "(empty)"


def export_url(url: str) -> str | None:
    """Apicurio's native export beside its ccompat URL (what kafkactl reads there), else None."""
    return url.removesuffix(APICURIO_CCOMPAT) + EXPORT_PATH if url.endswith(APICURIO_CCOMPAT) else None


def export_read(url: str) -> None:
    """``GET /apis/registry/v3/admin/export``: the whole registry in one zip (the request alone, not parsed)."""
    target = export_url(url)
    if target is None:
        raise RuntimeError(f"{url} is not an Apicurio ccompat URL")
    with httpx.Client(timeout=TIMEOUT_S) as client:
        client.get(target).raise_for_status()


def strategy(url: str, subjects: Sequence[str]) -> str:
    """Which read kafkactl takes for these subjects on this registry (kafkactl.registry_read), checked complete."""
    current = Registry(resolve(schema_registry_url=url)).current(subjects)
    if len(current.latest) != len(subjects):
        raise RuntimeError(f"kafkactl read {len(current.latest)} of {len(subjects)} subjects at {url}")
    return current.strategy


def sequential_reads(url: str, subjects: Sequence[str]) -> None:
    """``GET /subjects/{s}/versions/latest`` one after another on one keep-alive connection."""
    with http(url) as client:
        for s in subjects:
            client.get(f"subjects/{quote(s, safe='')}/versions/latest").raise_for_status()


def delete_subjects(url: str, subjects: Sequence[str]) -> None:
    """Soft, then permanent delete; missing subjects are fine."""
    def drop(s: str) -> None:
        path = f"subjects/{quote(s, safe='')}"
        client.delete(path)
        client.delete(path, params={"permanent": "true"})

    with http(url) as client, ThreadPoolExecutor(CLEANUP_POOL) as pool:
        list(pool.map(drop, subjects))


def subjects_with_prefix(url: str, prefix: str) -> list[str]:
    with http(url) as client:
        return [s for s in client.get("subjects").json() if s.startswith(prefix)]


def registry_version(url: str | None = None) -> str:
    """Apicurio's own version (its native API beside ccompat), Karapace's (``/_health``), else the registry's URL."""
    url = url or resolve().schema_registry_url
    base = url.removesuffix(APICURIO_CCOMPAT)
    try:
        info = httpx.get(base + "/apis/registry/v3/system/info", timeout=5).json()
        return f"{info['name']} {info['version']}"
    except (httpx.HTTPError, ValueError, KeyError, TypeError):  # not Apicurio: Karapace answers a JSON string
        pass
    try:
        return f"Karapace {httpx.get(url + '/_health', timeout=5).json()['karapace_version']}"
    except (httpx.HTTPError, ValueError, KeyError):
        return url
