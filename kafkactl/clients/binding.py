"""What a producer or consumer takes from the topology for one topic.

Rules:
- A topic is a declared topic or a tenant's topic of a template: ``bind(topology,
  "chat.messages.{tenant}", tenant="acme")`` and ``bind(topology, "chat.messages.acme")``
  are the same binding. A topic the topology does not declare is an error (with a hint):
  services use only what kafkactl provisions.
- The key and value subjects are the topology's ``TOPIC-key`` / ``TOPIC-value`` subjects.
- The DLQ is the declared companion ``TOPIC.dlq`` (``dlq:`` in the topology), or None.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kafkactl.errors import KafkactlError
from kafkactl.model import TENANT_PLACEHOLDER, SubjectSpec, TopicSpec, Topology

DLQ_SUFFIX = ".dlq"
# librdkafka's own log lines (broker down, metadata lag) go to this logger: services route or
# silence them with the logging module; the CLI shows only errors.
LIBRDKAFKA_LOG = logging.getLogger("kafkactl.clients.librdkafka")


@dataclass(frozen=True)
class TopicBinding:
    """One topic with its subjects and DLQ companion, as the topology declares them."""

    topic: TopicSpec
    key_subject: SubjectSpec | None = None
    value_subject: SubjectSpec | None = None
    dlq: TopicSpec | None = None

    @property
    def name(self) -> str:
        return self.topic.name


def bind(topology: Topology, name: str, tenant: str | None = None) -> TopicBinding:
    """The binding of a declared topic (``name`` may be a template pattern with ``tenant``)."""
    if TENANT_PLACEHOLDER in name:
        if tenant is None:
            raise KafkactlError(f"{name} is a template: say which tenant", hint="pass tenant='ID'")
        name = name.replace(TENANT_PLACEHOLDER, tenant)
    spec = topology.topics.get(name)
    if spec is None:
        raise KafkactlError(f"topic {name} is not declared in the topology",
                            hint="declare it (or add the tenant) and run kafkactl apply")
    return TopicBinding(
        topic=spec,
        key_subject=topology.subjects.get(f"{name}-key"),
        value_subject=topology.subjects.get(f"{name}-value"),
        dlq=topology.topics.get(f"{name}{DLQ_SUFFIX}"),
    )


def raw(name: str, dlq: str | None = None, partitions: int = 1, replication_factor: int = 1) -> TopicBinding:
    """A binding without schemas for a topic outside any topology (probes, DLQ replays)."""
    companion = TopicSpec(dlq, partitions, replication_factor) if dlq else None
    return TopicBinding(TopicSpec(name, partitions, replication_factor), dlq=companion)
