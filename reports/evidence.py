"""Network evidence and likely-affected subscribers for a surge (set-based SQL, one call each).

* KPI degradations: every KPI period on the linked cells in the window that breaches a
  configured threshold, grouped per cell and KPI (worst value, first and last period);
  ``Evidence.merge`` folds the queries of successive evaluations together.
* Alarms on the linked cells or their sites overlapping the window.
* Affected users: the usual RRC-connected users (``rrc_users_avg`` over the week before the
  surge) of the degraded cells (the caller takes at least the number of complainants).
* Subscribers likely affected: registrations carry no location in our schema, so a
  subscriber's whereabouts come from their complaint history: those who complained in the
  last ``warn_subscriber_history_days`` from the degraded (else linked) cells, or from within
  the area when no cell is known, minus those who already complained in this surge, ranked by
  a registration anomaly in the window (not registered / rejected / detached), VIP, then
  recency. Only masked numbers leave here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from reports.settings import WarningSettings
from storage.db import Conn, dict_cursor

KPI_BREACHES_SQL = """
SELECT k.cell_id, v.kpi, v.low AS bad_when_low, v.thr AS threshold,
       CASE WHEN v.low THEN min(v.val) ELSE max(v.val) END AS worst,
       min(k.ts) AS first_ts, max(k.ts + make_interval(secs => k.period_s)) AS last_end,
       count(*) AS periods
FROM kpis k
CROSS JOIN LATERAL (VALUES
    ('availability_pct', k.availability_pct, %(availability)s::float8, true),
    ('rrc_setup_sr_pct', k.rrc_setup_sr_pct, %(rrc)s::float8, true),
    ('erab_setup_sr_pct', k.erab_setup_sr_pct, %(erab)s::float8, true),
    ('call_drop_rate_pct', k.call_drop_rate_pct, %(drop)s::float8, false),
    ('ho_sr_pct', k.ho_sr_pct, %(ho)s::float8, true),
    ('ul_interference_dbm', k.ul_interference_dbm, %(ul_int)s::float8, false),
    ('prb_util_dl_pct', k.prb_util_dl_pct, %(prb)s::float8, false)
) AS v(kpi, val, thr, low)
WHERE k.cell_id = ANY(%(cells)s) AND k.ts >= %(start)s AND k.ts < %(end)s
  AND v.val IS NOT NULL AND CASE WHEN v.low THEN v.val < v.thr ELSE v.val > v.thr END
GROUP BY k.cell_id, v.kpi, v.low, v.thr
ORDER BY k.cell_id, v.kpi
"""

ALARMS_SQL = """
SELECT a.alarm_id, a.object_id, a.alarm_type, a.severity, a.raised_at, a.cleared_at, a.text,
       array_agg(DISTINCT c.cell_id ORDER BY c.cell_id)
           FILTER (WHERE c.cell_id IS NOT NULL) AS cells
FROM alarms a
LEFT JOIN cells c ON c.cell_id = ANY(%(cells)s)
                 AND (c.cell_id = a.object_id OR c.site_id = a.object_id)
WHERE (a.object_id = ANY(%(cells)s) OR a.object_id = ANY(%(sites)s))
  AND a.raised_at < %(end)s AND (a.cleared_at IS NULL OR a.cleared_at > %(start)s)
GROUP BY a.alarm_id
ORDER BY a.raised_at, a.alarm_id
"""

USUAL_USERS_SQL = """
SELECT coalesce(sum(u), 0)::float8 FROM (
    SELECT avg(rrc_users_avg) AS u FROM kpis
    WHERE cell_id = ANY(%(cells)s) AND ts >= %(since)s AND ts < %(until)s
    GROUP BY cell_id
) per_cell
"""

SUBSCRIBERS_SQL = """
WITH seen AS (
    SELECT c.msisdn_hash, max(c.msisdn_masked) AS masked, max(c.reported_at) AS last_complaint,
           (array_agg(coalesce(d.serving_cells[1], c.cell_id) ORDER BY c.reported_at DESC))[1]
               AS cell_id
    FROM complaints c
    LEFT JOIN diagnoses d ON d.complaint_id = c.complaint_id
    WHERE c.reported_at >= %(history)s AND c.reported_at < %(end)s
      AND (coalesce(d.serving_cells[1], c.cell_id) = ANY(%(cells)s)
           OR (%(has_box)s AND c.lat BETWEEN %(min_lat)s AND %(max_lat)s
                           AND c.lon BETWEEN %(min_lon)s AND %(max_lon)s))
    GROUP BY c.msisdn_hash
)
SELECT s.masked, coalesce(p.vip, false) AS vip, s.cell_id, s.last_complaint,
       r.status AS registration_status, r.observed_at AS registration_at
FROM seen s
LEFT JOIN subscribers p ON p.msisdn_hash = s.msisdn_hash
LEFT JOIN LATERAL (
    SELECT g.status, g.observed_at FROM registrations g
    WHERE g.msisdn_hash = s.msisdn_hash AND g.observed_at >= %(start)s AND g.observed_at < %(end)s
      AND g.status <> 'registered'
    ORDER BY g.observed_at DESC LIMIT 1
) r ON true
WHERE NOT (s.msisdn_hash = ANY(%(exclude)s))
ORDER BY (r.status IS NOT NULL) DESC, coalesce(p.vip, false) DESC, s.last_complaint DESC, s.masked
LIMIT %(limit)s
"""


@dataclass
class Evidence:
    kpis: list[dict[str, Any]] = field(default_factory=list)
    alarms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def degraded_cells(self) -> list[str]:
        cells = {str(k["cell_id"]) for k in self.kpis}
        for alarm in self.alarms:
            cells.update(alarm.get("cells") or [])
        return sorted(cells)

    def active_at(self, at: datetime, recent_from: datetime) -> bool:
        """A linked degradation still going on at ``at`` (alarm open, or a KPI breach since
        ``recent_from``)."""
        for alarm in self.alarms:
            cleared = alarm["cleared_at"]
            if alarm["raised_at"] <= at and (cleared is None or cleared > at):
                return True
        return any(k["last_end"] > recent_from for k in self.kpis)

    def merge(self, newer: Evidence) -> None:
        """Fold a later query in: per cell and KPI the worst value, the first and last period,
        the periods added up (queries cover disjoint windows); alarms by id, latest state."""
        kpis = {(k["cell_id"], k["kpi"]): k for k in self.kpis}
        for k in newer.kpis:
            old = kpis.get((k["cell_id"], k["kpi"]))
            if old is None:
                kpis[(k["cell_id"], k["kpi"])] = dict(k)
                continue
            pick = min if old["bad_when_low"] else max
            old["worst"] = pick(old["worst"], k["worst"])
            old["first_ts"] = min(old["first_ts"], k["first_ts"])
            old["last_end"] = max(old["last_end"], k["last_end"])
            old["periods"] = int(old["periods"]) + int(k["periods"])
        self.kpis = sorted(kpis.values(), key=lambda k: (k["cell_id"], k["kpi"]))
        alarms = {a["alarm_id"]: a for a in self.alarms}
        alarms.update({a["alarm_id"]: dict(a) for a in newer.alarms})
        self.alarms = sorted(alarms.values(), key=lambda a: (a["raised_at"], a["alarm_id"]))

    def as_json(self) -> dict[str, Any]:
        return {
            "kpis": [
                {
                    "cell_id": k["cell_id"],
                    "kpi": k["kpi"],
                    "worst": k["worst"],
                    "threshold": k["threshold"],
                    "direction": "below" if k["bad_when_low"] else "above",
                    "periods": k["periods"],
                    "window": [_iso(k["first_ts"]), _iso(k["last_end"])],
                }
                for k in self.kpis
            ],
            "alarms": [{key: _iso(value) for key, value in a.items()} for a in self.alarms],
        }

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Evidence:
        """Back from ``as_json`` (a stored warning's evidence)."""
        kpis = [
            {
                "cell_id": k["cell_id"],
                "kpi": k["kpi"],
                "worst": k["worst"],
                "threshold": k["threshold"],
                "bad_when_low": k["direction"] == "below",
                "periods": k["periods"],
                "first_ts": _dt(k["window"][0]),
                "last_end": _dt(k["window"][1]),
            }
            for k in body.get("kpis", [])
        ]
        alarms = [
            {**a, "raised_at": _dt(a["raised_at"]), "cleared_at": _dt(a.get("cleared_at"))}
            for a in body.get("alarms", [])
        ]
        return cls(kpis=kpis, alarms=alarms)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _dt(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def gather_evidence(
    conn: Conn,
    cells: Sequence[str],
    sites: Sequence[str],
    start: datetime,
    end: datetime,
    settings: WarningSettings,
) -> Evidence:
    if not cells:
        return Evidence()
    params: dict[str, Any] = {
        "cells": list(cells),
        "sites": list(sites),
        "start": start,
        "end": end,
        "availability": settings.warn_kpi_availability_min_pct,
        "rrc": settings.warn_kpi_rrc_setup_sr_min_pct,
        "erab": settings.warn_kpi_erab_setup_sr_min_pct,
        "drop": settings.warn_kpi_call_drop_max_pct,
        "ho": settings.warn_kpi_ho_sr_min_pct,
        "ul_int": settings.warn_kpi_ul_interference_max_dbm,
        "prb": settings.warn_kpi_prb_util_dl_max_pct,
    }
    with dict_cursor(conn) as cur:
        kpis = cur.execute(KPI_BREACHES_SQL, params).fetchall()
        alarms = cur.execute(ALARMS_SQL, params).fetchall()
    for alarm in alarms:
        alarm["cells"] = list(alarm["cells"] or [])
    return Evidence(kpis=list(kpis), alarms=list(alarms))


def usual_users(conn: Conn, cells: Sequence[str], before: datetime) -> int:
    """RRC-connected users the cells usually carry (mean over the week before ``before``)."""
    if not cells:
        return 0
    row = conn.execute(
        USUAL_USERS_SQL,
        {"cells": list(cells), "since": before - timedelta(days=7), "until": before},
    ).fetchone()
    return round(row[0]) if row and row[0] is not None else 0


@dataclass(frozen=True)
class AreaBox:
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float


def likely_affected(
    conn: Conn,
    *,
    cells: Sequence[str],
    box: AreaBox | None,
    start: datetime,
    end: datetime,
    exclude_hashes: Sequence[str],
    settings: WarningSettings,
) -> list[dict[str, Any]]:
    """Masked subscribers to contact before they call (see the module docstring)."""
    if settings.warn_max_subscribers == 0 or (not cells and box is None):
        return []
    params: dict[str, Any] = {
        "history": end - timedelta(days=settings.warn_subscriber_history_days),
        "start": start,
        "end": end,
        "cells": list(cells),
        "has_box": box is not None,
        "min_lat": box.min_lat if box else 0.0,
        "max_lat": box.max_lat if box else 0.0,
        "min_lon": box.min_lon if box else 0.0,
        "max_lon": box.max_lon if box else 0.0,
        "exclude": list(exclude_hashes),
        "limit": settings.warn_max_subscribers,
    }
    with dict_cursor(conn) as cur:
        rows = cur.execute(SUBSCRIBERS_SQL, params).fetchall()
    out: list[dict[str, Any]] = []
    for row in rows:
        reason = (
            f"complained from {row['cell_id'] or 'this area'} on {row['last_complaint']:%Y-%m-%d}"
        )
        if row["registration_status"]:
            reason = (
                f"{row['registration_status']} at {row['registration_at']:%Y-%m-%d %H:%M}; "
                + reason
            )
        out.append(
            {
                "msisdn": row["masked"],
                "vip": row["vip"],
                "cell_id": row["cell_id"],
                "last_complaint": row["last_complaint"].isoformat(),
                "registration": row["registration_status"],
                "reason": reason,
            }
        )
    return out
