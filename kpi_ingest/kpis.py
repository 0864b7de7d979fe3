"""The canonical per-cell KPIs of the contract, with the range a plausible value lies in.

CSV rows with a value outside its range are rejected; a formula result outside it is stored as
NULL (and reported), since it means the counters behind it are inconsistent.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kpi:
    name: str
    low: float
    high: float
    unit: str


CANONICAL_KPIS: tuple[Kpi, ...] = (
    Kpi("availability_pct", 0.0, 100.0, "%"),
    Kpi("rrc_setup_sr_pct", 0.0, 100.0, "%"),
    Kpi("erab_setup_sr_pct", 0.0, 100.0, "%"),
    Kpi("call_drop_rate_pct", 0.0, 100.0, "%"),
    Kpi("ho_sr_pct", 0.0, 100.0, "%"),
    Kpi("prb_util_dl_pct", 0.0, 100.0, "%"),
    Kpi("prb_util_ul_pct", 0.0, 100.0, "%"),
    Kpi("ul_interference_dbm", -160.0, 0.0, "dBm"),
    Kpi("avg_cqi", 0.0, 15.0, ""),
    Kpi("dl_user_thr_mbps", 0.0, 1.0e5, "Mbit/s"),
    Kpi("rrc_users_avg", 0.0, 1.0e6, "users"),
)
KPI_NAMES: tuple[str, ...] = tuple(k.name for k in CANONICAL_KPIS)
KPI_BY_NAME: dict[str, Kpi] = {k.name: k for k in CANONICAL_KPIS}
DEFAULT_PERIOD_S = 900


def out_of_range(kpi: Kpi, value: float) -> bool:
    """True for NaN, infinities and values outside the KPI's range."""
    return not kpi.low <= value <= kpi.high
