"""Kafka calls of the access kinds (part of the admin layer): ACLs, SCRAM users, quotas, password handshakes.

Implements ``kafkactl.kinds.ports.AccessPort`` over the confluent-kafka AdminClient of an ``Admin``
(ACLs, SCRAM) and the kafka-python bridge (client quotas, which confluent-kafka lacks).

Rules:
- One request per read: DescribeAcls with a match-all filter, DescribeUserScramCredentials for
  all users, DescribeClientQuotas for all entities. Writes are one batched request per kind.
- Results are per resource (an error text or None), never a first-failure exception; a failed
  read is a ``ClusterError`` with one line.
- A password is sent only to Kafka: never in a message, a log line or an exception.
- After a write, wait (short growing backoff, bounded) until a describe shows it: brokers apply
  ACL, SCRAM and quota records from the metadata log a moment after the controller commits them,
  and a plan made at once must not see the old state. Never a fixed sleep.
- A password is checked by a SASL handshake with kafkactl's own connection settings and only
  the credentials (and the mechanism) swapped; a few handshakes run at once.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)

from kafkactl.admin import CONFIRMATIONS, Admin, _reason
from kafkactl.errors import ClusterError
from kafkactl.kinds.acl.spec import Binding
from kafkactl.kinds.ports import AclEntry, QuotaDelta
from kafkactl.kinds.user.spec import LiveUser, UserSpec

HANDSHAKES_IN_FLIGHT = 8
_AUTH_FAILED = (KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED)


def _enum_name(value: Any) -> str:
    return str(getattr(value, "name", value))


# librdkafka names Kafka's CLUSTER resource type BROKER (both are 4 on the wire).
_TO_KAFKA = {"BROKER": "CLUSTER"}
_TO_LIBRDKAFKA = {"CLUSTER": "BROKER"}


def _restype(name: str) -> ResourceType:
    return ResourceType[_TO_LIBRDKAFKA.get(name, name)]


def _binding(b: AclBinding) -> Binding:
    rtype = _enum_name(b.restype)
    return Binding(_TO_KAFKA.get(rtype, rtype), b.name, _enum_name(b.resource_pattern_type), _enum_name(b.operation),
                   _enum_name(b.permission_type), b.host)


def _acl(principal: str, b: Binding) -> AclBinding:
    return AclBinding(_restype(b.resource_type), b.name, ResourcePatternType[b.pattern], principal, b.host,
                      AclOperation[b.operation], AclPermissionType[b.permission])


def _acl_filter(principal: str, b: Binding) -> AclBindingFilter:
    return AclBindingFilter(_restype(b.resource_type), b.name, ResourcePatternType[b.pattern], principal, b.host,
                            AclOperation[b.operation], AclPermissionType[b.permission])


class AccessAdmin:
    """The access calls over one ``Admin`` (its client and connection settings)."""

    def __init__(self, admin: Admin) -> None:
        self.admin = admin
        self.conn = admin.conn
        self.timeout = admin.timeout
        self._client: AdminClient = admin._client  # one connection pool per command

    def _result(self, what: str, fut: concurrent.futures.Future[Any]) -> Any:
        try:
            return fut.result(timeout=self.timeout * 3 + 5)
        except KafkaException as e:
            hint = None
            err = e.args[0] if e.args else None
            if isinstance(err, KafkaError) and err.code() == KafkaError.SECURITY_DISABLED:
                hint = "the brokers run no authorizer (authorizer.class.name); ACLs need one"
            raise ClusterError(f"cannot {what}: {_reason(e)}", hint=hint) from None
        except concurrent.futures.TimeoutError as e:
            raise ClusterError(f"cannot {what}: {_reason(e)}") from None

    # ---- ACLs -------------------------------------------------------------------------------

    def describe_acls(self) -> dict[str, list[Binding]]:
        none: Any = None  # a filter's None matches any name, principal and host (the stubs say str)
        match_all = AclBindingFilter(ResourceType.ANY, none, ResourcePatternType.ANY, none, none,
                                     AclOperation.ANY, AclPermissionType.ANY)
        found = self._result("describe ACLs", self._client.describe_acls(match_all, request_timeout=self.timeout * 3))
        out: dict[str, list[Binding]] = {}
        for b in found:
            out.setdefault(b.principal, []).append(_binding(b))
        return out

    def create_acls(self, entries: Sequence[AclEntry]) -> list[str | None]:
        acls = [_acl(p, b) for p, b in entries]
        errors = self._per_item(acls, lambda: self._client.create_acls(acls, request_timeout=self.timeout * 3))
        done = [e for e, err in zip(entries, errors, strict=True) if err is None]
        self._await(lambda: all(b in self.describe_acls().get(p, ()) for p, b in done) if done else True)
        return errors

    def delete_acls(self, entries: Sequence[AclEntry]) -> list[str | None]:
        filters = [_acl_filter(p, b) for p, b in entries]
        errors = self._per_item(filters, lambda: self._client.delete_acls(filters, request_timeout=self.timeout * 3))
        done = [e for e, err in zip(entries, errors, strict=True) if err is None]
        self._await(lambda: not any(b in self.describe_acls().get(p, ()) for p, b in done) if done else True)
        return errors

    def _await(self, shown: Callable[[], bool]) -> None:
        """Until ``CONFIRMATIONS`` reads in a row show the write (each read may ask another broker), or a deadline."""
        deadline, delay, streak = time.monotonic() + self.timeout * 3, 0.02, 0
        while streak < CONFIRMATIONS and time.monotonic() < deadline:
            streak = streak + 1 if shown() else 0
            if streak == 0:
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def _per_item(self, items: Sequence[Any], call: Any) -> list[str | None]:
        try:
            futures = call()
        except KafkaException as e:
            return [_reason(e)] * len(items)
        out: list[str | None] = []
        for item in items:
            try:
                futures[item].result(timeout=self.timeout * 3 + 5)
                out.append(None)
            except (KafkaException, concurrent.futures.TimeoutError) as e:
                out.append(_reason(e))
        return out

    # ---- SCRAM users ------------------------------------------------------------------------

    def describe_users(self) -> dict[str, LiveUser]:
        fut: Any = self._client.describe_user_scram_credentials(request_timeout=self.timeout * 3)  # one future: all users
        found = self._result("describe SCRAM users", fut)
        return {
            user: LiveUser(user, tuple(sorted((_enum_name(i.mechanism).replace("_", "-"), int(i.iterations))
                                              for i in desc.scram_credential_infos)))
            for user, desc in found.items()
        }

    def alter_users(self, upserts: Sequence[UserSpec], deletes: Sequence[tuple[str, str]]) -> dict[str, str | None]:
        alterations: list[Any] = [
            UserScramCredentialUpsertion(u.name, ScramCredentialInfo(_mechanism(u.mechanism), u.iterations),
                                         u.password.encode())
            for u in upserts
        ]
        alterations += [UserScramCredentialDeletion(user, _mechanism(m)) for user, m in deletes]
        users = sorted({u.name for u in upserts} | {user for user, _ in deletes})
        try:
            futures = self._client.alter_user_scram_credentials(alterations, request_timeout=self.timeout * 3)
        except KafkaException as e:
            return dict.fromkeys(users, _reason(e))
        out: dict[str, str | None] = {}
        for user in users:
            try:
                futures[user].result(timeout=self.timeout * 3 + 5)
                out[user] = None
            except (KafkaException, concurrent.futures.TimeoutError) as e:
                out[user] = _reason(e)
        want = {(u.name, u.mechanism, u.iterations) for u in upserts if out[u.name] is None}
        gone = {(user, m) for user, m in deletes if out[user] is None}
        self._await(lambda: _users_show(self.describe_users(), want, gone) if want or gone else True)
        return out

    def password_check_unavailable(self) -> str | None:
        protocol = str(self.conn.client_config.get("security.protocol", "PLAINTEXT")).upper()
        if not protocol.startswith("SASL"):
            return (f"kafkactl is connected with {protocol}, not SASL, so a changed password cannot be detected "
                    "(connect with --client-config over SASL to check them)")
        return None

    def passwords_match(self, users: Sequence[UserSpec]) -> dict[str, bool]:
        with ThreadPoolExecutor(max_workers=HANDSHAKES_IN_FLIGHT) as pool:
            return dict(zip((u.name for u in users), pool.map(self._authenticates, users), strict=True))

    def _authenticates(self, user: UserSpec) -> bool:
        """One short-lived client logs in as ``user``; False only when the broker refused the credentials."""
        failed = threading.Event()

        def on_error(err: KafkaError) -> None:
            if err.code() in _AUTH_FAILED:
                failed.set()

        conf: dict[str, Any] = dict(self.conn.kafka_config())
        conf.pop("sasl.mechanisms", None)
        conf.update({"sasl.mechanism": user.mechanism, "sasl.username": user.name, "sasl.password": user.password,
                     "error_cb": on_error, "log_level": 0,
                     "socket.connection.setup.timeout.ms": int(self.timeout * 1000)})
        client = AdminClient(conf)
        deadline = time.monotonic() + self.timeout * 2
        while True:
            try:
                client.list_topics(timeout=1.0)  # a metadata answer: the broker accepted the login
                return True
            except KafkaException as e:
                client.poll(0)  # serves error_cb, which is where librdkafka reports a refused login
                if failed.is_set():
                    return False
                if time.monotonic() > deadline:
                    raise ClusterError(f"cannot check the password of user {user.name}: {_reason(e)}") from None

    # ---- client quotas (kafka-python: confluent-kafka has no client-quota API) --------------

    def describe_quotas(self) -> dict[str, dict[str, float]]:
        from kafkactl import kafka_python_bridge  # lazily: only topologies with quotas need it

        try:
            return kafka_python_bridge.describe_client_quotas(self.conn)
        except kafka_python_bridge.BridgeError as e:
            raise ClusterError(f"cannot describe client quotas: {e}") from None

    def alter_quotas(self, deltas: Sequence[QuotaDelta]) -> dict[str, str | None]:
        from kafkactl import kafka_python_bridge

        try:
            errors = kafka_python_bridge.alter_client_quotas(self.conn, deltas)
        except kafka_python_bridge.BridgeError as e:
            return {entity: str(e) for entity, _ in deltas}
        done = [(e, values) for e, values in deltas if errors.get(e) is None]

        def shown() -> bool:
            live = self.describe_quotas()
            return all(live.get(e, {}).get(k) == v for e, values in done for k, v in values.items())

        self._await(shown)
        return errors


def _users_show(live: dict[str, LiveUser], want: set[tuple[str, str, int]], gone: set[tuple[str, str]]) -> bool:
    shown = all(n in live and live[n].iterations(m) == i for n, m, i in want)
    return shown and not any(n in live and live[n].iterations(m) is not None for n, m in gone)


def _mechanism(name: str) -> ScramMechanism:
    return ScramMechanism[name.replace("-", "_")]
