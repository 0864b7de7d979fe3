"""One warning over time: open it, let adjacent surges join it, bring it up to date (complaints,
linked cells and their evidence, affected users, level), clear it, list who to call.

Linked cells: the serving cells of the surge's complaints (most complaints first), their
co-sited cells, and the cells sited in the surge's hexagons (and ``warn_link_ring`` rings
around them). A surge in a hexagon next to the warning's first one joins it while the warning
is still elevated (one surge straddling a hexagon edge); a cell surge joins the area warning
already linked to that cell, or the warning of a co-sited cell.
"""

from __future__ import annotations

from datetime import timedelta

import h3

from reports.evidence import AreaBox, Evidence, gather_evidence, likely_affected, usual_users
from reports.levels import WarningFigures, escalate, level_for
from reports.surge import KeyTest, WindowTest, combine
from reports.warning_context import Context, ts
from reports.warning_store import SurgeWarning
from storage.db import Conn


def members(w: SurgeWarning, start: float, end: float, ctx: Context) -> list[int]:
    index = ctx.index(w.scope)
    return sorted({p for key in w.area_keys for p in index.members(key, start, end)})


def _ring(hexes: list[str], k: int) -> set[str]:
    return {h for hex_id in hexes for h in h3.grid_disk(hex_id, k)}


def _linked_cells(w: SurgeWarning, found: list[int], ctx: Context) -> list[str]:
    """Serving cells with at least ``warn_link_min_share`` of the complaints (at least the top
    one), most complaints first, then their co-sited cells (and, with ``warn_link_ring`` ≥ 0,
    the cells sited in and around the surge's hexagons)."""
    counts: dict[str, int] = {}
    for pos in found:
        cell = ctx.cell_ids[pos]
        if cell is not None:
            counts[cell] = counts.get(cell, 0) + 1
    ranked = sorted(counts, key=lambda c: (-counts[c], c))
    floor = ctx.settings.warn_link_min_share * len(found)
    serving = [c for i, c in enumerate(ranked) if i == 0 or counts[c] >= floor]
    if w.scope == "cell":
        serving = [*w.area_keys, *(c for c in serving if c not in w.area_keys)]
    nearby: set[str] = {c for cell in serving for c in ctx.co_sited(cell)}
    if w.scope == "area" and ctx.settings.warn_link_ring >= 0:
        for hex_id in _ring(w.area_keys, ctx.settings.warn_link_ring):
            nearby.update(ctx.cells_by_hex.get(hex_id, []))
    return serving + sorted(nearby - set(serving))


def _box(w: SurgeWarning, ring: int) -> AreaBox | None:
    if w.scope != "area":
        return None
    points = [p for h in _ring(w.area_keys, ring) for p in h3.cell_to_boundary(h)]
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return AreaBox(min(lats), min(lons), max(lats), max(lons))


def open_warning(scope: str, test: WindowTest, at: float, ctx: Context) -> SurgeWarning:
    start = ctx.index(scope).first(test.key, at - test.width_s, at) or at
    started = ts(start)
    if scope == "area":
        lat, lon = h3.cell_to_latlng(test.key)
    else:
        lat, lon = ctx.cell_pos.get(test.key, (None, None))
    return SurgeWarning(
        warning_id=SurgeWarning.make_id(scope, test.key, started),
        scope=scope,
        area_key=test.key,
        area_keys=[test.key],
        status="active",
        level="yellow",
        started_at=started,
        detected_at=ts(at),
        evaluated_at=ts(at),
        complaints=test.observed,
        window_complaints=test.observed,
        expected=test.expected,
        p_value=test.p_value,
        peak_ratio=test.ratio,
        lat=lat,
        lon=lon,
        history=[{"at": ts(at).isoformat(), "event": "opened", "level": "yellow"}],
    )


def combined(w: SurgeWarning, tests: dict[str, KeyTest], ctx: Context) -> WindowTest:
    """The detection window over all the warning's areas / cells."""
    parts = [tests[k] for k in w.area_keys if k in tests]
    n = max((len(t.windows) for t in parts), default=1)
    return combine([t.base for t in parts], w.area_key, ctx.params, n)


def _served_by(w: SurgeWarning, area: str, at: float, ctx: Context) -> float:
    """Share of the area's recent complaints served by the warning's linked cells."""
    recent = ctx.areas.members(area, at - ctx.longest_s, at)
    return sum(ctx.cell_ids[p] in w.cells for p in recent) / len(recent) if recent else 0.0


def join_target(
    scope: str,
    key: str,
    active: list[SurgeWarning],
    tests: dict[str, KeyTest],
    at: float,
    ctx: Context,
) -> SurgeWarning | None:
    """The active warning a new surge on ``key`` belongs to (see the module docstring); an
    area surge around a cell that already has a warning belongs to that warning."""
    for w in active:
        if scope == "area" and w.scope == "area":
            elevated = combined(w, tests, ctx).p_value <= ctx.settings.warn_alpha_clear
            if elevated and key in h3.grid_disk(w.area_key, 1):
                return w
        if scope == "area" and w.scope == "cell" and _served_by(w, key, at, ctx) >= 0.5:
            return w  # the cell warning already covers this area's surge
        if scope == "cell":
            linked = (
                w.cells
                if w.scope == "area"
                else [c for cell in w.area_keys for c in ctx.co_sited(cell)]
            )
            if key in linked:
                return w
    return None


def _evidence(conn: Conn, w: SurgeWarning, at: float, ctx: Context) -> Evidence:
    """Evidence since the surge began: new cells from the start, the others only since the
    previous evaluation (``ctx`` holds what was gathered so far)."""
    so_far = ctx.evidence.setdefault(w.warning_id, Evidence())
    queried = ctx.linked.setdefault(w.warning_id, set())
    lead = w.started_at - timedelta(minutes=ctx.settings.warn_evidence_lead_min)
    fresh = [c for c in w.cells if c not in queried]
    known = [c for c in w.cells if c in queried]
    for cells, start in ((fresh, lead), (known, w.evaluated_at)):
        if cells and start < ts(at):
            sites = sorted({ctx.cell_site[c] for c in cells if c in ctx.cell_site})
            so_far.merge(gather_evidence(conn, cells, sites, start, ts(at), ctx.settings))
    queried.update(w.cells)
    return so_far


def resume(w: SurgeWarning, ctx: Context) -> None:
    """A stored active warning: what its evidence covers already."""
    ctx.evidence[w.warning_id] = Evidence.from_json(w.evidence) if w.evidence else Evidence()
    ctx.linked[w.warning_id] = set(w.cells)


def update_warning(conn: Conn, w: SurgeWarning, test: WindowTest, at: float, ctx: Context) -> None:
    """Bring ``w`` up to ``at``; clear it when the surge and the degradation have both ended.

    The surge goes on while complaints keep coming faster than normal: a complaint in the
    detection window, and that window elevated (p ≤ ``warn_alpha_clear``)."""
    settings = ctx.settings
    start = w.started_at.timestamp()
    found = members(w, start, at, ctx)
    w.complaints = len(found)
    vip = ctx.index(w.scope, vip=True)
    w.vip_complaints = sum(vip.count(key, start, at) for key in w.area_keys)
    w.cells = _linked_cells(w, found, ctx)
    evidence = _evidence(conn, w, at, ctx)
    w.window_complaints, w.expected, w.p_value = test.observed, test.expected, test.p_value
    w.peak_ratio = max(w.peak_ratio, min(test.ratio, 1e9))
    w.evaluated_at = ts(at)
    w.evidence = evidence.as_json()
    w.degraded_cells = evidence.degraded_cells
    elevated = test.observed > 0 and test.p_value <= settings.warn_alpha_clear
    if not elevated and not evidence.active_at(ts(at), ts(at - ctx.params.interval_s)):
        w.status, w.cleared_at = "cleared", ts(at)
        w.history.append({"at": ts(at).isoformat(), "event": "cleared", "level": w.level})
        return  # the level stays what the surge reached
    lead = w.started_at - timedelta(minutes=settings.warn_evidence_lead_min)
    degraded = tuple(w.degraded_cells)
    if degraded not in ctx.users:
        ctx.users[degraded] = usual_users(conn, degraded, lead)
    w.affected_users = max(len({ctx.hashes[p] for p in found}), ctx.users[degraded])
    figures = WarningFigures(
        complaints=w.complaints,
        affected_users=w.affected_users,
        vip_complaints=w.vip_complaints,
        duration_h=(at - start) / 3600.0,
        rate_ratio=w.peak_ratio,
    )
    computed, reasons = level_for(figures, settings.thresholds())
    level = escalate(w.level, computed)
    if level != w.level:
        w.history.append({"at": ts(at).isoformat(), "event": "escalated", "level": level})
        w.level, w.level_reasons = level, reasons
    elif not w.level_reasons or computed == w.level:
        w.level_reasons = reasons


def attach_subscribers(conn: Conn, w: SurgeWarning, ctx: Context) -> None:
    found = members(w, w.started_at.timestamp(), w.evaluated_at.timestamp(), ctx)
    w.subscribers = likely_affected(
        conn,
        cells=w.degraded_cells or w.cells[:10],
        box=_box(w, max(ctx.settings.warn_link_ring, 0)) if not w.degraded_cells else None,
        start=w.started_at - timedelta(minutes=ctx.settings.warn_evidence_lead_min),
        end=w.evaluated_at,
        exclude_hashes=sorted({ctx.hashes[p] for p in found}),
        settings=ctx.settings,
    )
