"""The secured listener's bootstrap admin: its password, its client config, its credential on the cluster.

Rules:
- The password is generated once per state dir and lives only in the admin client config
  (mode 0600); it is never printed, logged or put in an error message.
- The client config is a Kafka .properties file that ``kafkactl --client-config`` and the
  kafka-python bridge both load (librdkafka property names; see ``kafkactl.connection``).
- After every ``up`` the credential is upserted through the PLAINTEXT door (User:ANONYMOUS is
  a super user there), so a state dir formatted before this listener existed gets it too,
  and ``up`` returns only once every node's SASL_SSL listener accepts the admin.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from kafkactl.admin import Admin
from kafkactl.connection import Connection, load_client_config, resolve
from kafkactl.errors import KafkactlError, LocalClusterError
from kafkactl.local import tls
from kafkactl.local.health import poll_until_none, port_open
from kafkactl.local.layout import (
    ADMIN_MECHANISM,
    ADMIN_USER,
    HOST,
    NODES,
    Layout,
    bootstrap_servers,
    secure_bootstrap_servers,
)

SCRAM_ITERATIONS = 8192
PROBE_TIMEOUT_S = 5.0


def tls_files(layout: Layout) -> tls.TlsFiles:
    return tls.TlsFiles(layout.tls_dir)


def client_properties(password: str, ca_certificate: Path, bootstrap: str) -> str:
    """The admin's client config text (pure)."""
    return "\n".join([
        f"# kafkactl local cluster: {ADMIN_USER}, a super user, on the SASL_SSL listener. Private (mode 0600).",
        f"bootstrap.servers={bootstrap}",
        "security.protocol=SASL_SSL",
        f"sasl.mechanism={ADMIN_MECHANISM}",
        f"sasl.username={ADMIN_USER}",
        f"sasl.password={password}",
        f"ssl.ca.location={ca_certificate}",
        "",
    ])


def ensure_client_config(layout: Layout) -> Path:
    """Write the admin client config unless it exists; keep an existing password."""
    path = layout.admin_client_config
    password = _existing_password(path) or secrets.token_urlsafe(24)
    text = client_properties(password, tls_files(layout).ca_certificate, secure_bootstrap_servers())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    path.chmod(0o600)
    return path


def _existing_password(path: Path) -> str | None:
    if not path.is_file():
        return None
    return load_client_config(str(path)).get("sasl.password") or None


def admin_connection(layout: Layout, bootstrap: str | None = None, timeout_s: float = PROBE_TIMEOUT_S) -> Connection:
    """The admin over SASL_SSL, as ``--client-config`` would resolve it."""
    return resolve(bootstrap_servers=bootstrap, client_config=str(layout.admin_client_config), timeout_s=timeout_s,
                   env={})


def ensure_admin(layout: Layout, progress: Callable[[str], None], timeout_s: float) -> None:
    """Upsert the admin's credential (PLAINTEXT door), then wait until each node's SASL_SSL listener accepts it."""
    password = _existing_password(ensure_client_config(layout))
    assert password is not None  # ensure_client_config just wrote it
    plain = Admin(Connection(bootstrap_servers=bootstrap_servers(), timeout_s=PROBE_TIMEOUT_S * 2))
    plain.upsert_scram_credential(ADMIN_USER, ADMIN_MECHANISM, SCRAM_ITERATIONS, password)
    # A node just (re)started registers before its listeners accept connections, so a closed
    # SASL_SSL port means "not yet" until the deadline, and only then "started without it".
    waiting = _poll_secure(layout, progress, timeout_s)
    if waiting:
        _refuse_missing_listener()
        raise LocalClusterError(f"the SASL_SSL listener of {', '.join(waiting)} did not accept {ADMIN_USER} "
                                f"within {timeout_s:.0f} s", hint=f"see the node logs under {layout.state}")


def _refuse_missing_listener() -> None:
    closed = [n.name for n in NODES if not port_open(HOST, n.secure_port)]
    if closed:
        raise LocalClusterError(f"{', '.join(closed)} run without the SASL_SSL listener (started by an older kafkactl)",
                                hint="restart the cluster: kafkactl local down && kafkactl local up")


def _poll_secure(layout: Layout, progress: Callable[[str], None], timeout_s: float) -> list[str]:
    """Nodes whose SASL_SSL listener does not yet answer a describe as the admin, after polling."""
    admins = {f"{n.name} SASL_SSL": Admin(admin_connection(layout, n.secure_address)) for n in NODES}
    waiting = poll_until_none(lambda: [name for name, admin in admins.items() if not _answers(admin)],
                              lambda: None, progress, timeout_s)
    return [name.split()[0] for name in waiting]


def _answers(admin: Admin) -> bool:
    try:
        return len(admin.cluster_info().broker_ids) >= len(NODES)
    except KafkactlError:
        return False
