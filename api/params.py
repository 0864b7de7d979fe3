"""Reusable query-parameter groups, pagination and SQL filters for the routes (titiler style).

Each group is a dataclass used as a FastAPI dependency; bad values raise ``InputError`` with the
parameter as ``field``, so the client gets our 422 shape. Typical list route::

    from api.params import BBoxQuery, Page, PageQuery, TimeRangeQuery, Where

    @router.get("/things", response_model=Page[Thing])
    def list_things(conn: Conn, _: EngineerRole, when: TimeRangeQuery, area: BBoxQuery,
                    page: PageQuery) -> Page[Thing]:
        where = Where()
        where.time_range(when, "reported_at")          # reported_at >= from AND < to
        where.bbox(area.bbox)                          # lat/lon inside the box (antimeridian ok)
        where.after(("reported_at", "thing_id"), page.after(2), descending=True)
        rows = conn.cursor(row_factory=dict_row).execute(
            sql.SQL("SELECT … FROM things {} ORDER BY reported_at DESC, thing_id DESC LIMIT %s")
            .format(where.sql()), [*where.params, page.fetch]).fetchall()
        return page.build([Thing(**r) for r in rows], key=lambda t: (t.reported_at, t.thing_id))

``cursor`` is an opaque token of the last row's sort key: order by a unique key, fetch
``page.fetch`` (= limit + 1) rows and ``page.build`` cuts the extra row and makes
``next_cursor`` (null on the last page).
"""

# No ``from __future__ import annotations``: FastAPI reads these dataclasses' signatures.
import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, Query
from psycopg import sql
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from netcomplaint.errors import InputError

T = TypeVar("T")
CursorValue = str | int | float | bool | datetime | None
Cause = Literal[
    "terminal_sim",
    "weak_coverage",
    "interference",
    "congestion",
    "outage",
    "roaming_registration",
    "no_fault_found",
]
MIN_YEAR, MAX_YEAR = 1900, 2999
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_NUMBER = r"\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*"
BBOX_PATTERN = rf"^{_NUMBER}(,{_NUMBER}){{3}}$"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def as_utc(value: datetime) -> datetime:
    """Timestamps without an offset are UTC (the contract's default zone)."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 is before the calendar starts
        raise ValueError("date-time out of range") from None


def _iso_only(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.match(value.strip()):
        raise ValueError("expected an ISO 8601 date or date-time, e.g. 2024-05-01T08:00:00Z")
    return value


def _sane_year(value: datetime) -> datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


# A datetime query parameter: ISO 8601 only (pydantic would read "1714550400" as Unix time),
# naive = UTC, years 1900–2999 (so "previous period" arithmetic downstream can't overflow).
IsoDateTime = Annotated[
    datetime, BeforeValidator(_iso_only), AfterValidator(as_utc), AfterValidator(_sane_year)
]


@dataclass
class TimeRange:
    """``from`` (inclusive) and ``to`` (exclusive), ISO 8601; each optional; ``to`` ≥ ``from``."""

    start: Annotated[
        IsoDateTime | None,
        Query(alias="from", description="inclusive start (ISO 8601; UTC if naive)"),
    ] = None
    end: Annotated[
        IsoDateTime | None,
        Query(alias="to", description="exclusive end (ISO 8601; UTC if naive)"),
    ] = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise InputError("to: must not be before from", field="to")

    def resolve(
        self, default_span: timedelta = timedelta(days=7), now: datetime | None = None
    ) -> tuple[datetime, datetime]:
        """Both ends, filling a missing one: ``to`` = now, ``from`` = ``to`` - default_span."""
        end = self.end or (_shift(self.start, default_span) if self.start else None)
        end = end or now or datetime.now(UTC)
        return self.start or _shift(end, -default_span), end


def _shift(value: datetime, delta: timedelta) -> datetime:
    """``value + delta``, stopping at the ends of the calendar instead of overflowing."""
    try:
        return value + delta
    except OverflowError:
        return (datetime.max if delta > timedelta(0) else datetime.min).replace(tzinfo=UTC)


@dataclass
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def parse(cls, text: str, field_name: str = "bbox") -> "BBox":
        """``minLon,minLat,maxLon,maxLat`` (WGS84); min_lon > max_lon crosses the antimeridian."""
        try:
            values = [float(part) for part in text.split(",")]
        except ValueError:
            raise InputError(f"{field_name}: four numbers expected", field=field_name) from None
        if len(values) != 4 or any(v != v or v in (float("inf"), float("-inf")) for v in values):
            raise InputError(
                f"{field_name}: expected minLon,minLat,maxLon,maxLat", field=field_name
            )
        box = cls(*values)
        if not all(-180 <= v <= 180 for v in (box.min_lon, box.max_lon)):
            raise InputError(f"{field_name}: longitudes must be in [-180, 180]", field=field_name)
        if not all(-90 <= v <= 90 for v in (box.min_lat, box.max_lat)):
            raise InputError(f"{field_name}: latitudes must be in [-90, 90]", field=field_name)
        if box.min_lat > box.max_lat:
            raise InputError(f"{field_name}: minLat is greater than maxLat", field=field_name)
        return box


@dataclass
class BBoxParam:
    """Optional ``bbox=minLon,minLat,maxLon,maxLat``; parsed into ``.bbox`` (None = everywhere)."""

    raw: Annotated[
        str | None,
        Query(
            alias="bbox",
            description="minLon,minLat,maxLon,maxLat (WGS84)",
            pattern=BBOX_PATTERN,
            max_length=200,
            examples=["116.3,39.8,116.5,40.0"],
        ),
    ] = None
    bbox: BBox | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.bbox = BBox.parse(self.raw) if self.raw is not None else None


def encode_cursor(values: Sequence[CursorValue]) -> str:
    """An opaque, URL-safe token of a row's sort key."""
    items = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(items, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, size: int) -> tuple[CursorValue, ...]:
    """The sort key in ``token``; InputError (field ``cursor``) when it isn't one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        items = json.loads(raw)
        if not isinstance(items, list) or len(items) != size:
            raise ValueError("wrong size")
        return tuple(_cursor_item(item) for item in items)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InputError("cursor: not a cursor returned by this endpoint", field="cursor") from None


def _cursor_item(item: Any) -> CursorValue:
    if isinstance(item, dict):
        if set(item) != {"t"} or not isinstance(item["t"], str):
            raise ValueError("bad item")
        return as_utc(datetime.fromisoformat(item["t"]))
    if item is None or isinstance(item, str | int | float | bool):
        return item
    raise ValueError("bad item")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` as ``cursor`` to get the next (null: no more)."""

    items: list[T]
    next_cursor: str | None = Field(description="opaque token for the next page; null at the end")


@dataclass
class PageParams:
    """``limit`` (1–1000, default 100) and ``cursor`` (from the previous page's next_cursor)."""

    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")] = DEFAULT_LIMIT
    cursor: Annotated[
        str | None,
        Query(
            max_length=1000,
            pattern=r"^[A-Za-z0-9_=-]+$",
            description="next_cursor of the previous page",
        ),
    ] = None

    @property
    def fetch(self) -> int:
        """Rows to fetch: one more than ``limit`` tells whether another page follows."""
        return self.limit + 1

    def after(self, size: int) -> tuple[CursorValue, ...] | None:
        """The previous page's last sort key (``size`` values), or None on the first page."""
        return decode_cursor(self.cursor, size) if self.cursor else None

    def build(self, items: Sequence[T], key: Callable[[T], Sequence[CursorValue]]) -> Page[T]:
        """The page from ``fetch`` rows in sort order, with the cursor of its last row."""
        shown = list(items[: self.limit])
        more = len(items) > self.limit
        return Page[T](items=shown, next_cursor=encode_cursor(key(shown[-1])) if more else None)


class Where:
    """Collects parameterised SQL conditions; ``sql()`` is ``WHERE a AND b`` (or nothing)."""

    def __init__(self) -> None:
        self.conditions: list[sql.Composable] = []
        self.params: list[Any] = []

    def add(self, condition: str | sql.Composable, *params: Any) -> "Where":
        self.conditions.append(sql.SQL(condition) if isinstance(condition, str) else condition)
        self.params.extend(params)
        return self

    def equals(self, column: str, value: Any) -> "Where":
        """``column = value`` when value is not None."""
        if value is not None:
            self.add(sql.SQL("{} = %s").format(_ident(column)), value)
        return self

    def time_range(self, when: TimeRange, column: str) -> "Where":
        if when.start is not None:
            self.add(sql.SQL("{} >= %s").format(_ident(column)), when.start)
        if when.end is not None:
            self.add(sql.SQL("{} < %s").format(_ident(column)), when.end)
        return self

    def bbox(self, box: BBox | None, lat: str = "lat", lon: str = "lon") -> "Where":
        if box is not None:
            condition, params = bbox_condition(box, lat=lat, lon=lon)
            self.add(condition, *params)
        return self

    def after(
        self, columns: Sequence[str], key: Sequence[CursorValue] | None, *, descending: bool
    ) -> "Where":
        """Keyset pagination: rows strictly after ``key`` in the (columns) order."""
        if key is not None:
            op = sql.SQL("<" if descending else ">")
            cols = sql.SQL(", ").join(_ident(c) for c in columns)
            marks = sql.SQL(", ").join(sql.Placeholder() * len(columns))
            self.add(sql.SQL("({}) {} ({})").format(cols, op, marks), *key)
        return self

    def sql(self) -> sql.Composable:
        if not self.conditions:
            return sql.SQL("")
        return sql.SQL("WHERE ") + sql.SQL(" AND ").join(self.conditions)


def bbox_condition(
    box: BBox, lat: str = "lat", lon: str = "lon"
) -> tuple[sql.Composable, list[float]]:
    """``(condition, params)`` selecting rows whose lat/lon columns lie in ``box``."""
    lat_id, lon_id = _ident(lat), _ident(lon)
    if box.min_lon <= box.max_lon:
        lon_sql = sql.SQL("{lon} BETWEEN %s AND %s")
    else:  # crosses the antimeridian (RFC 7946 §5.2)
        lon_sql = sql.SQL("({lon} >= %s OR {lon} <= %s)")
    condition = sql.SQL("{lat} BETWEEN %s AND %s AND ").format(lat=lat_id) + lon_sql.format(
        lon=lon_id
    )
    return condition, [box.min_lat, box.max_lat, box.min_lon, box.max_lon]


def _ident(column: str) -> sql.Identifier:
    """``"c.lat"`` → ``"c"."lat"``."""
    return sql.Identifier(*column.split("."))


@dataclass
class CauseParam:
    """Optional ``cause`` filter: one of the diagnosis causes."""

    cause: Annotated[Cause | None, Query(description="primary cause of the diagnosis")] = None


TimeRangeQuery = Annotated[TimeRange, Depends()]
BBoxQuery = Annotated[BBoxParam, Depends()]
PageQuery = Annotated[PageParams, Depends()]
CauseQuery = Annotated[CauseParam, Depends()]
