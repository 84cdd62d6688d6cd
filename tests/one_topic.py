"""A topology directory declaring one owned topic, for cluster tests."""

from __future__ import annotations

from pathlib import Path

import yaml


def write_one_topic(d: Path, topic: str, partitions: int, rf: int, configs: dict[str, str | int]) -> Path:
    """``d/topics.yaml`` owning and declaring ``topic``; returns ``d``."""
    d.mkdir(parents=True, exist_ok=True)
    doc = {"cluster": {"owns": [topic]},
           "topics": {topic: {"partitions": partitions, "replication_factor": rf, "configs": configs}}}
    (d / "topics.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return d
