"""KPI states for hotspots and the map: which KPIs, which way is bad, and the thresholds.

Thresholds are the diagnostics settings (``diagnostics.settings``), so "abnormal" here means what
it means in a diagnosis. A cell's value for a period is the mean of its KPI, except the 95th
percentile of PRB use (the busy hours) and the 5th percentile of user throughput (the worst).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from psycopg import sql

from diagnostics.settings import DiagnosticsSettings, get_diag_settings

State = Literal["ok", "bad", "unknown"]


@dataclass(frozen=True)
class KpiSpec:
    name: str
    label: str
    unit: str
    high_is_bad: bool
    threshold_setting: str  # field of DiagnosticsSettings
    aggregate: str = "avg({})"  # SQL over the period; {} is the column

    def expression(self) -> sql.Composable:
        """``aggregate(column) AS name`` for a SELECT list."""
        return sql.SQL(self.aggregate + " AS {}").format(
            sql.Identifier(self.name), sql.Identifier(self.name)
        )

    def threshold(self, settings: DiagnosticsSettings) -> float:
        return float(getattr(settings, self.threshold_setting))

    def state(self, value: float | None, settings: DiagnosticsSettings) -> State:
        if value is None:
            return "unknown"
        limit = self.threshold(settings)
        return "bad" if (value > limit if self.high_is_bad else value < limit) else "ok"

    def badness(self, value: float, settings: DiagnosticsSettings) -> float:
        """How far past (positive) or inside (negative) the threshold, relative to it."""
        limit = self.threshold(settings)
        scale = max(abs(limit), 1.0)
        return (value - limit) / scale if self.high_is_bad else (limit - value) / scale


_P95 = "percentile_cont(0.95) WITHIN GROUP (ORDER BY {})"
_P5 = "percentile_cont(0.05) WITHIN GROUP (ORDER BY {})"
KPIS: dict[str, KpiSpec] = {
    spec.name: spec
    for spec in (
        KpiSpec("availability_pct", "availability", "%", False, "availability_pct"),
        KpiSpec("rrc_setup_sr_pct", "RRC setup success", "%", False, "setup_sr_pct"),
        KpiSpec("erab_setup_sr_pct", "E-RAB setup success", "%", False, "setup_sr_pct"),
        KpiSpec("call_drop_rate_pct", "call drop rate", "%", True, "drop_rate_pct"),
        KpiSpec("prb_util_dl_pct", "DL PRB use (p95)", "%", True, "prb_busy_pct", _P95),
        KpiSpec("ul_interference_dbm", "UL interference", "dBm", True, "ul_interference_dbm"),
        KpiSpec("avg_cqi", "average CQI", "", False, "poor_cqi"),
        KpiSpec(
            "dl_user_thr_mbps", "DL user throughput (p5)", "Mbit/s", False, "low_throughput_mbps"
        ),
    )
}
DEFAULT_MAP_KPI = "availability_pct"


def summary_query(names: list[str] | None = None, *, by_cells: bool = True) -> sql.Composed:
    """Per-cell KPI values over ``%(start)s``–``%(end)s`` for ``cell_id = ANY(%(cells)s)``
    (or, ``by_cells=False``, for the cells inside ``%(min_lat)s``… bbox)."""
    specs = [KPIS[n] for n in (names or list(KPIS))]
    where = (
        sql.SQL("k.cell_id = ANY(%(cells)s)")
        if by_cells
        else sql.SQL(
            "k.cell_id IN (SELECT cell_id FROM cells WHERE lat BETWEEN %(min_lat)s AND "
            "%(max_lat)s AND lon BETWEEN %(min_lon)s AND %(max_lon)s)"
        )
    )
    return sql.SQL(
        "SELECT k.cell_id, {} FROM kpis k WHERE {} AND k.ts >= %(start)s AND k.ts < %(end)s "
        "GROUP BY k.cell_id"
    ).format(sql.SQL(", ").join(s.expression() for s in specs), where)


def cell_states(
    summary: Mapping[str, float | None], settings: DiagnosticsSettings | None = None
) -> dict[str, State]:
    """State of every KPI of one cell summary (missing KPIs are ``unknown``)."""
    settings = settings or get_diag_settings()
    return {name: spec.state(summary.get(name), settings) for name, spec in KPIS.items()}


def worst_kpis(
    summaries: Mapping[str, Mapping[str, float | None]],
    settings: DiagnosticsSettings | None = None,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """For each KPI, its worst cell among ``summaries`` ({cell_id: summary}); abnormal first."""
    settings = settings or get_diag_settings()
    found: list[tuple[float, dict[str, Any]]] = []
    for name, spec in KPIS.items():
        values = [(cell, s[name]) for cell, s in summaries.items() if s.get(name) is not None]
        if not values:
            continue
        cell, value = max(values, key=lambda cv: spec.badness(float(cv[1] or 0.0), settings))
        assert value is not None
        badness = spec.badness(float(value), settings)
        found.append(
            (
                badness,
                {
                    "kpi": name,
                    "label": spec.label,
                    "cell_id": cell,
                    "value": round(float(value), 3),
                    "threshold": spec.threshold(settings),
                    "unit": spec.unit,
                    "state": spec.state(float(value), settings),
                },
            )
        )
    found.sort(key=lambda item: -item[0])
    return [entry for _, entry in found[:limit]]
