"""The warning as the API and the CLI show it (pydantic v2; MSISDNs only masked)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

import h3
from pydantic import BaseModel, Field

from reports.warning_store import SurgeWarning

Level = Literal["yellow", "orange", "red", "black"]


class Area(BaseModel):
    kind: Literal["h3", "cell"] = Field(description="h3 hexagons, or a cell (and co-sited cells)")
    id: str = Field(description="the h3 cell or cell_id where the surge was first detected")
    ids: list[str] = Field(description="every h3 cell / cell the surge spans")
    lat: float | None
    lon: float | None
    geometry: dict[str, Any] | None = Field(
        default=None, description="GeoJSON (Multi)Polygon of the hexagons (kind h3)"
    )


class Window(BaseModel):
    complaints: int = Field(description="complaints in the latest detection window")
    expected: float = Field(description="seasonal baseline for that window")
    ratio: float = Field(description="observed / expected (capped at 1e9)")
    p_value: float = Field(description="negative-binomial tail probability of the count")
    peak_ratio: float = Field(description="highest observed / expected so far")


class KpiBreach(BaseModel):
    cell_id: str
    kpi: str
    worst: float
    threshold: float
    direction: Literal["below", "above"]
    periods: int
    window: list[str | None]


class Alarm(BaseModel):
    alarm_id: str
    object_id: str
    alarm_type: str
    severity: str
    raised_at: str
    cleared_at: str | None
    text: str | None = None
    cells: list[str] = Field(default_factory=list)


class Evidence(BaseModel):
    kpis: list[KpiBreach] = Field(default_factory=list)
    alarms: list[Alarm] = Field(default_factory=list)


class Subscriber(BaseModel):
    msisdn: str = Field(description="masked, e.g. 138****8000")
    vip: bool
    cell_id: str | None
    last_complaint: str
    registration: str | None = Field(description="registration anomaly in the window, if any")
    reason: str


class HistoryEntry(BaseModel):
    at: str
    event: Literal["opened", "escalated", "cleared"]
    level: Level


class WarningOut(BaseModel):
    warning_id: str
    level: Level
    level_reasons: list[str]
    status: Literal["active", "cleared"]
    scope: Literal["area", "cell"]
    area: Area
    cells: list[str] = Field(description="linked cells, those with the surge's complaints first")
    degraded_cells: list[str] = Field(description="linked cells with KPI breaches or alarms")
    started_at: datetime = Field(description="first complaint of the surge")
    detected_at: datetime
    updated_at: datetime = Field(description="latest evaluation (data time)")
    cleared_at: datetime | None
    complaints: int = Field(description="complaints so far")
    vip_complaints: int
    affected_users: int = Field(description="estimated: usual RRC users of the degraded cells")
    window: Window
    evidence: Evidence
    subscribers: list[Subscriber] = Field(description="likely affected, for proactive contact")
    history: list[HistoryEntry]


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 1e9


def _geometry(hexes: list[str]) -> dict[str, Any] | None:
    if not hexes:
        return None
    polygons = []
    for hex_id in hexes:
        ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(hex_id)]
        polygons.append([[*ring, ring[0]]])
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def warning_out(w: SurgeWarning) -> WarningOut:
    keys = w.area_keys or [w.area_key]
    expected = w.expected
    ratio = w.window_complaints / expected if expected > 0 else 1e9
    return WarningOut(
        warning_id=w.warning_id,
        level=w.level,  # type: ignore[arg-type]  # checked by the table's CHECK constraint
        level_reasons=w.level_reasons,
        status=w.status,  # type: ignore[arg-type]
        scope=w.scope,  # type: ignore[arg-type]
        area=Area(
            kind="h3" if w.scope == "area" else "cell",
            id=w.area_key,
            ids=keys,
            lat=w.lat,
            lon=w.lon,
            geometry=_geometry(keys) if w.scope == "area" else None,
        ),
        cells=w.cells,
        degraded_cells=w.degraded_cells,
        started_at=w.started_at,
        detected_at=w.detected_at,
        updated_at=w.evaluated_at,
        cleared_at=w.cleared_at,
        complaints=w.complaints,
        vip_complaints=w.vip_complaints,
        affected_users=w.affected_users,
        window=Window(
            complaints=w.window_complaints,
            expected=expected,
            ratio=_finite(min(ratio, 1e9)),
            p_value=w.p_value,
            peak_ratio=_finite(min(w.peak_ratio, 1e9)),
        ),
        evidence=Evidence.model_validate(w.evidence or {}),
        subscribers=[Subscriber.model_validate(s) for s in w.subscribers],
        history=[HistoryEntry.model_validate(h) for h in w.history],
    )
