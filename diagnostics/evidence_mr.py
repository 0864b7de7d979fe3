"""The MR side of the evidence: which grids around a place are read (h3 disk, weighted by
nearness), the per-request parameters, the coverage summary, and which cells the MR shows
serving the place.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import h3

from diagnostics.cell_index import CellIndex, database_key
from diagnostics.context import Context, Coverage
from diagnostics.models import ComplaintRecord
from diagnostics.settings import DiagnosticsSettings
from diagnostics.sqlparams import epoch, extend, push, queries
from storage.db import Conn


def grid_disk(lat: float, lon: float, resolution: int, radius_m: float) -> list[tuple[str, float]]:
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


_resolution_lock = threading.Lock()
_resolutions: dict[tuple[Any, ...], tuple[int, bool]] = {}  # database → (h3 resolution, has grid)


def mr_layout(conn: Conn) -> tuple[int, bool] | None:
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


def set_coverage(
    ctx: Context,
    source: str,
    r: Sequence[Any],
    settings: DiagnosticsSettings,
    radius_m: float | None = None,
) -> None:
    """The coverage from a row of the MR queries (request, samples, grids, statistics…);
    ``radius_m`` defaults to ``mr_radius_m`` for the grid queries (None for a cell's own MR)."""
    if radius_m is None and source != "cell":
        radius_m = settings.mr_radius_m
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
            ctx.complaint.reported_at
            - timedelta(
                days=settings.mr_cell_lookback_days
                if source == "cell"
                else settings.mr_lookback_days
            ),
            ctx.complaint.reported_at,
        ),
        radius_m=radius_m,
    )


def sparse(contexts: Sequence[Context], settings: DiagnosticsSettings) -> list[int]:
    """Placed complaints with too few MR samples around them for a coverage verdict, where a
    wider read is asked for (``mr_wide_radius_m``). A few that already show the place weak
    beyond sampling noise are kept: the street around a car park's third basement level would
    water them down (gen 30: 5 of 14 samples weak near, 13 % of 46 within 250 m)."""
    # the checks read the evidence module this one is part of: imported when first used
    from diagnostics.checks.common import mr_verdict

    if settings.mr_wide_radius_m <= settings.mr_radius_m:
        return []
    return [
        i
        for i, ctx in enumerate(contexts)
        if ctx.mr_available
        and ctx.complaint.has_location()
        and (ctx.coverage is None or ctx.coverage.samples < settings.mr_min_samples)
        and mr_verdict(ctx.coverage, settings) is None
    ]


def widen(
    contexts: Sequence[Context],
    rows: Sequence[Sequence[Any]],
    grid: bool,
    settings: DiagnosticsSettings,
) -> None:
    """The coverage of the wider read (``sparse``) where it found more samples."""
    for r in rows:
        if grid:
            if r[1] != "":  # per-cell rows: which cells serve stays the near read's
                continue
            r = (r[0], *r[2:-1])
        ctx = contexts[int(r[0])]
        if ctx.coverage is None or int(r[1]) > ctx.coverage.samples:
            source = "mr_grid" if grid else "mr_samples"
            set_coverage(ctx, source, r, settings, settings.mr_wide_radius_m)


def cell_mr_params(
    complaints: Sequence[ComplaintRecord],
    layout: tuple[int, bool] | None,
    settings: DiagnosticsSettings,
) -> dict[str, Any]:
    """Complaints that name a cell but give no position: that cell's own MR."""
    params: dict[str, list[Any]] = defaultdict(list)
    if layout is not None:
        for i, c in enumerate(complaints):
            if (c.lat is None or c.lon is None) and c.cell_id:
                push(
                    params,
                    i=i,
                    cell=c.cell_id,
                    t0=c.reported_at - timedelta(days=settings.mr_cell_lookback_days),
                    t1=c.reported_at,
                )
    out: dict[str, Any] = dict(params) if params else {"i": []}
    out.update(
        weak=settings.weak_rsrp_dbm, poor_sinr=settings.poor_sinr_db, good=settings.good_rsrp_dbm
    )
    return out


def mr_params(
    complaints: Sequence[ComplaintRecord],
    layout: tuple[int, bool] | None,
    settings: DiagnosticsSettings,
    *,
    radius_m: float | None = None,
    only: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Grids around each place (``radius_m``, default ``mr_radius_m``), each with its request's
    MR days and times (element arrays); ``only``: these requests (indices) alone."""
    params: dict[str, list[Any]] = defaultdict(list)
    if layout is None:
        return {"i": []}
    radius = settings.mr_radius_m if radius_m is None else radius_m
    for i in range(len(complaints)) if only is None else only:
        c = complaints[i]
        if c.lat is None or c.lon is None:
            continue
        m0 = c.reported_at - timedelta(days=settings.mr_lookback_days)
        disk = grid_disk(c.lat, c.lon, layout[0], radius)
        n = len(disk)
        extend(
            params,
            i,
            grid=[g for g, _ in disk],
            w=[w for _, w in disk],
            d0=[m0.date().isoformat()] * n,
            d1=[c.reported_at.date().isoformat()] * n,
            t0=[epoch(m0)] * n,
            t1=[epoch(c.reported_at)] * n,
        )
    out: dict[str, Any] = dict(params) if params else {"i": []}
    out.update(
        weak=settings.weak_rsrp_dbm, poor_sinr=settings.poor_sinr_db, good=settings.good_rsrp_dbm
    )
    return out


def mr_serving(
    counts: dict[str, float],
    cells: CellIndex,
    settings: DiagnosticsSettings,
    technologies: Sequence[str] | None,
) -> list[str]:
    """Cells that carry at least ``mr_serving_min_share`` of the MR samples here, most first."""
    total = sum(counts.values())
    if total < settings.mr_serving_min_samples:
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
