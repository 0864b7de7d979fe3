"""Gathering the evidence for many complaints at once (set-based; SQL in sql/evidence.sql).

``gather(conn, complaints, settings)`` returns one ``Context`` per complaint with everything the
pure checks need: the window, the serving cells (in-memory cell index), KPI summaries per serving
cell, alarms on serving and neighbouring cells and sites, MR coverage around the place, known
areas, the subscriber's device and registration, other complaints nearby and the subscriber's own
complaints elsewhere. It costs two pipelined round trips for the whole batch, whatever its size.
Missing data is simply absent in the context (the checks then say "unknown"); it never raises.
The MR side lives in ``evidence_mr``, the set-based parameter plumbing in ``sqlparams``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from diagnostics.cell_index import cell_index
from diagnostics.complaint_context import build_context
from diagnostics.context import (
    AlarmRow,
    Context,
    Coverage,
    Device,
    KpiStats,
    OtherComplaint,
    Registration,
    Subscriber,
    complaint_window,
    kpi_window,
)
from diagnostics.evidence_mr import (
    cell_mr_params,
    mr_layout,
    mr_params,
    set_coverage,
    sparse,
    widen,
)
from diagnostics.geometry import distance_m
from diagnostics.models import ComplaintRecord
from diagnostics.networks import own_networks
from diagnostics.places import area_index, event_times
from diagnostics.serving import near_radius
from diagnostics.settings import DiagnosticsSettings
from diagnostics.sqlparams import epoch, extend, fetch_rows, packed, push, queries
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


# The diagnosis path's statements (evidence, storing, mass events, the work-order hook) take a
# batch each, as arrays and JSON that a custom plan can't see into either; yet plan_cache_mode
# "auto" kept re-planning most of them on every call: ~15 % of the database's CPU per complaint,
# and ~1.3 ms a batch inside the global lock. For the rest of the transaction (``true``: local;
# a statement of its own in autocommit) they reuse one plan per connection.
GENERIC_PLANS_SQL = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"


def gather(
    conn: Conn, complaints: Sequence[ComplaintRecord], settings: DiagnosticsSettings
) -> list[Context]:
    """The evidence context of every complaint, in the same order; the transaction's
    statements use generic plans from here on (``GENERIC_PLANS_SQL``)."""
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
    layout = mr_layout(conn)
    mr = mr_params(complaints, layout, settings)
    with conn.pipeline():
        conn.execute(GENERIC_PLANS_SQL)
        cur_versions = conn.execute(q["versions"], binary=True)
        cur_feed = conn.execute(q["alarm_feed"], binary=True)
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
        own = cell_mr_params(complaints, layout, settings)
        if own["i"]:
            cur_own = conn.execute(q["mr_cell"], packed(own), binary=True)
        versions = {str(r[0]): (int(r[1]), str(r[2])) for r in fetch_rows(cur_versions)}
        alarm_feed = bool(fetch_rows(cur_feed)[0][0])
        subs_rows, reg_rows, rep_rows = (
            fetch_rows(cur_subs),
            fetch_rows(cur_regs),
            fetch_rows(cur_reps),
        )
        cov_rows = fetch_rows(cur_cov) if cur_cov is not None else []
        cell_rows = fetch_rows(cur_cells) if cur_cells is not None else []
        own_rows = fetch_rows(cur_own) if cur_own is not None else []
    if layout is not None and layout[1]:
        cell_rows = [(r[0], r[1], r[-1]) for r in cov_rows if r[1] != ""]
        cov_rows = [(r[0], *r[2:-1]) for r in cov_rows if r[1] == ""]
    if layout is not None and layout[1] and cov_rows and not cell_rows:
        # a grid without per-cell rows: which cell serves comes from the samples themselves
        cell_rows = fetch_rows(conn.execute(q["mr_cells_samples"], packed(mr), binary=True))

    cells = cell_index(conn, versions)
    networks = own_networks(conn, versions, settings)
    areas = area_index(conn, versions)
    subscribers = {str(r[0]): _subscriber(r) for r in subs_rows}
    mr_cells: dict[int, dict[str, float]] = defaultdict(dict)
    for r in cell_rows:
        mr_cells[int(r[0])][str(r[1])] = float(r[2])
    placed = [i for i, c in enumerate(complaints) if c.lat is not None and c.lon is not None]
    lats = [float(complaints[i].lat or 0.0) for i in placed]
    lons = [float(complaints[i].lon or 0.0) for i in placed]
    # one query of each spatial index for the whole batch
    rows_near = dict(
        zip(
            placed,
            cells.rows_within_many(lats, lons, near_radius(settings)),
            strict=True,
        )
    )
    area_hits = dict(zip(placed, areas.at_many(lats, lons, settings.area_margin_m), strict=True))
    contexts: list[Context] = []
    for i, c in enumerate(complaints):
        sub = subscribers.get(c.msisdn_hash)
        events = [
            when
            for a in area_hits.get(i, [])
            if a.kind == "event_venue" and a.distance_m <= 0.0
            if (when := event_times(a.note, c.reported_at.tzinfo)) is not None
        ]
        ctx = build_context(c, cells, sub, mr_cells.get(i, {}), settings, rows_near.get(i), events)
        ctx.subscriber = sub
        ctx.mr_available = layout is not None
        ctx.alarm_feed = alarm_feed
        ctx.own_networks = networks
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
            set_coverage(contexts[int(r[0])], source, r, settings)
    wide: dict[str, Any] = {"i": []}
    if layout is not None:  # too few MR near these places: a wider read, with phase two
        radius, only = settings.mr_wide_radius_m, sparse(contexts, settings)
        wide = mr_params(complaints, layout, settings, radius_m=radius, only=only)
    _phase_two(conn, contexts, settings, wide, layout is not None and layout[1])
    return contexts


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


def _other(r: Sequence[Any], ctx: Context) -> OtherComplaint:
    lat, lon = r[2], r[3]
    dist = None
    if lat is not None and lon is not None and ctx.serving.location is not None:
        dist = distance_m(ctx.serving.location[0], ctx.serving.location[1], float(lat), float(lon))
    return OtherComplaint(str(r[0]), r[1], lat, lon, r[4], r[5] if len(r) > 5 else None, dist)


def _replaced_best(ctx: Context) -> list[str]:
    """The geometry's best server, when the MR chose other serving cells (else nothing)."""
    best = ctx.geometry.cells[:1] if ctx.geometry is not None else []
    return [c for c in best if c not in ctx.serving.cells]


def _phase_two(
    conn: Conn,
    contexts: list[Context],
    settings: DiagnosticsSettings,
    wide: dict[str, Any],
    grid: bool,
) -> None:
    """KPIs and alarms of the serving cells, other complaints nearby, and the wider MR read of
    the places with too few MR (``wide``, from the grid or else the samples): one trip."""
    q = queries()
    kpi: dict[str, list[Any]] = defaultdict(list)
    alarm: dict[str, list[Any]] = defaultdict(list)
    near: dict[str, list[Any]] = defaultdict(list)
    near_cell: dict[str, list[Any]] = defaultdict(list)
    radius = settings.nearby_radius_m
    half = timedelta(hours=settings.nearby_window_hours)
    restored = timedelta(hours=settings.restored_lookback_hours)
    for i, ctx in enumerate(contexts):
        c = ctx.complaint
        a0, a1 = ctx.kpi_window or ctx.window
        f, t = ctx.window
        serving = ctx.serving
        t0, t1 = c.reported_at - half, c.reported_at + half
        kpi_cells = [*serving.cells, *_replaced_best(ctx)]
        n_cells = len(kpi_cells)
        extend(kpi, i, cell=kpi_cells, a0=[epoch(a0)] * n_cells, a1=[epoch(a1)] * n_cells)
        own = [*serving.cells, *serving.sites]
        neighbour_sites = dict.fromkeys(
            ctx.site_of[n] for n in serving.neighbours if n in ctx.site_of
        )
        around = [*serving.neighbours, *(s for s in neighbour_sites if s not in serving.sites)]
        n_objects = len(own) + len(around)
        extend(
            alarm,
            i,
            obj=[*own, *around],
            role=["serving"] * len(own) + ["neighbour"] * len(around),
            f=[epoch(f - restored)] * n_objects,  # and outages that ended shortly before
            t=[epoch(t if c.gave_times() else max(t, c.reported_at))]
            * n_objects,  # and, with no times given, those on when the customer called
        )
        if serving.location is not None:
            lat, lon = serving.location
            dlon = radius / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.05))
            push(
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
        first = serving.cells[:3]
        n_first = len(first)
        extend(
            near_cell,
            i,
            cell=first,
            t0=[epoch(t0)] * n_first,
            t1=[epoch(t1)] * n_first,
            h=[c.msisdn_hash] * n_first,
            cid=[c.complaint_id] * n_first,
        )
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
        wide_sql = q["mr_grid" if grid else "mr_samples"]
        cur_wide = conn.execute(wide_sql, packed(wide), binary=True) if wide["i"] else None
        kpi_rows = fetch_rows(cur_kpi) if cur_kpi else []
        alarm_rows = fetch_rows(cur_alarm) if cur_alarm else []
        near_rows = fetch_rows(cur_near) if cur_near else []
        near_cell_rows = fetch_rows(cur_near_cell) if cur_near_cell else []
        widen(contexts, fetch_rows(cur_wide) if cur_wide else [], grid, settings)
    for r in kpi_rows:
        ctx = contexts[int(r[0])]
        stats = KpiStats(str(r[1]), *r[2:])
        if stats.cell_id in ctx.serving.cells:
            ctx.kpis[stats.cell_id] = stats
        else:
            ctx.best_server_kpis = stats
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
