"""Durations, sizes and canonical config strings (CONTRACT section 1, value rules)."""

from __future__ import annotations

import pytest

from kafkactl.units import canonical, human, parse_duration_ms, parse_size_bytes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("500ms", 500),
        ("30s", 30_000),
        ("15m", 900_000),
        ("12h", 43_200_000),
        ("7d", 604_800_000),
        ("2w", 1_209_600_000),
        ("1.5h", 5_400_000),
        (" 7d ", 604_800_000),
        ("7 d", 604_800_000),
        ("7D", 604_800_000),
        ("86400000", 86_400_000),
        (86_400_000, 86_400_000),
        (60000.0, 60_000),
        (0, 0),
        (-1, -1),
        ("-1", -1),
        ("forever", -1),
        ("Unlimited", -1),
        ("-2", -2),  # local.retention.ms: "use retention.ms"; Kafka judges plain integers
    ],
)
def test_parse_duration_ms(value: object, expected: int) -> None:
    assert parse_duration_ms(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("512KiB", 512 * 1024),
        ("1MiB", 1024**2),
        ("10GiB", 10 * 1024**3),
        ("2TiB", 2 * 1024**4),
        ("1KB", 1000),
        ("1MB", 1_000_000),
        ("5GB", 5_000_000_000),
        ("1TB", 10**12),
        ("100B", 100),
        ("1.5KiB", 1536),
        ("1gib", 1024**3),
        (1048576, 1048576),
        ("1048576", 1048576),
        ("unlimited", -1),
        ("forever", -1),
        (-1, -1),
    ],
)
def test_parse_size_bytes(value: object, expected: int) -> None:
    assert parse_size_bytes(value) == expected


@pytest.mark.parametrize(
    ("parse", "value", "message"),
    [
        (parse_duration_ms, "7x", "unknown unit 'x'"),
        (parse_duration_ms, "seven days", "is not a duration"),
        (parse_duration_ms, "1.5ms", "is not a duration"),  # not a whole number of ms
        (parse_duration_ms, "-5d", "is not a duration"),  # negative only as a plain integer
        (parse_duration_ms, "1.5", "is not a duration"),
        (parse_duration_ms, True, "is not a duration"),
        (parse_duration_ms, 1.5, "is not a duration"),
        (parse_duration_ms, None, "is not a duration"),
        (parse_duration_ms, [1], "is not a duration"),
        (parse_duration_ms, "", "is not a duration"),
        (parse_duration_ms, 2**63, "out of range"),
        (parse_duration_ms, "9999999999999999d", "out of range"),
        (parse_size_bytes, "1QB", "unknown unit 'QB'"),
        (parse_size_bytes, "1.3B", "is not a size"),
        (parse_size_bytes, "10 gigs", "is not a size"),
        (parse_size_bytes, False, "is not a size"),
    ],
)
def test_parse_refuses(parse: object, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(value)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("retention.ms", "7d", "604800000"),
        ("retention.ms", 604800000, "604800000"),
        ("retention.ms", "forever", "-1"),
        ("retention.bytes", "unlimited", "-1"),
        ("retention.bytes", "10GiB", "10737418240"),
        ("max.message.bytes", "1MB", "1000000"),
        ("segment.bytes", "1GiB", "1073741824"),
        ("local.retention.ms", -2, "-2"),
        ("cleanup.policy", ["compact", "delete"], "compact,delete"),
        ("cleanup.policy", ("delete",), "delete"),
        ("cleanup.policy", "compact", "compact"),
        ("cleanup.policy", [], ""),
        ("unclean.leader.election.enable", False, "false"),
        ("preallocate", True, "true"),
        ("preallocate", "TRUE", "true"),
        ("min.insync.replicas", 2, "2"),
        ("min.insync.replicas", "2", "2"),
        ("min.cleanable.dirty.ratio", 0.5, "0.5"),
        ("compression.type", " zstd ", "zstd"),
        ("message.timestamp.type", "CreateTime", "CreateTime"),
        ("log.cleaner.threads", 2, "2"),
        ("follower.replication.throttled.replicas", ["0:1", "1:2"], "0:1,1:2"),
    ],
)
def test_canonical(key: str, value: object, expected: str) -> None:
    assert canonical(key, value) == expected


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("retention.ms", "7x", "'7x' is not a duration"),
        ("retention.ms", True, "True is not a duration"),
        ("segment.bytes", "big", "'big' is not a size"),
        ("cleanup.policy", {"a": 1}, "is not a string, number, boolean or list"),
        ("cleanup.policy", None, "is not a string, number, boolean or list"),
        ("cleanup.policy", [["nested"]], "is not a string, number, boolean or list"),
        ("min.cleanable.dirty.ratio", float("nan"), "not a finite number"),
        ("retention.ms", ["7d", "oops"], "'oops' is not a duration"),
    ],
)
def test_canonical_refuses(key: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        canonical(key, value)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("retention.ms", "604800000", "7d"),
        ("retention.ms", "2592000000", "30d"),
        ("retention.ms", "3600000", "1h"),
        ("retention.ms", "90000", "90s"),
        ("segment.ms", "900000", "15m"),
        ("retention.ms", "-1", "forever"),
        ("retention.ms", "1500", None),
        ("retention.ms", "0", None),
        ("retention.ms", "-2", None),
        ("retention.bytes", "-1", "unlimited"),
        ("segment.bytes", "1073741824", "1GiB"),
        ("max.message.bytes", "1048588", None),
        ("max.message.bytes", "1000000", "1MB"),
        ("retention.bytes", "10737418240", "10GiB"),
        ("index.interval.bytes", "4096", "4KiB"),
        ("segment.bytes", "100", None),
        ("min.insync.replicas", "2", None),
        ("cleanup.policy", "delete", None),
        ("retention.ms", "not-a-number", None),
    ],
)
def test_human(key: str, value: str, expected: str | None) -> None:
    assert human(key, value) == expected


@pytest.mark.parametrize(
    ("key", "raw"),
    [("retention.ms", "604800000"), ("retention.ms", "-1"), ("segment.bytes", "1073741824"),
     ("retention.bytes", "-1"), ("max.message.bytes", "1000000"), ("segment.ms", "90000")],
)
def test_human_reads_back_to_the_same_canonical_value(key: str, raw: str) -> None:
    nice = human(key, raw)
    assert nice is not None
    assert canonical(key, nice) == raw


def test_confirming_reads_sample_every_50th_topic_and_the_last() -> None:
    from kafkactl.admin import confirmation_sample as _sample

    names = [f"t{i:03d}" for i in range(120)]
    assert _sample(names) == ["t000", "t050", "t100", "t119"]
    assert _sample(names[:1]) == ["t000"] and _sample([]) == []


def test_creates_are_chunked_by_topics_partitions_and_metadata_records() -> None:
    from confluent_kafka.admin import NewTopic

    from kafkactl.admin import _create_chunks

    def sizes(count: int, partitions: int, configs: int = 0) -> list[int]:
        cfg = {f"k{i}": "v" for i in range(configs)}
        return [len(c) for c in _create_chunks([NewTopic(f"t{i}", partitions, 1, config=cfg) for i in range(count)])]

    assert sizes(2500, 1) == [1000, 1000, 500]  # at most 1,000 topics per request
    assert sizes(200, 100) == [89, 89, 22]  # 101 records each: the 9,000-record cap binds before partitions
    assert sizes(1000, 1, configs=20) == [409, 409, 182]  # at most 9,000 records: 1 + partitions + configs each
