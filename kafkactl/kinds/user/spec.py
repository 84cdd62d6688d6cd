"""SCRAM users: value types. Pure.

Rules:
- A password is held only in memory, in ``UserSpec.password`` (never in repr, a plan, a file, a log
  or an error): plans show ``SENSITIVE`` in its place.
- Kafka never returns a password; a live user is its credentials' mechanisms and iteration counts.
- Kafka accepts 4096 to 16384 iterations; 4096 is the default (kafka-configs' too).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")
DEFAULT_MECHANISM = "SCRAM-SHA-512"
DEFAULT_ITERATIONS = 4096


@dataclass(frozen=True)
class UserSpec:
    name: str
    mechanism: str = DEFAULT_MECHANISM
    iterations: int = DEFAULT_ITERATIONS
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class LiveUser:
    """``credentials``: (mechanism, iterations) pairs, sorted."""

    name: str
    credentials: tuple[tuple[str, int], ...]

    def iterations(self, mechanism: str) -> int | None:
        return next((i for m, i in self.credentials if m == mechanism), None)
