"""Timestamps and durations as PM files spell them.

Timestamps: ``2000-03-01T14:00:00+02:00``, ``…+0200``, ``…+02``, ``…Z``/``z``, fractions of a
second (``05:46:30.387``), a space instead of ``T``, and no offset at all (read in the zone the
user gives with ``--tz``). Durations: ISO 8601 (``PT900S``, ``PT15M``, ``PT1H``, ``P1D``,
``PT0.5S`` rounded) or plain seconds (``900``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

_TS = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T t](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(?:(?P<z>[Zz])|(?:UTC|GMT)?(?P<sign>[+-])(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?)?\s*$"
)
_DURATION = re.compile(
    r"^\s*P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?\s*$"
)


def parse_pm_time(text: str, default_zone: tzinfo) -> datetime:
    """An aware datetime; ValueError naming the text when it is not a timestamp."""
    match = _TS.match(text)
    if not match:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}")
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    micro = int((match.group(7) or "0")[:6].ljust(6, "0"))
    if match.group("z"):
        zone: tzinfo = UTC
    elif match.group("sign"):
        hours, minutes = int(match.group("oh")), int(match.group("om") or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"bad time offset in {text!r}")
        offset = timedelta(hours=hours, minutes=minutes)
        zone = timezone(-offset if match.group("sign") == "-" else offset)
    else:
        zone = default_zone
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    except ValueError as exc:
        raise ValueError(f"not a valid timestamp: {text!r} ({exc})") from None


def parse_duration_s(text: str) -> int:
    """Seconds in an ISO 8601 duration (or a plain number of seconds); ValueError otherwise."""
    raw = text.strip()
    if raw.isdigit():
        seconds = float(raw)
    else:
        match = _DURATION.match(raw)
        if not match or raw in ("P", "PT") or raw.endswith("T"):
            raise ValueError(f"not an ISO 8601 duration: {text!r}")
        parts = {k: float(v) for k, v in match.groupdict().items() if v}
        seconds = (
            parts.get("d", 0) * 86400
            + parts.get("h", 0) * 3600
            + parts.get("m", 0) * 60
            + parts.get("s", 0)
        )
    if seconds < 1:
        raise ValueError(f"duration must be at least one second: {text!r}")
    return round(seconds)


def period_start(end: datetime, period_s: int, snap_s: int) -> datetime:
    """Start of a granularity period from its end time.

    A start a little off the period grid (``14:14:30`` end of a 15-minute period) is snapped
    onto it, measured in the timestamp's own offset so that local hours stay whole.
    """
    start = end - timedelta(seconds=period_s)
    if snap_s <= 0 or period_s > 86400 or 86400 % period_s:
        return start
    # wall-clock fields of an aware datetime are in its own offset
    clock = start.hour * 3600 + start.minute * 60 + start.second + start.microsecond / 1e6
    into = clock % period_s
    tolerance = min(snap_s, period_s / 10)
    if into == 0:
        return start
    if into <= tolerance:
        return start - timedelta(seconds=into)
    if period_s - into <= tolerance:
        return start + timedelta(seconds=period_s - into)
    return start
