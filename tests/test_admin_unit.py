"""What a plan keeps of a described topic (pure: confluent-kafka's own ConfigEntry values, no cluster)."""

from __future__ import annotations

from confluent_kafka.admin import ConfigEntry, ConfigSource

from kafkactl.admin import TopicConfigs, _topic_configs


def entry(name: str, value: str | None, source: ConfigSource | int, sensitive: bool = False) -> ConfigEntry:
    return ConfigEntry(name, value, source=source, is_sensitive=sensitive)  # type: ignore[arg-type]


def test_only_topic_level_entries_and_sensitive_keys_are_kept() -> None:
    # librdkafka reports sources as ints; the enum is accepted too.
    entries = {
        "retention.ms": entry("retention.ms", "604800000", ConfigSource.DYNAMIC_TOPIC_CONFIG.value),
        "cleanup.policy": entry("cleanup.policy", "compact", ConfigSource.DYNAMIC_TOPIC_CONFIG),
        "segment.ms": entry("segment.ms", "604800000", ConfigSource.DEFAULT_CONFIG.value),
        "min.insync.replicas": entry("min.insync.replicas", "2", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value),
        "sasl.secret": entry("sasl.secret", None, ConfigSource.DYNAMIC_TOPIC_CONFIG.value, sensitive=True),
        "ssl.default.secret": entry("ssl.default.secret", None, ConfigSource.STATIC_BROKER_CONFIG.value, sensitive=True),
    }
    assert _topic_configs(entries) == TopicConfigs(
        dynamic={"retention.ms": "604800000", "cleanup.policy": "compact", "sasl.secret": None},
        sensitive=frozenset({"sasl.secret", "ssl.default.secret"}),
    )


def test_a_topic_with_no_overrides_keeps_nothing() -> None:
    entries = {"retention.ms": entry("retention.ms", "604800000", ConfigSource.DEFAULT_CONFIG.value)}
    assert _topic_configs(entries) == TopicConfigs({}, frozenset())
