"""Each check of every cause: normal, abnormal and unknown (missing data), on hand-built contexts.

The checks are pure rules over a gathered ``Context``; these tests build contexts directly, so
every threshold is exercised without a database (the end-to-end tests go through the CLI).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest

from diagnostics.checks import run_checks
from diagnostics.evidence import (
    Context,
    OtherComplaint,
)
from diagnostics.places import AreaHit
from diagnostics.settings import DiagnosticsSettings
from tests.diag_contexts import (
    SETTINGS,
    Case,
    T,
    alarm,
    area,
    assert_check,
    context,
    coverage,
    find,
    kpi,
)

CASES: list[Case] = [
    # --- weak coverage ---
    ("weak_coverage", "mr_weak_share", lambda: context(), "normal"),
    (
        "weak_coverage",
        "mr_weak_share",
        lambda: context(coverage=coverage(weak_share=0.4, rsrp_p50=-112.0)),
        "abnormal",
    ),
    (
        "weak_coverage",
        "mr_weak_share",
        lambda: context(coverage=None, mr_available=False),
        "unknown",
    ),
    ("weak_coverage", "mr_weak_share", lambda: context(coverage=coverage(samples=3)), "unknown"),
    ("weak_coverage", "mr_rsrp_median", lambda: context(), "normal"),
    (
        "weak_coverage",
        "mr_rsrp_median",
        lambda: context(coverage=coverage(rsrp_p50=-117.0)),
        "abnormal",
    ),
    (
        "weak_coverage",
        "mr_rsrp_median",
        lambda: context(lat=None, lon=None, cell_id="A-1", coverage=None),
        "unknown",
    ),
    ("weak_coverage", "indoor_penetration", lambda: context(indoor=True), "normal"),
    (
        "weak_coverage",
        "indoor_penetration",
        lambda: context(floor=-1, coverage=coverage(rsrp_p50=-92.0)),
        "abnormal",
    ),
    ("weak_coverage", "indoor_penetration", lambda: context(indoor=True, coverage=None), "unknown"),
    ("weak_coverage", "site_distance", lambda: context(), "normal"),
    (
        "weak_coverage",
        "site_distance",
        lambda: context(serving=replace(context().serving, nearest_site_m=600.0)),
        "abnormal",
    ),
    (
        "weak_coverage",
        "site_distance",
        lambda: context(lat=None, lon=None, cell_id="A-1"),
        "unknown",
    ),
    ("weak_coverage", "sector_main_lobe", lambda: context(), "normal"),
    (
        "weak_coverage",
        "sector_main_lobe",
        lambda: context(serving=replace(context().serving, in_main_lobe=False, off_axis_deg=80.0)),
        "abnormal",
    ),
    ("weak_coverage", "known_weak_area", lambda: context(), "normal"),
    ("weak_coverage", "known_weak_area", lambda: context(areas=[area("blind_spot")]), "abnormal"),
    (
        "weak_coverage",
        "known_weak_area",
        lambda: context(lat=None, lon=None, cell_id="A-1"),
        "unknown",
    ),
    ("weak_coverage", "planned_site", lambda: context(), "normal"),
    (
        "weak_coverage",
        "planned_site",
        lambda: context(areas=[area("planned_site", planned=date(2026, 9, 1))]),
        "abnormal",
    ),
    # --- interference ---
    ("interference", "ul_interference", lambda: context(), "normal"),
    (
        "interference",
        "ul_interference",
        lambda: context(kpis={"A-1": kpi(ul_max=-98.0, ul_bad_hours=2)}),
        "abnormal",
    ),
    ("interference", "ul_interference", lambda: context(kpis={}), "unknown"),
    ("interference", "dl_sinr_good_rsrp", lambda: context(), "normal"),
    (
        "interference",
        "dl_sinr_good_rsrp",
        lambda: context(coverage=coverage(good_rsrp_poor_sinr_share=0.5)),
        "abnormal",
    ),
    ("interference", "dl_sinr_good_rsrp", lambda: context(coverage=None), "unknown"),
    ("interference", "cqi", lambda: context(), "normal"),
    (
        "interference",
        "cqi",
        lambda: context(kpis={"A-1": kpi(cqi_avg=5.0, cqi_bad_hours=2)}),
        "abnormal",
    ),
    ("interference", "cqi", lambda: context(kpis={"A-1": kpi(cqi_avg=None)}), "unknown"),
    ("interference", "interference_source_area", lambda: context(), "normal"),
    (
        "interference",
        "interference_source_area",
        lambda: context(areas=[area("interference_source")]),
        "abnormal",
    ),
    ("interference", "interference_alarm", lambda: context(), "normal"),
    ("interference", "interference_alarm", lambda: context(alarm_feed=False), "unknown"),
    (
        "interference",
        "interference_alarm",
        lambda: context(alarms=[alarm("interference", "A-1")]),
        "abnormal",
    ),
    ("interference", "high_floor", lambda: context(floor=25), "abnormal"),
    # --- congestion ---
    ("congestion", "prb_busy_hour", lambda: context(), "normal"),
    (
        "congestion",
        "prb_busy_hour",
        lambda: context(kpis={"A-1": kpi(prb_busy=95.0, prb_busy_hours=2)}),
        "abnormal",
    ),
    ("congestion", "prb_busy_hour", lambda: context(kpis={}), "unknown"),
    ("congestion", "traffic_surge", lambda: context(), "normal"),
    (
        "congestion",
        "traffic_surge",
        lambda: context(kpis={"A-1": kpi(users_at=150.0, users_before=40.0)}),
        "abnormal",
    ),
    (
        "congestion",
        "traffic_surge",
        lambda: context(kpis={"A-1": kpi(users_before=None)}),
        "unknown",
    ),
    ("congestion", "user_throughput", lambda: context(), "normal"),
    (
        "congestion",
        "user_throughput",
        lambda: context(kpis={"A-1": kpi(thr_min=2.0, thr_at=3.0)}),
        "abnormal",
    ),
    (
        "congestion",
        "user_throughput",
        lambda: context(kpis={"A-1": kpi(thr_at=8.0, thr_before=30.0)}),
        "abnormal",
    ),
    (
        "congestion",
        "user_throughput",
        lambda: context(kpis={"A-1": kpi(thr_min=None, thr_at=None)}),
        "unknown",
    ),
    ("congestion", "setup_success", lambda: context(), "normal"),
    (
        "congestion",
        "setup_success",
        lambda: context(kpis={"A-1": kpi(setup_avg=94.0, setup_bad_hours=2)}),
        "abnormal",
    ),
    ("congestion", "setup_success", lambda: context(kpis={}), "unknown"),
    ("congestion", "call_drop_rate", lambda: context(), "normal"),
    (
        "congestion",
        "call_drop_rate",
        lambda: context(kpis={"A-1": kpi(drop_avg=4.0, drop_bad_hours=2)}),
        "abnormal",
    ),
    ("congestion", "call_drop_rate", lambda: context(kpis={}), "unknown"),
    ("congestion", "event_venue", lambda: context(areas=[area("event_venue")]), "abnormal"),
    # --- outage ---
    ("outage", "outage_alarms", lambda: context(), "normal"),
    ("outage", "outage_alarms", lambda: context(alarm_feed=False), "unknown"),
    ("outage", "outage_alarms", lambda: context(alarms=[alarm("site_down")]), "abnormal"),
    (
        "outage",
        "outage_alarms",  # cleared before the problem: not at the time
        lambda: context(
            alarms=[
                alarm("site_down", raised=T - timedelta(hours=9), cleared=T - timedelta(hours=6))
            ]
        ),
        "normal",
    ),
    (
        "outage",
        "outage_alarms",
        lambda: context(serving=replace(context().serving, cells=[], sites=[])),
        "unknown",
    ),
    ("outage", "availability", lambda: context(), "normal"),
    (
        "outage",
        "availability",
        lambda: context(kpis={"A-1": kpi(availability_min=0.0, unavailable_hours=2)}),
        "abnormal",
    ),
    ("outage", "availability", lambda: context(kpis={}), "unknown"),
    ("outage", "neighbour_outage", lambda: context(), "normal"),
    ("outage", "neighbour_outage", lambda: context(alarm_feed=False), "unknown"),
    (
        "outage",
        "neighbour_outage",
        lambda: context(alarms=[alarm("power", "B", role="neighbour")]),
        "abnormal",
    ),
    (
        "outage",
        "neighbour_outage",
        lambda: context(serving=replace(context().serving, neighbours=[])),
        "unknown",
    ),
    ("outage", "nearby_complaints", lambda: context(), "normal"),
    (
        "outage",
        "nearby_complaints",
        lambda: context(
            nearby=[
                OtherComplaint(f"X{k}", T, 31.23, 121.47, None, "no_signal", 50.0) for k in range(4)
            ]
        ),
        "abnormal",
    ),
    (
        "outage",
        "nearby_complaints",
        lambda: context(serving=replace(context().serving, location=None)),
        "unknown",
    ),
]


@pytest.mark.parametrize(
    ("cause", "check", "build", "finding"),
    CASES,
    ids=[f"{c[1]}-{c[3]}-{k}" for k, c in enumerate(CASES)],
)
def test_check(cause: str, check: str, build: Callable[[], Context], finding: str) -> None:
    assert_check(cause, check, build, finding)


def test_every_check_has_value_threshold_and_detail_when_measured() -> None:
    ctx = context(kpis={"A-1": kpi(prb_busy=95.0, prb_busy_hours=2, ul_max=-98.0, ul_bad_hours=2)})
    for item in run_checks(ctx, SETTINGS):
        assert item.detail, item.check
        if item.check in (
            "prb_busy_hour",
            "ul_interference",
            "availability",
            "mr_weak_share",
            "cqi",
        ):
            assert item.value is not None and item.threshold is not None and item.unit
            assert item.window is not None


def test_thresholds_come_from_settings() -> None:
    ctx = context(kpis={"A-1": kpi(prb_busy=65.0, prb_busy_hours=2)})
    assert find(run_checks(ctx, SETTINGS), "prb_busy_hour").finding == "normal"
    stricter = DiagnosticsSettings(prb_busy_pct=60.0, prb_elevated_pct=55.0)
    item = find(run_checks(ctx, stricter), "prb_busy_hour")
    assert item.finding == "abnormal" and item.threshold == 60.0


def test_secondary_cells_count_less_than_the_dominant_one() -> None:
    busy = {"A-1": kpi("A-1"), "B-1": kpi("B-1", prb_busy=97.0, prb_busy_hours=2)}
    dominant = context(kpis=busy, cell_weight={"A-1": 0.3, "B-1": 1.0})
    secondary = context(kpis=busy, cell_weight={"A-1": 1.0, "B-1": 0.3})
    strong = find(run_checks(dominant, SETTINGS), "prb_busy_hour").support
    weak = find(run_checks(secondary, SETTINGS), "prb_busy_hour").support
    assert strong > weak > 0


def test_a_breach_in_a_few_hours_of_a_long_problem_counts_less() -> None:
    short = context(kpis={"A-1": kpi(prb_busy=95.0, prb_busy_hours=2, hours_at=2)})
    long = context(kpis={"A-1": kpi(prb_busy=95.0, prb_busy_hours=2, hours_at=12)})
    assert (
        find(run_checks(short, SETTINGS), "prb_busy_hour").support
        > find(run_checks(long, SETTINGS), "prb_busy_hour").support
    )


def test_event_venue_during_and_outside_the_event() -> None:
    note = f"event {(T - timedelta(hours=1)).isoformat()} - {(T + timedelta(hours=3)).isoformat()}"
    during = context(areas=[AreaHit(1, "event_venue", "Stadium B", note, None, 0.0)])
    item = find(run_checks(during, SETTINGS), "event_venue")
    assert item.finding == "abnormal" and item.support == SETTINGS.score_weight_medium
    later = note.replace(T.strftime("%Y-%m-%d"), (T + timedelta(days=3)).strftime("%Y-%m-%d"))
    outside = context(areas=[AreaHit(1, "event_venue", "Stadium B", later, None, 0.0)])
    assert find(run_checks(outside, SETTINGS), "event_venue").finding == "normal"
    untimed = context(areas=[AreaHit(1, "event_venue", "Stadium B", None, None, 0.0)])
    assert find(run_checks(untimed, SETTINGS), "event_venue").support < SETTINGS.score_weight_medium


def test_high_floor_effect_is_coverage_for_signal_and_interference_for_quality() -> None:
    signal = run_checks(context(symptom="weak_signal", floor=30), SETTINGS)
    assert find(signal, "high_floor").cause == "weak_coverage"
    quality = run_checks(context(symptom="poor_voice", floor=30), SETTINGS)
    assert find(quality, "high_floor").cause == "interference"


def test_a_high_floor_over_strong_but_polluted_mr_is_interference() -> None:
    # a strong signal with a poor SINR at the foot of a tower: up there many cells are heard at
    # once (pilot pollution), not too few, whatever the symptom says (gen 21, 擎天半島 33/F)
    polluted = coverage(rsrp_p50=-74.0, poor_sinr_share=0.33, good_rsrp_poor_sinr_share=None)
    found = run_checks(context(symptom="no_signal", floor=33, coverage=polluted), SETTINGS)
    assert find(found, "high_floor").cause == "interference"
    clean = run_checks(context(symptom="no_signal", floor=33), SETTINGS)
    assert find(clean, "high_floor").cause == "weak_coverage"


def test_the_floor_said_in_the_description_counts_when_the_field_is_empty() -> None:
    quality = run_checks(
        context(symptom="poor_voice", description="我住在25楼，通话有杂音"), SETTINGS
    )
    assert find(quality, "high_floor").value == 25.0
    signal = run_checks(context(symptom="weak_signal", description="on the 30th floor"), SETTINGS)
    assert find(signal, "high_floor").cause == "weak_coverage"
    below = context(description="在负一楼车库没信号", coverage=coverage(rsrp_p50=-92.0))
    assert find(run_checks(below, SETTINGS), "indoor_penetration").finding == "abnormal"
    given = context(symptom="poor_voice", floor=3, description="我住在25楼")  # the field wins
    assert not [e for e in run_checks(given, SETTINGS) if e.check == "high_floor"]


def test_a_cell_named_without_a_position_uses_its_own_mr() -> None:
    ctx = context(
        lat=None,
        lon=None,
        cell_id="A-1",
        floor=-1,
        coverage=coverage(source="cell", rsrp_p50=-93.0, weak_share=0.05),
    )
    evidence = run_checks(ctx, SETTINGS)
    assert "served by cell A-1" in find(evidence, "mr_weak_share").detail
    assert (
        find(evidence, "indoor_penetration").finding == "abnormal"
    )  # -93 dBm less 25 dB below ground
    assert find(evidence, "site_distance").finding == "unknown"


def test_a_whole_cell_is_judged_against_its_own_weak_share() -> None:
    """Cell edges give any cell 10-20 % weak samples: the 50 m grid criterion (10 %) says weak
    around a place, a cell named without a position needs ``weak_cell_max_weak_share``: 18 % of
    2,000 is a cell with its edges, not a weakly covered one."""
    share = 0.18
    many = {"samples": 2000, "weak_share": share, "rsrp_p50": -95.0}
    place = run_checks(context(coverage=coverage(**many)), SETTINGS)
    assert find(place, "mr_weak_share").finding == "abnormal"
    cell = context(lat=None, lon=None, cell_id="A-1", coverage=coverage(source="cell", **many))
    whole_cell = run_checks(cell, SETTINGS)
    assert find(whole_cell, "mr_weak_share").finding == "normal"
    assert "fine" in find(whole_cell, "other_users_affected").detail
    weak_cell = replace(cell, coverage=coverage(source="cell", samples=2000, weak_share=0.35))
    assert find(run_checks(weak_cell, SETTINGS), "mr_weak_share").finding == "abnormal"


def test_an_outage_of_the_geometric_best_server_is_a_serving_outage() -> None:
    """The MR (taken during the outage) chose other cells to serve: the site the geometry says
    serves the place best is still the place's server for the outage checks."""
    down = alarm("site_down", "B", role="neighbour")
    measured = context(alarms=[down], mr_cells={"A-1": 40.0, "A-2": 20.0})
    assert find(run_checks(measured, SETTINGS), "outage_alarms").finding == "normal"
    geometric = replace(measured.serving, cells=["B-1", "A-1"])
    best_down = context(alarms=[down], mr_cells={"A-1": 40.0, "A-2": 20.0}, geometry=geometric)
    assert find(run_checks(best_down, SETTINGS), "outage_alarms").finding == "abnormal"


def test_a_silent_outage_of_the_geometric_best_server_shows_in_its_kpis() -> None:
    """No alarm, the MR chose other cells (they stood in while it was down): the availability
    KPI of the cell the geometry says serves best tells the outage."""
    geometric = replace(context().serving, cells=["B-1", "A-1"])
    down = kpi("B-1", availability_min=0.0, unavailable_hours=3)
    served = context(geometry=geometric, best_server_kpis=down)
    found = find(run_checks(served, SETTINGS), "availability")
    assert found.finding == "abnormal" and found.cell_id == "B-1" and "geometry" in found.detail
    up = context(geometry=geometric, best_server_kpis=kpi("B-1"))
    assert find(run_checks(up, SETTINGS), "availability").finding == "normal"


def test_a_minor_hardware_alarm_is_no_outage() -> None:
    """A fan running slow (minor) or a warm cabinet (warning) degrades equipment that still
    serves; a major or critical hardware fault takes it down."""
    for severity, finding in (("minor", "normal"), ("warning", "normal"), ("major", "abnormal")):
        ctx = context(symptom="no_signal", alarms=[alarm("hardware", severity=severity)])
        assert find(run_checks(ctx, SETTINGS), "outage_alarms").finding == finding, severity


def test_hours_without_counters_are_not_shown_as_available() -> None:
    """A site without power reports nothing: its availability over the hours it did report is no
    evidence that it was up (gen 27's typhoon: "available at least 100 % of every hour" with 2 of
    3 hours blank)."""
    blank = context(kpis={"A-1": kpi("A-1", availability_hours=0), "A-2": kpi("A-2")})
    item = find(run_checks(blank, SETTINGS), "availability")
    assert item.finding == "normal" and item.support == 0.0
    assert "2 hour(s) at the time had none (A-1)" in item.detail
    reported = context(kpis={"A-1": kpi("A-1", availability_hours=2), "A-2": kpi("A-2")})
    item = find(run_checks(reported, SETTINGS), "availability")
    assert item.support < 0 and "had none" not in item.detail
