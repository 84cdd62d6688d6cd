"""plan._plain (what the fingerprint hashes): read-only mappings, tuples, str subclasses and named tuples alike."""

from __future__ import annotations

import enum
from types import MappingProxyType
from typing import NamedTuple

from kafkactl.plan import _plain, fingerprint


class Level(enum.StrEnum):
    FULL = "FULL"


class Pair(NamedTuple):
    a: int
    b: str


def test_plain_turns_every_container_into_json_types() -> None:
    state = {"m": MappingProxyType({1: (1, 2), "k": [None, True, 1.5]}), "e": Level.FULL, "p": Pair(1, "x"),
             "t": ((1,), [2])}
    assert _plain(state) == {"m": {"1": [1, 2], "k": [None, True, 1.5]}, "e": Level.FULL, "p": [1, "x"],
                             "t": [[1], [2]]}


def test_fingerprint_is_the_same_for_read_only_and_plain_containers() -> None:
    frozen = {"topics": MappingProxyType({"a": (1, 3, MappingProxyType({"retention.ms": "1"}), ((1, 2, 3),))})}
    plain = {"topics": {"a": [1, 3, {"retention.ms": "1"}, [[1, 2, 3]]]}}
    assert fingerprint(frozen) == fingerprint(plain)
    assert fingerprint(plain) != fingerprint({"topics": {"a": [1, 3, {"retention.ms": "2"}, [[1, 2, 3]]]}})
