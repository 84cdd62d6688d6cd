"""What the access kinds need from Kafka (a port), and what a kind's diff returns.

Rule: kind modules never import a Kafka client; ``kafkactl.admin_access.AccessAdmin`` implements
``AccessPort``, and the reader and executor hand it in. Each call is one batched request (or, for
passwords, one short-lived handshake per user, a few at a time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

from kafkactl.kinds.acl.spec import Binding
from kafkactl.kinds.user.spec import LiveUser, UserSpec
from kafkactl.plan import Change

AclEntry = tuple[str, Binding]  # (principal, binding)
QuotaDelta = tuple[str, Mapping[str, float | None]]  # (entity, key -> value, or None to remove)


class AccessPort(Protocol):
    def describe_acls(self) -> dict[str, list[Binding]]:
        """Every ACL of the cluster, by principal (one DescribeAcls)."""

    def create_acls(self, entries: Sequence[AclEntry]) -> list[str | None]:
        """One CreateAcls; an error (or None) per entry, in order."""

    def delete_acls(self, entries: Sequence[AclEntry]) -> list[str | None]:
        """One DeleteAcls with an exact filter per entry; an error (or None) per entry."""

    def describe_users(self) -> dict[str, LiveUser]:
        """Every SCRAM user (one DescribeUserScramCredentials)."""

    def password_check_unavailable(self) -> str | None:
        """Why passwords cannot be checked by a handshake here, or None when they can."""

    def passwords_match(self, users: Sequence[UserSpec]) -> dict[str, bool]:
        """A SASL handshake per user with kafkactl's own settings and only the credentials swapped."""

    def alter_users(self, upserts: Sequence[UserSpec], deletes: Sequence[tuple[str, str]]) -> dict[str, str | None]:
        """One AlterUserScramCredentials: upserts, and (user, mechanism) deletions; an error (or None) per user."""

    def describe_quotas(self) -> dict[str, dict[str, float]]:
        """Every client quota, by entity name (one DescribeClientQuotas)."""

    def alter_quotas(self, deltas: Sequence[QuotaDelta]) -> dict[str, str | None]:
        """One AlterClientQuotas; an error (or None) per entity."""


@dataclass(frozen=True)
class Diffed:
    """A kind's part of a plan; ``secrets`` (user -> password) go to the executor, never into a file."""

    changes: tuple[Change, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    secrets: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), repr=False)
