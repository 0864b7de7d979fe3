"""Everything the planners' report shows, gathered for a period and the previous period.

Hotspots come from ``geo.hotspots.hotspots_geojson`` and process KPIs from
``workorders.process_kpis.process_kpis`` (the domains' published interfaces); both can be passed
in instead (tests, or a caller that already has them). Districts are h3 cells at
``report_district_h3_res`` (res 6 ≈ 36 km²) of each complaint's position (its own, or its
serving cell's): complaints carry no district, and a fixed grid gives the same districts in
every report.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import h3

from netcomplaint.errors import InputError
from reports import queries, warning_store
from reports.models import WarningOut, warning_out
from reports.settings import ReportSettings
from storage.db import Conn, dict_cursor

HotspotSource = Callable[[Conn, datetime, datetime], dict[str, Any]]
KpiSource = Callable[[Conn, datetime, datetime], dict[str, Any]]


@dataclass
class Count:
    """One row of a breakdown, this period against the previous one."""

    key: str
    complaints: int = 0
    network: int = 0
    previous: int = 0

    @property
    def change_pct(self) -> float | None:
        if self.previous == 0:
            return None
        return 100.0 * (self.complaints - self.previous) / self.previous


@dataclass
class District:
    key: str
    label: str
    lat: float
    lon: float
    complaints: int
    network: int
    previous: int
    dominant_cause: str | None
    boundary: list[tuple[float, float]]  # (lon, lat)


@dataclass
class ReportData:
    start: datetime
    end: datetime
    prev_start: datetime
    generated_at: datetime
    tz: str
    totals: dict[str, dict[str, int]]  # period → complaints, network, diagnosed, urgent, vip…
    causes: list[Count]
    channels: list[Count]
    symptoms: list[Count]
    customers: list[Count]
    by_day: list[tuple[date, int, int]]  # day, complaints, network (this period)
    previous_by_day: list[int]
    weekday_hour: list[list[int]]  # [weekday 0=Mon][hour]
    districts: list[District]
    district_res: int
    hotspots: dict[str, Any]
    process: dict[str, Any] | None
    process_previous: dict[str, Any] | None
    work_orders: dict[str, int]
    work_orders_by_department: list[dict[str, Any]]
    warnings: list[WarningOut]
    cells: list[dict[str, Any]] = field(default_factory=list)
    points: list[tuple[float, float, bool]] = field(default_factory=list)  # lon, lat, network

    def total(self, period: str, name: str) -> int:
        return self.totals.get(period, {}).get(name, 0)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _default_hotspots(conn: Conn, start: datetime, end: datetime) -> dict[str, Any]:
    from geo.hotspots import hotspots_geojson

    return hotspots_geojson(conn, start, end)


def _default_process_kpis(conn: Conn, start: datetime, end: datetime) -> dict[str, Any]:
    from workorders.process_kpis import process_kpis

    return process_kpis(conn, start, end, as_of=min(end, datetime.now(UTC)))


def _breakdowns(conn: Conn, params: dict[str, Any]) -> dict[str, Any]:
    with dict_cursor(conn) as cur:
        rows = cur.execute(queries.BREAKDOWNS, params).fetchall()
    totals: dict[str, dict[str, int]] = {"current": {}, "previous": {}}
    dims: dict[str, dict[str, Count]] = defaultdict(dict)
    for row in rows:
        if row["dimension"] == "total":
            totals[row["period"]] = {
                k: int(row[k])
                for k in ("complaints", "network", "diagnosed", "urgent", "vip", "subscribers")
            }
            continue
        count = dims[row["dimension"]].setdefault(row["key"], Count(row["key"]))
        if row["period"] == "current":
            count.complaints, count.network = int(row["complaints"]), int(row["network"])
        else:
            count.previous = int(row["complaints"])
    ranked = {
        dim: sorted(values.values(), key=lambda c: (-c.complaints, -c.previous, c.key))
        for dim, values in dims.items()
    }
    return {"totals": totals, **ranked}


def _days(
    conn: Conn, params: dict[str, Any], start: datetime, end: datetime, tz: ZoneInfo
) -> tuple[list[tuple[date, int, int]], list[int]]:
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    prev_first = (params["prev"]).astimezone(tz).date()
    current: dict[date, tuple[int, int]] = {}
    previous: dict[int, int] = {}
    for day, period, complaints, network in conn.execute(queries.BY_DAY, params).fetchall():
        if period == "current":
            current[day] = (int(complaints), int(network))
        else:
            previous[(day - prev_first).days] = int(complaints)
    rows = [(d, *current.get(d, (0, 0))) for d in days]
    return rows, [previous.get(k, 0) for k in range(len(days))]


def _weekday_hour(conn: Conn, params: dict[str, Any]) -> list[list[int]]:
    grid = [[0] * 24 for _ in range(7)]
    for weekday, hour, complaints in conn.execute(queries.BY_WEEKDAY_HOUR, params).fetchall():
        grid[int(weekday) - 1][int(hour)] = int(complaints)
    return grid


def _districts(
    conn: Conn, params: dict[str, Any], res: int
) -> tuple[list[District], list[tuple[float, float, bool]]]:
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    causes: dict[str, Counter[str]] = defaultdict(Counter)
    points: list[tuple[float, float, bool]] = []
    for lat, lon, period, network, cause in conn.execute(queries.POSITIONS, params).fetchall():
        key = h3.latlng_to_cell(lat, lon, res)
        if period == "current":
            stats[key][0] += 1
            stats[key][1] += int(bool(network))
            causes[key][cause] += 1
            points.append((float(lon), float(lat), bool(network)))
        else:
            stats[key][2] += 1
    ranked = sorted(stats, key=lambda k: (-stats[k][0], -stats[k][2], k))
    out: list[District] = []
    for rank, key in enumerate(ranked, start=1):
        lat, lon = h3.cell_to_latlng(key)
        common = causes[key].most_common(1)
        out.append(
            District(
                key=key,
                label=f"D{rank}",
                lat=lat,
                lon=lon,
                complaints=stats[key][0],
                network=stats[key][1],
                previous=stats[key][2],
                dominant_cause=common[0][0] if common else None,
                boundary=[(b[1], b[0]) for b in h3.cell_to_boundary(key)],
            )
        )
    return out, points


def _work_orders(conn: Conn, params: dict[str, Any]) -> tuple[dict[str, int], list[dict[str, Any]]]:
    with dict_cursor(conn) as cur:
        rows = cur.execute(queries.WORK_ORDERS, params).fetchall()
    names = ("opened", "opened_previous", "resolved", "resolved_late", "verified", "overdue")
    overall = dict.fromkeys(names, 0)
    departments: list[dict[str, Any]] = []
    for row in rows:
        figures = {n: int(row[n]) for n in names}
        if row["all_departments"]:
            overall = figures
        elif any(figures.values()):
            departments.append({"department": row["department"], **figures})
    return overall, departments


def _cells(
    conn: Conn, points: list[tuple[float, float, bool]], hotspots: dict[str, Any]
) -> list[dict[str, Any]]:
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    bbox = hotspots.get("bbox")
    if isinstance(bbox, list) and len(bbox) == 4:
        lons += [float(bbox[0]), float(bbox[2])]
        lats += [float(bbox[1]), float(bbox[3])]
    if not lats:
        return []
    box = {"min_lat": min(lats), "max_lat": max(lats), "min_lon": min(lons), "max_lon": max(lons)}
    with dict_cursor(conn) as cur:
        return list(cur.execute(queries.CELLS, box).fetchall())


def build_report(
    conn: Conn,
    start: datetime,
    end: datetime,
    *,
    settings: ReportSettings | None = None,
    tz: str = "UTC",
    hotspots: dict[str, Any] | HotspotSource | None = None,
    process_kpis: dict[str, Any] | KpiSource | None = None,
) -> ReportData:
    """The report's data for complaints reported in [start, end) and the period before it."""
    settings = settings or ReportSettings()
    start, end = _utc(start), _utc(end)
    if end <= start:
        raise InputError("to: must be after from", field="to")
    if end - start > timedelta(days=366):
        raise InputError("the report covers at most a year", field="to")
    if start.year < 1971 or end.year > 2200:
        raise InputError("from/to: outside the years 1971–2200", field="from")
    try:
        zone = ZoneInfo(settings.report_tz or tz)
    except (KeyError, ValueError) as exc:
        raise InputError(f"unknown time zone {settings.report_tz or tz!r}") from exc
    prev = start - (end - start)
    params = {"start": start, "end": end, "prev": prev, "tz": zone.key}
    parts = _breakdowns(conn, params)
    by_day, previous_by_day = _days(conn, params, start, end, zone)
    districts, points = _districts(conn, params, settings.report_district_h3_res)
    collection = (
        hotspots
        if isinstance(hotspots, dict)
        else (hotspots or _default_hotspots)(conn, start, end)
    )
    kpi_source = process_kpis if process_kpis is not None else _default_process_kpis
    process = kpi_source if isinstance(kpi_source, dict) else kpi_source(conn, start, end)
    process_previous = None if isinstance(kpi_source, dict) else kpi_source(conn, prev, start)
    overall, departments = _work_orders(conn, params)
    warnings = warning_store.query(conn, started_from=start, started_to=end, limit=50)
    return ReportData(
        start=start,
        end=end,
        prev_start=prev,
        generated_at=datetime.now(UTC),
        tz=zone.key,
        totals=parts["totals"],
        causes=parts.get("cause", []),
        channels=parts.get("channel", []),
        symptoms=parts.get("symptom", []),
        customers=parts.get("customer", []),
        by_day=by_day,
        previous_by_day=previous_by_day,
        weekday_hour=_weekday_hour(conn, params),
        districts=districts,
        district_res=settings.report_district_h3_res,
        hotspots=collection,
        process=process,
        process_previous=process_previous,
        work_orders=overall,
        work_orders_by_department=departments,
        warnings=[warning_out(w) for w in warnings],
        cells=_cells(conn, points, collection),
        points=points,
    )
