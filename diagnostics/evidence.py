"""Gathering the evidence for many complaints at once (set-based; SQL in sql/evidence.sql).

``gather(conn, complaints, settings)`` returns one ``Context`` per complaint with everything the
pure checks need: the window, the serving cells (in-memory cell index), KPI summaries per serving
cell, alarms on serving and neighbouring cells and sites, MR coverage around the place, known
areas, the subscriber's device and registration, other complaints nearby and the subscriber's own
complaints elsewhere. It costs two pipelined round trips for the whole batch, whatever its size.
Missing data is simply absent in the context (the checks then say "unknown"); it never raises.
"""

from __future__ import annotations

import math
import re
import threading
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import h3
import numpy as np
import numpy.typing as npt

from diagnostics.context import (
    AlarmRow,
    Context,
    Coverage,
    Device,
    KpiStats,
    OtherComplaint,
    Registration,
    Subscriber,
    cell_weights,
    complaint_window,
    kpi_window,
)
from diagnostics.models import ComplaintRecord
from diagnostics.places import area_index
from diagnostics.serving import (
    CellIndex,
    cell_index,
    database_key,
    distance_m,
    serving_cells,
    with_cells,
)
from diagnostics.settings import DiagnosticsSettings
from storage.db import Conn

METRES_PER_DEGREE = 111_320.0
__all__ = [  # the context types are re-exported: checks and tests import them from here
    "AlarmRow",
    "Context",
    "Coverage",
    "Device",
    "KpiStats",
    "OtherComplaint",
    "Registration",
    "Subscriber",
    "complaint_window",
    "gather",
    "kpi_window",
]


@lru_cache(maxsize=1)
def queries() -> dict[str, str]:
    """The named queries of sql/evidence.sql."""
    text = resources.files("diagnostics").joinpath("sql/evidence.sql").read_text(encoding="utf-8")
    named: dict[str, str] = {}
    for part in re.split(r"^-- name: ", text, flags=re.M)[1:]:
        name, _, body = part.partition("\n")
        named[name.strip()] = body.strip().rstrip(";")
    return named


def _device_technologies(sub: Subscriber | None) -> tuple[str, ...] | None:
    """Technologies the handset can use; None = unknown (all cells may serve)."""
    if sub is None or sub.device is None:
        return None
    techs = ["GSM", "UMTS"]
    if sub.device.supports_lte and sub.sim_type in ("4g", "5g"):
        techs.append("LTE")
    if sub.device.supports_nr and sub.sim_type == "5g":
        techs.append("NR")
    return tuple(techs)


def _grid_disk(lat: float, lon: float, resolution: int, radius_m: float) -> list[tuple[str, float]]:
    """The grids within ``radius_m`` of the place, each with a weight for "which cell serves
    here": 1 within about 60 m, halving with every further ring (nearer samples tell more)."""
    spacing = h3.average_hexagon_edge_length(resolution, unit="m") * math.sqrt(3.0)
    k = max(0, round(radius_m / spacing))
    centre = h3.latlng_to_cell(lat, lon, resolution)
    near = max(0, round(60.0 / spacing))
    out: list[tuple[str, float]] = []
    for ring in range(k + 1):
        weight = 1.0 if ring <= near else 0.5 ** (ring - near)
        out.extend((g, weight) for g in h3.grid_ring(centre, ring))
    return out


SEP = "\x1f"  # chr(31), the unit separator: never inside an id read from CSV or JSON


def _element(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value.timestamp():.3f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _joined(values: list[Any]) -> str:
    if not values:
        return ""
    first = values[0]
    if isinstance(first, str):
        return SEP.join(values)
    if isinstance(first, datetime):
        return SEP.join([f"{v.timestamp():.3f}" for v in values])
    if isinstance(first, int | float) and not isinstance(first, bool):
        return SEP.join(map(str, values))
    return SEP.join(map(_element, values))


def packed(params: dict[str, Any]) -> dict[str, Any]:
    """List parameters as one chr(31)-joined string each (split by string_to_array in SQL)."""
    return {k: _joined(v) if isinstance(v, list) else v for k, v in params.items()}


def _push(columns: dict[str, list[Any]], **values: Any) -> None:
    for name, value in values.items():
        columns[name].append(value)


def _extend(columns: dict[str, list[Any]], i: int, **values: list[Any]) -> None:
    """Element rows of request ``i``: one per value, the lists of equal length."""
    n = 0
    for name, items in values.items():
        columns[name].extend(items)
        n = len(items)
    columns["i"].extend([i] * n)


def _rows(cursor: Any) -> list[tuple[Any, ...]]:
    return list(cursor.fetchall())


_resolution_lock = threading.Lock()
_resolutions: dict[tuple[Any, ...], tuple[int, bool]] = {}  # database → (h3 resolution, has grid)


def _mr_layout(conn: Conn) -> tuple[int, bool] | None:
    """The MR grid's h3 resolution and whether mr_grid is built; None while there is no MR.

    Cached per database once MR exists (the resolution of a database's grid doesn't change)."""
    key = database_key(conn)
    with _resolution_lock:
        if key in _resolutions:
            return _resolutions[key]
    row = conn.execute(queries()["mr_probe"]).fetchone()
    if row is None or (row[0] is None and row[1] is None):
        return None
    layout = (h3.get_resolution(row[0] or row[1]), row[0] is not None)
    if row[0] is not None:  # the grid is built: this layout is final
        with _resolution_lock:
            _resolutions[key] = layout
    return layout


def gather(
    conn: Conn, complaints: Sequence[ComplaintRecord], settings: DiagnosticsSettings
) -> list[Context]:
    """The evidence context of every complaint, in the same order."""
    if not complaints:
        return []
    q = queries()
    n = len(complaints)
    idx = list(range(n))
    hashes = [c.msisdn_hash for c in complaints]
    reg: dict[str, Any] = {
        "i": idx,
        "h": hashes,
        "t0": [
            c.reported_at - timedelta(days=settings.registration_lookback_days) for c in complaints
        ],
        "t1": [c.reported_at + timedelta(hours=1) for c in complaints],
    }
    rep: dict[str, Any] = {
        "i": idx,
        "h": hashes,
        "t0": [c.reported_at - timedelta(days=settings.repeat_lookback_days) for c in complaints],
        "t1": [c.reported_at + timedelta(days=1) for c in complaints],
        "cid": [c.complaint_id for c in complaints],
    }
    layout = _mr_layout(conn)
    mr = _mr_params(complaints, layout, settings)
    with conn.pipeline():
        cur_versions = conn.execute(q["versions"], binary=True)
        cur_subs = conn.execute(
            q["subscribers"], packed({"hashes": sorted(set(hashes))}), binary=True
        )
        cur_regs = conn.execute(q["registrations"], packed(reg), binary=True)
        cur_reps = conn.execute(q["repeats"], packed(rep), binary=True)
        cur_cov = cur_cells = cur_own = None
        if layout is not None and mr["i"]:
            if layout[1]:  # one read of the grid: coverage and serving cells together
                cur_cov = conn.execute(q["mr_grid"], packed(mr), binary=True)
            else:
                cur_cov = conn.execute(q["mr_samples"], packed(mr), binary=True)
                cur_cells = conn.execute(q["mr_cells_samples"], packed(mr), binary=True)
        own = _cell_mr_params(complaints, layout, settings)
        if own["i"]:
            cur_own = conn.execute(q["mr_cell"], packed(own), binary=True)
        versions = {str(r[0]): (int(r[1]), str(r[2])) for r in _rows(cur_versions)}
        subs_rows, reg_rows, rep_rows = _rows(cur_subs), _rows(cur_regs), _rows(cur_reps)
        cov_rows = _rows(cur_cov) if cur_cov is not None else []
        cell_rows = _rows(cur_cells) if cur_cells is not None else []
        own_rows = _rows(cur_own) if cur_own is not None else []
    if layout is not None and layout[1]:
        cell_rows = [(r[0], r[1], r[-1]) for r in cov_rows if r[1] != ""]
        cov_rows = [(r[0], *r[2:-1]) for r in cov_rows if r[1] == ""]
    if layout is not None and layout[1] and cov_rows and not cell_rows:
        # a grid without per-cell rows: which cell serves comes from the samples themselves
        cell_rows = _rows(conn.execute(q["mr_cells_samples"], packed(mr), binary=True))

    cells = cell_index(conn, versions)
    areas = area_index(conn, versions)
    subscribers = {str(r[0]): _subscriber(r) for r in subs_rows}
    mr_cells: dict[int, dict[str, float]] = defaultdict(dict)
    for r in cell_rows:
        mr_cells[int(r[0])][str(r[1])] = float(r[2])
    placed = [i for i, c in enumerate(complaints) if c.lat is not None and c.lon is not None]
    lats = [float(complaints[i].lat or 0.0) for i in placed]
    lons = [float(complaints[i].lon or 0.0) for i in placed]
    # one query of each spatial index for the whole batch
    candidates = dict(
        zip(
            placed,
            cells.rows_within_many(lats, lons, settings.serving_search_radius_m),
            strict=True,
        )
    )
    area_hits = dict(zip(placed, areas.at_many(lats, lons, settings.area_margin_m), strict=True))
    contexts: list[Context] = []
    for i, c in enumerate(complaints):
        sub = subscribers.get(c.msisdn_hash)
        ctx = _context(c, cells, sub, mr_cells.get(i, {}), settings, candidates.get(i))
        ctx.subscriber = sub
        ctx.mr_available = layout is not None
        ctx.registration_window = (reg["t0"][i], reg["t1"][i])
        ctx.areas = area_hits.get(i, [])
        contexts.append(ctx)
    for r in reg_rows:
        contexts[int(r[0])].registration = Registration(
            r[1], str(r[2]), r[3], r[4] or None, r[5], r[6]
        )
    for r in rep_rows:
        ctx = contexts[int(r[0])]
        ctx.repeats.append(_other(r[1:], ctx))
    for source, rows in (
        ("mr_grid" if layout and layout[1] else "mr_samples", cov_rows),
        ("cell", own_rows),
    ):
        for r in rows:
            _coverage(contexts[int(r[0])], source, r, settings)
    _phase_two(conn, contexts, settings)
    return contexts


def _coverage(ctx: Context, source: str, r: Sequence[Any], settings: DiagnosticsSettings) -> None:
    values = [None if v is None else float(v) for v in r[3:10]]
    ctx.coverage = Coverage(
        source=source,
        samples=int(r[1]),
        grids=int(r[2]),
        weak_share=values[0],
        rsrp_p10=values[1],
        rsrp_p50=values[2],
        rsrp_p90=values[3],
        sinr_mean=values[4],
        poor_sinr_share=values[5],
        good_rsrp_poor_sinr_share=values[6],
        window=(
            ctx.complaint.reported_at - timedelta(days=settings.mr_lookback_days),
            ctx.complaint.reported_at,
        ),
    )


def _cell_mr_params(
    complaints: Sequence[ComplaintRecord],
    layout: tuple[int, bool] | None,
    settings: DiagnosticsSettings,
) -> dict[str, Any]:
    """Complaints that name a cell but give no position: that cell's own MR."""
    params: dict[str, list[Any]] = defaultdict(list)
    if layout is not None:
        for i, c in enumerate(complaints):
            if (c.lat is None or c.lon is None) and c.cell_id:
                _push(
                    params,
                    i=i,
                    cell=c.cell_id,
                    t0=c.reported_at - timedelta(days=settings.mr_lookback_days),
                    t1=c.reported_at,
                )
    out: dict[str, Any] = dict(params) if params else {"i": []}
    out.update(
        weak=settings.weak_rsrp_dbm, poor_sinr=settings.poor_sinr_db, good=settings.good_rsrp_dbm
    )
    return out


def _mr_params(
    complaints: Sequence[ComplaintRecord],
    layout: tuple[int, bool] | None,
    settings: DiagnosticsSettings,
) -> dict[str, Any]:
    """Grids around each place (element arrays) and each request's MR days (request arrays)."""
    params: dict[str, list[Any]] = defaultdict(list)
    if layout is None:
        return {"i": []}
    for i, c in enumerate(complaints):
        if c.lat is None or c.lon is None:
            continue
        m0 = c.reported_at - timedelta(days=settings.mr_lookback_days)
        _push(params, ri=i, d0=m0.date(), d1=c.reported_at.date(), t0=m0, t1=c.reported_at)
        disk = _grid_disk(c.lat, c.lon, layout[0], settings.mr_radius_m)
        _extend(params, i, grid=[g for g, _ in disk], w=[w for _, w in disk])
    out: dict[str, Any] = dict(params) if params else {"i": []}
    out.update(
        weak=settings.weak_rsrp_dbm, poor_sinr=settings.poor_sinr_db, good=settings.good_rsrp_dbm
    )
    return out


def _subscriber(r: Sequence[Any]) -> Subscriber:
    device = None
    if r[5] is not None:
        device = Device(
            str(r[5]),
            str(r[6]),
            bool(r[7]),
            bool(r[8]),
            bool(r[9]),
            tuple(str(b) for b in (r[10] or ())),
            r[11] or None,
        )
    return Subscriber(str(r[1]), str(r[2]), r[3], bool(r[4]), device)


def mr_serving(
    counts: dict[str, float],
    cells: CellIndex,
    settings: DiagnosticsSettings,
    technologies: Sequence[str] | None,
) -> list[str]:
    """Cells that carry at least ``mr_serving_min_share`` of the MR samples here, most first."""
    total = sum(counts.values())
    if total < settings.mr_min_samples:
        return []
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    chosen = [
        c
        for c, n in ranked
        if n / total >= settings.mr_serving_min_share
        and c in cells.by_id
        and cells.status[cells.by_id[c]] == "active"
    ]
    if technologies is not None:
        usable = [c for c in chosen if cells.technology[cells.by_id[c]] in technologies]
        chosen = usable or chosen
    return chosen[: settings.max_serving_cells]


def _context(
    c: ComplaintRecord,
    cells: CellIndex,
    sub: Subscriber | None,
    counts: dict[str, float],
    settings: DiagnosticsSettings,
    candidates: npt.NDArray[np.int64] | None = None,
) -> Context:
    window = complaint_window(c, settings)
    techs = _device_technologies(sub)
    serving = serving_cells(
        cells,
        c.lat,
        c.lon,
        settings,
        cell_id=c.cell_id,
        technologies=techs,
        candidates=candidates,
    )
    if techs is not None and not serving.cells:  # the device can use none of them: show them all
        serving = serving_cells(
            cells, c.lat, c.lon, settings, cell_id=c.cell_id, candidates=candidates
        )
    geometry = None
    measured = mr_serving(counts, cells, settings, techs)
    if measured:
        geometry = serving
        given = [c.cell_id] if c.cell_id else []
        serving = with_cells(serving, [*given, *(m for m in measured if m not in given)], cells)
    site_of = {
        cid: cells.site_ids[row]
        for cid in [*serving.cells, *serving.neighbours]
        if (row := cells.by_id.get(cid)) is not None
    }
    technologies = serving.network_technologies or serving.technologies
    if measured:
        technologies = tuple(sorted({*technologies, *serving.technologies}))
    return Context(
        c,
        window,
        serving,
        technologies,
        kpi_window=kpi_window(window, settings),
        site_of=site_of,
        mr_cells=counts,
        cells_known=len(cells) > 0,
        geometry=geometry,
        cell_weight=cell_weights(serving, counts if measured else {}, c.cell_id, site_of, settings),
    )


def _other(r: Sequence[Any], ctx: Context) -> OtherComplaint:
    lat, lon = r[2], r[3]
    dist = None
    if lat is not None and lon is not None and ctx.serving.location is not None:
        dist = distance_m(ctx.serving.location[0], ctx.serving.location[1], float(lat), float(lon))
    return OtherComplaint(str(r[0]), r[1], lat, lon, r[4], r[5] if len(r) > 5 else None, dist)


def _phase_two(conn: Conn, contexts: list[Context], settings: DiagnosticsSettings) -> None:
    """KPIs and alarms of the serving cells, and other complaints nearby: one pipelined trip."""
    q = queries()
    kpi: dict[str, list[Any]] = defaultdict(list)
    alarm: dict[str, list[Any]] = defaultdict(list)
    near: dict[str, list[Any]] = defaultdict(list)
    near_cell: dict[str, list[Any]] = defaultdict(list)
    radius = settings.nearby_radius_m
    half = timedelta(hours=settings.nearby_window_hours)
    for i, ctx in enumerate(contexts):
        c = ctx.complaint
        a0, a1 = ctx.kpi_window or ctx.window
        f, t = ctx.window
        serving = ctx.serving
        t0, t1 = c.reported_at - half, c.reported_at + half
        _push(kpi, ri=i, a0=a0, a1=a1)
        _push(alarm, ri=i, f=f, t=t)
        _push(near_cell, ri=i, t0=t0, t1=t1, h=c.msisdn_hash, cid=c.complaint_id)
        _extend(kpi, i, cell=serving.cells)
        own = [*serving.cells, *serving.sites]
        neighbour_sites = dict.fromkeys(
            ctx.site_of[n] for n in serving.neighbours if n in ctx.site_of
        )
        around = [*serving.neighbours, *(s for s in neighbour_sites if s not in serving.sites)]
        _extend(
            alarm,
            i,
            obj=[*own, *around],
            role=["serving"] * len(own) + ["neighbour"] * len(around),
        )
        if serving.location is not None:
            lat, lon = serving.location
            dlon = radius / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.05))
            _push(
                near,
                i=i,
                lat=lat,
                lon=lon,
                dlat=radius / METRES_PER_DEGREE,
                dlon=dlon,
                t0=t0,
                t1=t1,
                h=c.msisdn_hash,
                cid=c.complaint_id,
            )
        _extend(near_cell, i, cell=serving.cells[:3])
    thresholds = {
        "avail": settings.availability_pct,
        "setup": settings.setup_sr_pct,
        "drop": settings.drop_rate_pct,
        "prb": settings.prb_busy_pct,
        "ul": settings.ul_interference_dbm,
        "cqi": settings.poor_cqi,
    }
    with conn.pipeline():
        cur_kpi = (
            conn.execute(q["kpis"], packed({**kpi, **thresholds}), binary=True)
            if kpi.get("i")
            else None
        )
        cur_alarm = (
            conn.execute(q["alarms"], packed(alarm), binary=True) if alarm.get("i") else None
        )
        cur_near = conn.execute(q["nearby"], packed(near), binary=True) if near else None
        cur_near_cell = (
            conn.execute(q["nearby_by_cell"], packed(near_cell), binary=True)
            if near_cell.get("i")
            else None
        )
        kpi_rows = _rows(cur_kpi) if cur_kpi else []
        alarm_rows = _rows(cur_alarm) if cur_alarm else []
        near_rows = _rows(cur_near) if cur_near else []
        near_cell_rows = _rows(cur_near_cell) if cur_near_cell else []
    for r in kpi_rows:
        contexts[int(r[0])].kpis[str(r[1])] = KpiStats(str(r[1]), *r[2:])
    for r in alarm_rows:
        contexts[int(r[0])].alarms.append(AlarmRow(str(r[1]), *r[2:]))
    seen: dict[int, set[str]] = defaultdict(set)
    for r in near_rows:
        ctx = contexts[int(r[0])]
        other = _other(r[1:], ctx)
        if (
            other.distance_m is not None
            and other.distance_m <= radius
            and other.complaint_id not in seen[int(r[0])]
        ):
            seen[int(r[0])].add(other.complaint_id)
            ctx.nearby.append(other)
    for r in near_cell_rows:
        ctx = contexts[int(r[0])]
        if r[1] not in seen[int(r[0])]:
            seen[int(r[0])].add(str(r[1]))
            ctx.nearby.append(_other(r[1:], ctx))
