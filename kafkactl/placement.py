"""Where the replicas of a topic go when its replication factor changes. Pure, deterministic.

Rules:
- A partition keeps its current replicas, in order, as far as the new factor allows: an increase
  only adds replicas, a decrease only removes them, and the first replica (the preferred
  leader) is never removed, so leadership does not move.
- An added replica goes to a broker on a rack the partition does not use yet, where there is
  one; among those, to the broker holding the fewest replicas of this topic so far (counting
  the new assignment as it grows), ties broken by a rotation over partition numbers, so
  leaders' followers spread instead of piling on the lowest id.
- A removed replica is one whose rack the partition uses twice, where there is one; among
  those, the one on the broker holding the most replicas of this topic, ties broken by the
  highest broker id.
- Brokers without ``broker.rack`` count as one rack each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

Assignment = tuple[tuple[int, ...], ...]


def reassign(current: Sequence[Sequence[int]], rf: int, racks: Mapping[int, str | None]) -> Assignment:
    """The new replica list of every partition for replication factor ``rf`` over the brokers in ``racks``."""
    if rf < 1 or rf > len(racks):
        raise ValueError(f"replication factor {rf} needs between 1 and {len(racks)} brokers")
    load = Counter(b for replicas in current for b in replicas)
    out: list[tuple[int, ...]] = []
    for partition, replicas in enumerate(current):
        chosen = list(replicas)
        while len(chosen) > rf:
            victim = _to_remove(chosen, load, racks)
            chosen.remove(victim)
            load[victim] -= 1
        while len(chosen) < rf:
            added = _to_add(chosen, load, racks, partition)
            chosen.append(added)
            load[added] += 1
        out.append(tuple(chosen))
    return tuple(out)


def _rack(broker: int, racks: Mapping[int, str | None]) -> str:
    rack = racks.get(broker)
    return rack if rack is not None else f"\0broker-{broker}"  # no rack: a rack of its own


def _to_add(chosen: list[int], load: Counter[int], racks: Mapping[int, str | None], partition: int) -> int:
    brokers = sorted(racks)
    used = {_rack(b, racks) for b in chosen}
    candidates = [b for b in brokers if b not in chosen]
    fresh = [b for b in candidates if _rack(b, racks) not in used] or candidates
    rotation = {b: (i - partition) % len(brokers) for i, b in enumerate(brokers)}
    return min(fresh, key=lambda b: (load[b], rotation[b]))


def _to_remove(chosen: list[int], load: Counter[int], racks: Mapping[int, str | None]) -> int:
    removable = chosen[1:]  # never the preferred leader
    rack_count = Counter(_rack(b, racks) for b in chosen)
    doubled = [b for b in removable if rack_count[_rack(b, racks)] > 1] or removable
    return max(doubled, key=lambda b: (load[b], b))


def balance(assignment: Assignment) -> dict[int, int]:
    """Replicas per broker (for reports and tests)."""
    return dict(sorted(Counter(b for replicas in assignment for b in replicas).items()))
