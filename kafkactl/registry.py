"""The only schema-registry HTTP code (Confluent-compatible API). Being written under issue 5."""

from __future__ import annotations

from collections.abc import Sequence

from kafkactl.connection import Connection
from kafkactl.model import LiveState, Outcome, Topology
from kafkactl.plan import Change


class Registry:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def read_subjects(self, topology: Topology, state: LiveState) -> LiveState:
        raise NotImplementedError("schema support lands with issue 5")

    def apply_compatibility(self, changes: Sequence[Change]) -> list[Outcome]:
        raise NotImplementedError("schema support lands with issue 5")

    def apply_schemas(self, changes: Sequence[Change]) -> list[Outcome]:
        raise NotImplementedError("schema support lands with issue 5")

    def apply_deletes(self, changes: Sequence[Change]) -> list[Outcome]:
        raise NotImplementedError("schema support lands with issue 5")
