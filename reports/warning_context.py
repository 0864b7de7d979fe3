"""What one warnings refresh holds in memory: the complaints as events per area and per cell,
the cell layout, and per-warning caches (evidence so far, usual users)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import h3

from reports.evidence import Evidence
from reports.settings import WarningSettings
from reports.surge import EventIndex, SurgeParams
from storage.db import Conn

EVENTS_SQL = """
SELECT c.complaint_id, extract(epoch FROM c.reported_at)::float8 AS ts,
       coalesce(c.lat, cl.lat) AS lat, coalesce(c.lon, cl.lon) AS lon,
       coalesce(d.serving_cells[1], c.cell_id) AS cell_id,
       coalesce(s.vip, false) AS vip, c.msisdn_hash
FROM complaints c
LEFT JOIN diagnoses d ON d.complaint_id = c.complaint_id
LEFT JOIN cells cl ON cl.cell_id = coalesce(d.serving_cells[1], c.cell_id)
LEFT JOIN subscribers s ON s.msisdn_hash = c.msisdn_hash
WHERE c.reported_at >= %s AND c.reported_at < %s
"""

CELLS_SQL = "SELECT cell_id, site_id, lat, lon FROM cells WHERE status <> 'decommissioned'"


def surge_params(settings: WarningSettings) -> SurgeParams:
    return SurgeParams(
        interval_s=settings.warn_interval_min * 60.0,
        baseline_weeks=settings.warn_baseline_weeks,
        alpha=settings.warn_alpha,
        min_complaints=settings.warn_min_complaints,
        min_ratio=settings.warn_min_ratio,
        dispersion=settings.warn_nb_dispersion,
        min_seasonal_factor=settings.warn_min_seasonal_factor,
        min_rate_per_week=settings.warn_min_baseline_per_week,
        min_history_s=settings.warn_min_history_h * 3600.0,
    )


def ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _only(keys: list[str | None], keep: list[bool]) -> list[str | None]:
    return [k if wanted else None for k, wanted in zip(keys, keep, strict=True)]


@dataclass
class Context:
    settings: WarningSettings
    params: SurgeParams
    cell_ids: list[str | None]  # per event: its serving cell
    hashes: list[str]  # per event: the complainant (keyed hash; never leaves the process)
    areas: EventIndex
    cells: EventIndex
    vip_areas: EventIndex
    vip_cells: EventIndex
    cell_site: dict[str, str] = field(default_factory=dict)
    cell_pos: dict[str, tuple[float, float]] = field(default_factory=dict)
    cells_by_hex: dict[str, list[str]] = field(default_factory=dict)
    cells_by_site: dict[str, list[str]] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)  # warning id → so far
    linked: dict[str, set[str]] = field(default_factory=dict)  # warning id → cells queried
    users: dict[tuple[str, ...], int] = field(default_factory=dict)  # degraded cells → users
    cleared: dict[tuple[str, str], float] = field(default_factory=dict)  # (scope, key) → when

    def index(self, scope: str, vip: bool = False) -> EventIndex:
        if scope == "area":
            return self.vip_areas if vip else self.areas
        return self.vip_cells if vip else self.cells

    @property
    def longest_s(self) -> float:
        return self.params.interval_s * max(1, self.settings.warn_long_window_factor)

    def factors(self) -> tuple[int, ...]:
        factor = self.settings.warn_long_window_factor
        return (1, factor) if factor > 1 else (1,)

    def co_sited(self, cell: str) -> list[str]:
        return self.cells_by_site.get(self.cell_site.get(cell, ""), [cell])


def load_context(conn: Conn, start: datetime, end: datetime, settings: WarningSettings) -> Context:
    """Complaints reported in [start, end) (with the baseline weeks before the first step)."""
    res = settings.warn_area_h3_res
    first = conn.execute(
        "SELECT extract(epoch FROM min(reported_at))::float8 FROM complaints"
    ).fetchone()
    history_start = float(first[0]) if first and first[0] is not None else start.timestamp()
    rows = conn.execute(EVENTS_SQL, (start, end)).fetchall()
    times = [float(r[1]) for r in rows]
    areas = [h3.latlng_to_cell(r[2], r[3], res) if r[2] is not None else None for r in rows]
    cells: list[str | None] = [r[4] for r in rows]
    vip = [bool(r[5]) for r in rows]
    ctx = Context(
        settings=settings,
        params=surge_params(settings),
        cell_ids=cells,
        hashes=[str(r[6]) for r in rows],
        areas=EventIndex(times, areas, history_start),
        cells=EventIndex(times, cells, history_start),
        vip_areas=EventIndex(times, _only(areas, vip), history_start),
        vip_cells=EventIndex(times, _only(cells, vip), history_start),
    )
    for cell_id, site_id, lat, lon in conn.execute(CELLS_SQL):
        ctx.cell_site[cell_id] = site_id
        ctx.cell_pos[cell_id] = (lat, lon)
        ctx.cells_by_hex.setdefault(h3.latlng_to_cell(lat, lon, res), []).append(cell_id)
        ctx.cells_by_site.setdefault(site_id, []).append(cell_id)
    return ctx
