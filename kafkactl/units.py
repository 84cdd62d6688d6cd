"""Durations, sizes, and Kafka's canonical config strings (CONTRACT section 1, value rules).

Rules:
- Keys ending in ``.ms`` take durations (``500ms``, ``30s``, ``15m``, ``12h``, ``7d``, ``2w`` or
  an integer); keys ending in ``.bytes`` take sizes (``KiB``/``MiB``/``GiB``/``TiB`` are powers
  of 2, ``KB``/``MB``/``GB``/``TB`` powers of 10, ``B`` or an integer).
- ``-1``, ``forever`` and ``unlimited`` are ``-1`` for duration and size keys; other plain
  integers (such as ``-2`` for ``local.retention.ms``) pass through for Kafka to judge.
- A value with a unit must come to a whole, non-negative number that fits a Java long.
- Booleans are ``true``/``false``; lists are joined with commas, each item made canonical.
- ``canonical`` returns the string Kafka stores, so desired and live values compare with ``==``.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

JAVA_LONG_MAX = 2**63 - 1
UNLIMITED_WORDS = ("forever", "unlimited")

DURATION_UNITS: dict[str, int] = {
    "ms": 1,
    "s": 1_000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
}
SIZE_UNITS: dict[str, int] = {
    "b": 1,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
}
# Display forms, largest first; a value is shown in the first unit that divides it exactly.
_DURATION_DISPLAY = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000))
_SIZE_DISPLAY = (
    ("TiB", 2**40), ("TB", 10**12), ("GiB", 2**30), ("GB", 10**9),
    ("MiB", 2**20), ("MB", 10**6), ("KiB", 2**10), ("KB", 10**3),
)
_QUANTITY = re.compile(r"(-?\d+(?:\.\d+)?)\s*([A-Za-z]*)")
_DURATION_HINT = "a duration such as 500ms, 30s, 15m, 12h, 7d, 2w, an integer of ms, or forever"
_SIZE_HINT = "a size such as 512KiB, 10MiB, 1GiB, 5GB, an integer of bytes, or unlimited"


def parse_duration_ms(value: object) -> int:
    """A duration in milliseconds: ``7d`` -> 604800000; ``forever`` -> -1."""
    return _parse_quantity(value, DURATION_UNITS, _DURATION_HINT)


def parse_size_bytes(value: object) -> int:
    """A size in bytes: ``1GiB`` -> 1073741824, ``1MB`` -> 1000000; ``unlimited`` -> -1."""
    return _parse_quantity(value, SIZE_UNITS, _SIZE_HINT)


def _parse_quantity(value: object, units: dict[str, int], expected: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{_show(value)} is not {expected}")
    if isinstance(value, int):
        return _in_long_range(value, value, expected)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{_show(value)} is not {expected}")
        return _in_long_range(int(value), value, expected)
    text = value.strip()
    if text.lower() in UNLIMITED_WORDS:
        return -1
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise ValueError(f"{_show(value)} is not {expected}")
    number, unit = match.groups()
    factor = units.get(unit.lower()) if unit else 1
    if factor is None:
        raise ValueError(f"{_show(value)} is not {expected}: unknown unit {unit!r}")
    return _scaled(number, factor, bool(unit), value, expected)


def _scaled(number: str, factor: int, has_unit: bool, original: object, expected: str) -> int:
    try:
        amount = Decimal(number) * factor
    except InvalidOperation as e:  # pragma: no cover - the regex admits only decimal numbers
        raise ValueError(f"{_show(original)} is not {expected}") from e
    if amount != amount.to_integral_value() or (has_unit and amount < 0) or (not has_unit and "." in number):
        raise ValueError(f"{_show(original)} is not {expected}")
    return _in_long_range(int(amount), original, expected)


def _in_long_range(amount: int, original: object, expected: str) -> int:
    if not -JAVA_LONG_MAX - 1 <= amount <= JAVA_LONG_MAX:
        raise ValueError(f"{_show(original)} is out of range (Kafka stores it as a 64-bit integer)")
    return amount


def canonical(key: str, value: object) -> str:
    """Kafka's canonical string for one config value; ValueError says what is wrong with it."""
    if isinstance(value, list | tuple):
        return ",".join(_canonical_item(key, item) for item in value)
    return _canonical_item(key, value)


def _canonical_item(key: str, value: object) -> str:
    if key.endswith(".ms"):
        return str(parse_duration_ms(value))
    if key.endswith(".bytes"):
        return str(parse_size_bytes(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{_show(value)} is not a finite number")
        return repr(value)
    if isinstance(value, str):
        text = value.strip()
        return text.lower() if text.lower() in ("true", "false") else text
    raise ValueError(f"{_show(value)} is not a string, number, boolean or list of them")


def human(key: str, value: str) -> str | None:
    """A friendlier form of a canonical value for display, or None when there is none nicer.

    ``retention.ms`` ``604800000`` -> ``7d``; ``-1`` -> ``forever``;
    ``segment.bytes`` ``1073741824`` -> ``1GiB``; ``retention.bytes`` ``-1`` -> ``unlimited``.
    """
    if key.endswith(".ms"):
        return _human_quantity(value, _DURATION_DISPLAY, "forever")
    if key.endswith(".bytes"):
        return _human_quantity(value, _SIZE_DISPLAY, "unlimited")
    return None


def _human_quantity(value: str, steps: tuple[tuple[str, int], ...], minus_one: str) -> str | None:
    try:
        amount = int(value)
    except ValueError:
        return None
    if amount == -1:
        return minus_one
    if amount <= 0:
        return None
    for unit, factor in steps:
        if amount % factor == 0:
            return f"{amount // factor}{unit}"
    return None


def _show(value: object) -> str:
    """A value as the user wrote it, kept short for one-line messages."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
