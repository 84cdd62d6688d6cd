"""The one root of every error kafkactl reports to a user.

Rule: library code raises a subclass of ``KafkactlError`` and never prints;
only ``kafkactl.cli.main.error_handler`` prints and chooses the exit code.
Every error has a one-line ``summary`` (with ``file:line`` where it applies)
and an optional one-line ``hint``. ``details`` carries further lines, such as
every validation problem found at once.
"""

from __future__ import annotations


class KafkactlError(Exception):
    """Root of all expected failures. Exit code 1 unless a subclass says otherwise."""

    exit_code: int = 1

    def __init__(self, summary: str, hint: str | None = None, details: tuple[str, ...] = ()) -> None:
        super().__init__(summary)
        self.summary = summary
        self.hint = hint
        self.details = details


class UsageError(KafkactlError):
    """A bad flag or argument: exit 64, never 2 (2 means 'changes present')."""

    exit_code = 64


class TopologyError(KafkactlError):
    """The topology files are malformed, or break a semantic rule."""


class UnsupportedChange(KafkactlError):
    """A change kafkactl cannot make (partition decrease, replication change...)."""


class ClusterError(KafkactlError):
    """Kafka is unreachable, refused a request, or rejected credentials."""


class RegistryError(KafkactlError):
    """The schema registry is unreachable or answered with an error."""


class StalePlanError(KafkactlError):
    """A saved plan no longer matches the live state it was made from."""


class ApplyError(KafkactlError):
    """Some changes failed while applying; the message names each of them."""


class LocalClusterError(KafkactlError):
    """The local cluster could not be fetched, started or stopped."""


class Interrupted(KafkactlError):
    """The user pressed Ctrl-C: exit 130."""

    exit_code = 130


class LockError(KafkactlError):
    """Another apply holds the cluster's apply lock (CONTRACT section 9)."""
