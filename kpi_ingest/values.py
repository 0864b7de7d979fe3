"""Parsers for single CSV values. Each raises ValueError with a message fit for a user."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from netcomplaint.errors import InputError

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def parse_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        try:
            as_float = float(text)
        except ValueError:
            raise ValueError(f"not a whole number: {text!r}") from None
        if not as_float.is_integer():
            raise ValueError(f"not a whole number: {text!r}") from None
        return int(as_float)


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"not true/false: {text!r}")


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ValueError(f"not an ISO date (YYYY-MM-DD): {text!r}") from None


def zone(name: str) -> tzinfo:
    """A zone by IANA name; InputError naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone {name!r} (use an IANA name like Asia/Shanghai)"
        ) from None


def observes_dst(zone: tzinfo) -> bool:
    """Whether ``zone`` moves its clocks (so a wall-clock hour repeats each autumn)."""
    years = range(datetime.now().year - 1, datetime.now().year + 2)
    return any(
        datetime(y, 1, 15, tzinfo=zone).utcoffset() != datetime(y, 7, 15, tzinfo=zone).utcoffset()
        for y in years
    )


def repeated_wall_time(value: datetime) -> bool:
    """A wall-clock time of its zone that happens twice (the hour the clocks go back)."""
    if value.tzinfo is None:
        return False
    return value.replace(fold=0).utcoffset() != value.replace(fold=1).utcoffset() and all(
        value.replace(fold=f).astimezone(UTC).astimezone(value.tzinfo).replace(tzinfo=None)
        == value.replace(tzinfo=None, fold=0)
        for f in (0, 1)
    )


def timestamp_parser(default_zone: tzinfo) -> Callable[[str], datetime]:
    """ISO 8601 timestamps; those without an offset are read in ``default_zone``."""

    def parse(text: str) -> datetime:
        raw = text.strip()
        if raw.endswith(("Z", "z")):
            raw = raw[:-1] + "+00:00"
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"not an ISO 8601 timestamp: {text!r}") from None
        return value if value.tzinfo else value.replace(tzinfo=default_zone)

    return parse


def latitude(text: str) -> float:
    value = parse_float(text)
    if not -90 <= value <= 90:
        raise ValueError(f"latitude out of range [-90, 90]: {text!r}")
    return value


def longitude(text: str) -> float:
    value = parse_float(text)
    if not -180 <= value <= 180:
        raise ValueError(f"longitude out of range [-180, 180]: {text!r}")
    return value


def one_of(
    values: Iterable[str], *, lower: bool = True, aliases: Mapping[str, str] | None = None
) -> Callable[[str], str]:
    """A parser accepting ``values`` (and the other names ``aliases`` maps onto them)."""
    allowed = tuple(values)
    other_names = aliases or {}

    def parse(text: str) -> str:
        value = text.strip().lower() if lower else text.strip()
        value = other_names.get(value, value)
        if value not in allowed:
            raise ValueError(f"{text!r} is not one of {'|'.join(allowed)}")
        return value

    return parse


def text(value: str) -> str:
    return value.strip()
