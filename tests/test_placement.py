"""kafkactl.placement: replica sets for a replication-factor change (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kafkactl.placement import balance, reassign

RACKS = {1: "a", 2: "b", 3: "c"}


def test_increase_to_every_broker_keeps_the_leader_first() -> None:
    current = ((1,), (2,), (3,), (1,))
    new = reassign(current, 3, RACKS)
    assert [r[0] for r in new] == [1, 2, 3, 1]
    assert all(sorted(r) == [1, 2, 3] for r in new)
    assert reassign(current, 3, RACKS) == new  # deterministic


def test_increase_spreads_the_new_replicas_evenly() -> None:
    current = tuple((b,) for b in (1, 2, 3, 1, 2, 3))
    new = reassign(current, 2, RACKS)
    assert [r[0] for r in new] == [1, 2, 3, 1, 2, 3]
    assert balance(new) == {1: 4, 2: 4, 3: 4}
    assert all(len(set(r)) == 2 for r in new)


def test_increase_is_rack_aware() -> None:
    racks = {1: "a", 2: "a", 3: "b", 4: "b"}
    new = reassign(tuple((b,) for b in (1, 2, 3, 4) * 2), 2, racks)
    assert all({racks[b] for b in r} == {"a", "b"} for r in new)
    assert balance(new) == {1: 4, 2: 4, 3: 4, 4: 4}


def test_decrease_keeps_the_leader_and_a_rack_spread() -> None:
    racks = {1: "a", 2: "a", 3: "b"}
    assert reassign(((1, 2, 3),), 2, racks) == ((1, 3),)  # 2 shares rack a with the leader
    assert reassign(((3, 1, 2),), 1, racks) == ((3,),)


def test_decrease_removes_from_the_most_loaded_broker() -> None:
    new = reassign(((1, 2, 3), (2, 3, 1), (3, 1, 2)), 2, RACKS)
    assert [r[0] for r in new] == [1, 2, 3]
    assert balance(new) == {1: 2, 2: 2, 3: 2}


def test_brokers_without_racks_count_as_racks_of_their_own() -> None:
    new = reassign(((1,), (1,), (2,)), 2, {1: None, 2: None, 3: None})
    assert new == ((1, 3), (1, 2), (2, 3))  # 3 (empty) first, then the least loaded
    assert balance(new) == {1: 2, 2: 2, 3: 2}


def test_an_impossible_factor_is_refused() -> None:
    with pytest.raises(ValueError, match="between 1 and 3"):
        reassign(((1,),), 4, RACKS)


@given(st.lists(st.permutations([1, 2, 3, 4, 5]).map(lambda p: tuple(p[:2])), min_size=1, max_size=30),
       st.integers(min_value=1, max_value=5))
def test_any_change_keeps_leaders_distinct_replicas_and_balance(current: list[tuple[int, ...]], rf: int) -> None:
    racks = {1: "a", 2: "a", 3: "b", 4: "b", 5: "c"}
    new = reassign(current, rf, racks)
    assert all(len(r) == rf == len(set(r)) for r in new)
    assert all(r[0] == c[0] for r, c in zip(new, current, strict=True))
    if rf >= 2:  # common replicas survive a change
        assert all(set(r) >= set(c) or set(r) <= set(c) for r, c in zip(new, current, strict=True))
    if rf > 2:  # only additions: every broker ends within reach of the fair share
        counts = balance(new)
        assert max(counts.values()) - min(counts.get(b, 0) for b in racks) <= len(current)
