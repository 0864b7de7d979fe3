"""Hand-built diagnosis contexts for the pure check tests: healthy by default, with what a test
changes (KPIs, coverage, subscriber, alarms, areas). No database: the checks are pure rules over a
``Context``. (A module of helpers; pytest doesn't collect it.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from diagnostics.checks import run_checks
from diagnostics.evidence import (
    AlarmRow,
    Context,
    Coverage,
    Device,
    KpiStats,
    Registration,
    Subscriber,
)
from diagnostics.models import ComplaintRecord, Evidence
from diagnostics.places import AreaHit
from diagnostics.serving import Serving
from diagnostics.settings import DiagnosticsSettings

T = datetime(2026, 5, 3, 20, 0, tzinfo=UTC)
WINDOW = (T - timedelta(hours=2), T)
SETTINGS = DiagnosticsSettings()


def kpi(cell: str = "A-1", **values: Any) -> KpiStats:
    healthy: dict[str, Any] = {
        "hours_at": 2,
        "hours": 4,
        "availability_min": 100.0,
        "unavailable_hours": 0,
        "setup_avg": 99.5,
        "setup_min": 99.2,
        "setup_bad_hours": 0,
        "drop_avg": 0.4,
        "drop_max": 0.6,
        "drop_bad_hours": 0,
        "prb_busy": 45.0,
        "busy_hour": T - timedelta(hours=1),
        "prb_busy_hours": 0,
        "ul_max": -117.0,
        "ul_worst_hour": T - timedelta(hours=1),
        "ul_bad_hours": 0,
        "cqi_avg": 10.0,
        "cqi_bad_hours": 0,
        "users_at": 50.0,
        "users_before": 48.0,
        "thr_at": 25.0,
        "thr_min": 22.0,
        "thr_before": 26.0,
        "prb_before": 44.0,
    }
    healthy.update(values)
    return KpiStats(cell, **healthy)


def coverage(**values: Any) -> Coverage:
    good: dict[str, Any] = {
        "source": "mr_grid",
        "samples": 300,
        "grids": 19,
        "weak_share": 0.02,
        "rsrp_p10": -98.0,
        "rsrp_p50": -88.0,
        "rsrp_p90": -80.0,
        "sinr_mean": 12.0,
        "poor_sinr_share": 0.03,
        "good_rsrp_poor_sinr_share": 0.02,
        "window": (T - timedelta(days=7), T),
    }
    good.update(values)
    return Coverage(**good)


def subscriber(
    *,
    sim: str = "4g",
    lte: bool = True,
    nr: bool = False,
    volte: bool = True,
    bands: tuple[str, ...] = ("B3", "B1"),
    issue: str | None = None,
    home: str = "460-00",
) -> Subscriber:
    return Subscriber(
        "86000001", sim, home, False, Device("Acme", "A1", lte, nr, volte, bands, issue)
    )


def context(symptom: str = "slow_data", **changes: Any) -> Context:
    """A healthy context: a served place, healthy KPIs and MR, a 4G VoLTE phone, registered."""
    complaint_changes = {
        k: changes.pop(k) for k in list(changes) if k in ComplaintRecord.__dataclass_fields__
    }
    fields: dict[str, Any] = {"lat": 31.23, "lon": 121.47, "reported_at": T, **complaint_changes}
    complaint = ComplaintRecord(
        complaint_id="C1",
        external_id="E1",
        msisdn_hash="h",
        msisdn_masked="138****8000",
        symptom=symptom,
        **fields,
    )
    serving = Serving(
        cells=["A-1", "A-2"],
        neighbours=["B-1", "C-1"],
        sites=["A"],
        location=(31.23, 121.47),
        nearest_site_m=200.0,
        local_isd_m=500.0,
        in_main_lobe=True,
        off_axis_deg=10.0,
        technologies=("LTE",),
        bands=("B3",),
        network_technologies=("LTE",),
    )
    ctx = Context(
        complaint=complaint,
        window=WINDOW,
        serving=serving,
        network_technologies=("LTE",),
        kpi_window=WINDOW,
        site_of={"A-1": "A", "A-2": "A", "B-1": "B", "C-1": "C"},
        kpis={"A-1": kpi("A-1"), "A-2": kpi("A-2")},
        coverage=coverage(),
        mr_available=True,
        subscriber=subscriber(),
        registration=Registration(
            T - timedelta(hours=3), "registered", "460-00", None, False, True
        ),
        registration_window=(T - timedelta(days=7), T + timedelta(hours=1)),
        cell_weight={"A-1": 1.0, "A-2": 1.0},
    )
    for key, value in changes.items():
        setattr(ctx, key, value)
    return ctx


def find(evidence: list[Evidence], check: str) -> Evidence:
    matches = [e for e in evidence if e.check == check]
    assert matches, f"no {check} in {[e.check for e in evidence]}"
    return matches[0]


def alarm(
    kind: str,
    obj: str = "A",
    *,
    role: str = "serving",
    cleared: datetime | None = None,
    raised: datetime = T - timedelta(hours=3),
    severity: str = "critical",
    text: str | None = None,
) -> AlarmRow:
    return AlarmRow(role, f"ALM-{kind}-{obj}", obj, kind, severity, raised, cleared, text)


def area(
    kind: str,
    distance: float = 0.0,
    name: str = "Area 1",
    planned: date | None = None,
    note: str = "note",
) -> AreaHit:
    return AreaHit(1, kind, name, note, planned, distance)


Case = tuple[str, str, Callable[[], Context], str]


def assert_check(cause: str, check: str, build: Callable[[], Context], finding: str) -> None:
    """One check of a built context has this cause and finding, and scores as a finding should."""
    evidence = run_checks(build(), SETTINGS)
    item = find(evidence, check)
    assert item.cause == cause
    assert item.finding == finding, item.detail
    if finding == "unknown":
        assert item.support == 0.0 and item.detail  # missing data is said, and scores nothing
    if finding == "abnormal" and check not in ("neighbours_affected", "other_users_affected"):
        assert item.support > 0  # a breach supports its cause …
    if check in ("neighbours_affected", "other_users_affected") and finding == "abnormal":
        assert item.support < 0  # … except "others are affected", which argues against terminal/SIM
