"""Config keys Kafka 4.x knows, for offline "unknown key" warnings with a suggestion.

Rules:
- Offline validation only warns (vendors add keys); ``plan`` refuses unknown keys
  against the keys the live broker reports (ARCHITECTURE section 4).
- TOPIC_CONFIGS: LogConfig's topic keys (Kafka 4.x).
- DYNAMIC_CLUSTER_CONFIGS: broker keys that can be set cluster-wide at runtime
  (resource BROKER ""). Per-broker-only and read-only keys are not listed, since
  ``cluster.configs`` can only hold cluster-wide dynamic ones.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection

TOPIC_CONFIGS: frozenset[str] = frozenset({
    "cleanup.policy",
    "compression.gzip.level",
    "compression.lz4.level",
    "compression.type",
    "compression.zstd.level",
    "delete.retention.ms",
    "file.delete.delay.ms",
    "flush.messages",
    "flush.ms",
    "follower.replication.throttled.replicas",
    "index.interval.bytes",
    "leader.replication.throttled.replicas",
    "local.retention.bytes",
    "local.retention.ms",
    "max.compaction.lag.ms",
    "max.message.bytes",
    "message.downconversion.enable",  # accepted as a no-op since 4.0
    "message.timestamp.after.max.ms",
    "message.timestamp.before.max.ms",
    "message.timestamp.type",
    "min.cleanable.dirty.ratio",
    "min.compaction.lag.ms",
    "min.insync.replicas",
    "preallocate",
    "remote.log.copy.disable",
    "remote.log.delete.on.disable",
    "remote.storage.enable",
    "retention.bytes",
    "retention.ms",
    "segment.bytes",
    "segment.index.bytes",
    "segment.jitter.ms",
    "segment.ms",
    "unclean.leader.election.enable",
})

DYNAMIC_CLUSTER_CONFIGS: frozenset[str] = frozenset({
    # log defaults (the broker-side synonyms of topic configs)
    "compression.gzip.level",
    "compression.lz4.level",
    "compression.type",
    "compression.zstd.level",
    "log.cleaner.delete.retention.ms",
    "log.cleaner.max.compaction.lag.ms",
    "log.cleaner.min.cleanable.ratio",
    "log.cleaner.min.compaction.lag.ms",
    "log.cleanup.policy",
    "log.flush.interval.messages",
    "log.flush.interval.ms",
    "log.index.interval.bytes",
    "log.index.size.max.bytes",
    "log.local.retention.bytes",
    "log.local.retention.ms",
    "log.message.timestamp.after.max.ms",
    "log.message.timestamp.before.max.ms",
    "log.message.timestamp.type",
    "log.preallocate",
    "log.retention.bytes",
    "log.retention.ms",
    "log.roll.jitter.ms",
    "log.roll.ms",
    "log.segment.bytes",
    "log.segment.delete.delay.ms",
    "max.message.bytes",
    "message.max.bytes",
    "min.insync.replicas",
    "unclean.leader.election.enable",
    # log cleaner
    "log.cleaner.backoff.ms",
    "log.cleaner.dedupe.buffer.size",
    "log.cleaner.io.buffer.load.factor",
    "log.cleaner.io.buffer.size",
    "log.cleaner.io.max.bytes.per.second",
    "log.cleaner.threads",
    # thread pools
    "background.threads",
    "num.io.threads",
    "num.network.threads",
    "num.recovery.threads.per.data.dir",
    "num.replica.fetchers",
    # connections and quotas
    "follower.replication.throttled.rate",
    "leader.replication.throttled.rate",
    "max.connection.creation.rate",
    "max.connections",
    "max.connections.per.ip",
    "max.connections.per.ip.overrides",
    "replica.alter.log.dirs.io.max.bytes.per.second",
    # producer state, metrics, remote storage
    "metric.reporters",
    "producer.id.expiration.ms",
    "remote.fetch.max.wait.ms",
    "remote.list.offsets.request.timeout.ms",
    "remote.log.index.file.cache.total.size.bytes",
    "remote.log.manager.copier.thread.pool.size",
    "remote.log.manager.copy.max.bytes.per.second",
    "remote.log.manager.expiration.thread.pool.size",
    "remote.log.manager.fetch.max.bytes.per.second",
    "remote.log.reader.threads",
    "transaction.partition.verification.enable",
})


def unknown_key_message(key: str, known: Collection[str], what: str) -> str | None:
    """None when ``key`` is known, else a warning with the closest known key."""
    if key in known:
        return None
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
    suggestion = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{key!r} is not a {what} Kafka 4.x knows{suggestion}"
