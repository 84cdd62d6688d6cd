"""Client quotas: value types and entity names. Pure.

Rules:
- An entity is ``user=NAME``, ``client-id=ID``, or ``user=<default>`` / ``client-id=<default>`` (Kafka's
  default entity, a null name on the wire). Plans name a quota after its entity.
- Byte rates take sizes (``10MiB``); every value is a number, compared as Kafka stores it (a double).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT = "<default>"
SECTIONS: Mapping[str, str] = {"users": "user", "clients": "client-id"}  # topology section -> Kafka entity type
BYTE_RATES = ("producer_byte_rate", "consumer_byte_rate")
KEYS = (*BYTE_RATES, "request_percentage", "controller_mutation_rate")


@dataclass(frozen=True)
class QuotaSpec:
    entity_type: str  # "user" or "client-id"
    name: str | None  # None: the default entity
    values: Mapping[str, float]
    tenant: str | None = None

    @property
    def entity(self) -> str:
        return entity_name(self.entity_type, self.name)


def entity_name(entity_type: str, name: str | None) -> str:
    return f"{entity_type}={DEFAULT if name is None else name}"


def parse_entity(entity: str) -> tuple[str, str | None]:
    """``user=<default>`` -> (``user``, None)."""
    kind, _, name = entity.partition("=")
    return kind, None if name == DEFAULT else name


def number(value: float) -> float | int:
    """A quota value as plans show it: an integer when it is whole (10485760, not 10485760.0)."""
    return int(value) if float(value).is_integer() else value
