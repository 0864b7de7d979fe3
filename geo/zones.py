"""The time zone of a place (IANA, from timezonefinder's boundary data), for what "this evening"
or "since last night" means where the customer is when a complaint's times came in UTC.

A complaint's own offset (``+03:00``) is the customer's clock and always wins; an offset of zero
says nothing of the place (exports and APIs often normalise to UTC), so the place decides there.
Lookups are cached per ~1 km cell: complaints cluster, and a zone border between two
complaints a kilometre apart is rarer than the hour it would cost to get every one exactly.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from timezonefinder import TimezoneFinder

_CACHE_DEGREES = 0.01


@lru_cache(maxsize=1)
def _finder() -> TimezoneFinder:
    return TimezoneFinder()  # ~0.3 s to open its boundary data: once per process


def open_zones() -> None:
    """Open the boundary data now (a server at start-up), not in the first complaint's answer."""
    _finder()


@lru_cache(maxsize=65_536)
def _zone(lat_key: int, lon_key: int) -> ZoneInfo | None:
    name = _finder().timezone_at(lat=lat_key * _CACHE_DEGREES, lng=lon_key * _CACHE_DEGREES)
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # a zone newer than the system's tzdata
        return None


def zone_at(lat: float, lon: float) -> ZoneInfo | None:
    """The IANA zone of a place (at sea: the nautical Etc/GMT±N zone), None off the map."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    return _zone(round(lat / _CACHE_DEGREES), round(lon / _CACHE_DEGREES))


def clock_at(at: datetime, place: tuple[float, float] | None) -> tzinfo | None:
    """The customer's clock for times around ``at``: the zone of the place when the complaint's
    own offset is that zone's at ``at`` (so an alarm raised before a daylight-saving change reads
    as the clock showed then, not at a time that never existed that night), else ``at``'s own
    offset, or the place's zone for a time in UTC (``local_time``)."""
    zone = zone_at(*place) if place is not None else None
    if zone is not None and at.utcoffset() == at.astimezone(zone).utcoffset():
        return zone
    return local_time(at, place).tzinfo


def local_time(at: datetime, place: tuple[float, float] | None) -> datetime:
    """``at`` on the customer's clock: as given when it carries a non-zero offset, else in the
    zone of the place (unchanged when neither tells)."""
    if at.utcoffset() not in (None, timedelta(0)) or place is None:
        return at
    zone = zone_at(*place)
    return at.astimezone(zone) if zone is not None else at


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """IANA zone → ISO 3166 country code, from the tz database's own zone.tab (the tzdata
    package's, else the system's)."""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        system = Path("/usr/share/zoneinfo/zone.tab")
        text = system.read_text("utf-8") if system.exists() else ""
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and not line.startswith("#"):
            out[parts[2]] = parts[0]
    return out


def country_at(lat: float, lon: float) -> str | None:
    """The country (ISO 3166 alpha-2) of a place, from its zone; None at sea or off the map.
    A zone shared across a border answers for the country that names it (rare, and near it)."""
    zone = zone_at(lat, lon)
    return None if zone is None else _zone_countries().get(zone.key)


def countries_around(lat: float, lon: float, radius_m: float, points: int = 12) -> set[str]:
    """The countries of the place and of ``points`` places ``radius_m`` around it: more than
    one, and the place is on a border as far as the boundary data (simplified, and looked up
    per ~1 km) can tell. Luohu port, on the Shenzhen side, reads as Hong Kong."""
    north = radius_m / 111_320.0
    east = north / max(math.cos(math.radians(lat)), 0.01)
    angles = [2.0 * math.pi * k / points for k in range(points)]
    places = [(lat, lon)] + [(lat + north * math.cos(a), lon + east * math.sin(a)) for a in angles]
    return {c for c in (country_at(*p) for p in places) if c is not None}
