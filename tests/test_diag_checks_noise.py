"""The checks that read their evidence against what else explains it: MR shares beyond sampling
noise (and a sparse feed's few samples), geometry against measured coverage, a registration fault
that explains "it happens everywhere", a site serving the place though filed as a neighbour, and
load displaced by an outage. Normal, abnormal and unknown data for each, on hand-built contexts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from diagnostics.checks import run_checks
from diagnostics.checks.common import mr_verdict, share_bounds
from diagnostics.checks.roaming import follows_subscriber
from diagnostics.evidence import Context, Registration
from diagnostics.evidence_mr import sparse
from diagnostics.ranking import rank
from diagnostics.settings import DiagnosticsSettings
from tests.diag_contexts import T, alarm, area, context, coverage, find, kpi, subscriber

SETTINGS = DiagnosticsSettings()


# --- MR weak share beyond sampling noise ------------------------------------------------------


def test_share_bounds_narrow_with_more_samples() -> None:
    few = share_bounds(0.12, 25, 1.645)
    many = share_bounds(0.12, 2500, 1.645)
    assert few[0] < 0.10 < 0.12 < few[1]  # 3 weak samples in 25: could well be under 10 %
    assert 0.10 < many[0] < 0.12 < many[1]
    assert share_bounds(0.3, 0, 1.645) == (0.0, 1.0)  # no samples: anything
    assert share_bounds(0.3, 50, 0.0) == pytest.approx((0.3, 0.3))  # z 0: the bare share


@pytest.mark.parametrize(
    ("samples", "share", "rsrp", "state", "covered"),
    [
        (25, 0.12, -97.0, "unclear", True),
        (2000, 0.12, -97.0, "weak", False),
        (300, 0.05, -90.0, "covered", True),
        (300, 0.05, -112.0, "covered", False),  # few weak samples, but a weak median
        (100, 0.6, -114.0, "weak", False),
    ],
)
def test_mr_verdict(samples: int, share: float, rsrp: float, state: str, covered: bool) -> None:
    verdict = mr_verdict(coverage(samples=samples, weak_share=share, rsrp_p50=rsrp), SETTINGS)
    assert verdict is not None and verdict.state == state and verdict.covered == covered


def test_mr_verdict_unknown_without_enough_samples() -> None:
    assert mr_verdict(coverage(samples=3), SETTINGS) is None
    assert mr_verdict(coverage(weak_share=None), SETTINGS) is None
    assert mr_verdict(None, SETTINGS) is None


def test_a_sparse_feed_shows_a_weak_place_only_beyond_its_noise() -> None:
    """Fewer MR than ``mr_min_samples`` (a desert road, a basement few phones report from) say
    "weak" when even their share's lower bound is past the criterion, and nothing otherwise."""
    all_weak = context(
        coverage=coverage(samples=14, weak_share=1.0, rsrp_p50=-118.0), floor=-2, indoor=True
    )
    evidence = run_checks(all_weak, SETTINGS)
    share = find(evidence, "mr_weak_share")
    assert share.finding == "abnormal" and share.support >= SETTINGS.nff_threshold
    assert "14 MR samples" in share.detail
    assert find(evidence, "indoor_penetration").finding == "abnormal"
    assert rank(evidence, "call_drop", SETTINGS).primary == "weak_coverage"
    for samples, weak in ((14, 0.15), (SETTINGS.mr_handful_samples - 1, 1.0), (6, 0.5)):
        few = context(coverage=coverage(samples=samples, weak_share=weak, rsrp_p50=-112.0))
        item = find(run_checks(few, SETTINGS), "mr_weak_share")
        assert item.finding == "unknown" and f"only {samples} MR samples" in item.detail
    # a named cell's few MR come from anywhere in its footprint, not from the customer's place
    cell_only = context(
        lat=None,
        lon=None,
        cell_id="A-1",
        coverage=coverage(source="cell", samples=12, weak_share=1.0, rsrp_p50=-117.0),
    )
    assert find(run_checks(cell_only, SETTINGS), "mr_weak_share").finding == "unknown"


def test_a_new_feeds_first_samples_show_a_weak_village() -> None:
    """A village 4.9 km from its site, where the MR feed began the day of the complaint: its 4
    samples, all below −110 dBm, are a weak place (gen 24: "只有一两格, 村子里大家都这样" was no
    fault found); 2 weak of 4 with a covered median are not enough to name the cause."""
    rural = replace(context().serving, nearest_site_m=4900.0, local_isd_m=8100.0)
    village = context(
        symptom="weak_signal",
        serving=rural,
        description="訊號只有一兩格，LINE 視訊常常卡住，村子裡大家都這樣",
        neighbours_affected=True,
        coverage=coverage(samples=4, grids=3, weak_share=1.0, rsrp_p10=-115.7, rsrp_p50=-114.6),
    )
    evidence = run_checks(village, SETTINGS)
    share = find(evidence, "mr_weak_share")
    assert share.finding == "abnormal" and "4 MR samples" in share.detail
    assert rank(evidence, "weak_signal", SETTINGS).primary == "weak_coverage"
    mixed = replace(village.coverage, weak_share=0.5, rsrp_p50=-104.0) if village.coverage else None
    village.coverage = mixed
    assert rank(run_checks(village, SETTINGS), "weak_signal", SETTINGS).primary != "weak_coverage"


def test_a_sparse_feed_shows_downlink_interference_and_rules_out_a_gap() -> None:
    """Ten MR around the place, all with good RSRP: most with poor SINR is downlink interference
    beyond sampling noise; all clean, they can't show the place covered (too few for the 10 %
    criterion) yet they rule out the coverage gap the geometry predicts (a gap leaves most
    samples weak)."""
    jammed = coverage(samples=10, weak_share=0.0, rsrp_p50=-80.0, good_rsrp_poor_sinr_share=0.9)
    item = find(run_checks(context(coverage=jammed), SETTINGS), "dl_sinr_good_rsrp")
    assert item.finding == "abnormal" and item.support > 0
    some = coverage(samples=10, weak_share=0.0, rsrp_p50=-80.0, good_rsrp_poor_sinr_share=0.3)
    assert find(run_checks(context(coverage=some), SETTINGS), "dl_sinr_good_rsrp").finding == (
        "unknown"
    )
    far = replace(context().serving, nearest_site_m=1500.0, local_isd_m=800.0)
    good = coverage(samples=10, weak_share=0.0, rsrp_p50=-85.0)
    evidence = run_checks(context(serving=far, coverage=good), SETTINGS)
    assert find(evidence, "mr_weak_share").finding == "unknown"
    distance = find(evidence, "site_distance")
    assert distance.finding == "abnormal" and distance.support <= SETTINGS.score_weight_context
    gap = coverage(samples=10, weak_share=0.6, rsrp_p50=-108.0)
    weak_gap = find(run_checks(context(serving=far, coverage=gap), SETTINGS), "site_distance")
    assert weak_gap.support == SETTINGS.score_weight_medium
    # a handful, all good, rule the gap out as well (gens 22, 23: a healthy place 1.5 ISD from
    # its site was weak coverage); fewer than mr_handful_samples say nothing
    handful = coverage(samples=SETTINGS.mr_handful_samples, weak_share=0.0, rsrp_p50=-90.0)
    ruled_out = find(run_checks(context(serving=far, coverage=handful), SETTINGS), "site_distance")
    assert ruled_out.support <= SETTINGS.score_weight_context
    fewer = replace(handful, samples=SETTINGS.mr_handful_samples - 1)
    open_gap = find(run_checks(context(serving=far, coverage=fewer), SETTINGS), "site_distance")
    assert open_gap.support == SETTINGS.score_weight_medium


def test_a_few_weak_samples_among_a_few_dozen_are_not_a_weak_place() -> None:
    noisy = context(coverage=coverage(samples=25, weak_share=0.12, rsrp_p50=-97.0))
    item = find(run_checks(noisy, SETTINGS), "mr_weak_share")
    assert item.finding == "normal" and item.support == 0.0 and "noise" in item.detail
    clear = context(coverage=coverage(samples=100, weak_share=0.6, rsrp_p50=-114.0))
    item = find(run_checks(clear, SETTINGS), "mr_weak_share")
    assert item.finding == "abnormal" and item.support >= SETTINGS.nff_threshold
    covered = find(run_checks(context(), SETTINGS), "mr_weak_share")
    assert covered.finding == "normal" and covered.support < 0


def test_other_users_are_not_affected_by_noise_in_the_mr() -> None:
    noisy = context(coverage=coverage(samples=25, weak_share=0.12, rsrp_p50=-97.0))
    assert find(run_checks(noisy, SETTINGS), "other_users_affected").finding == "normal"
    weak = context(coverage=coverage(samples=100, weak_share=0.6, rsrp_p50=-114.0))
    assert find(run_checks(weak, SETTINGS), "other_users_affected").finding == "abnormal"


# --- geometry against measured coverage ---------------------------------------------------------


def test_distance_counts_as_context_where_the_mr_show_the_place_covered() -> None:
    far = replace(context().serving, nearest_site_m=1500.0)  # 3 × the local ISD
    measured = find(run_checks(context(serving=far), SETTINGS), "site_distance")
    assert measured.finding == "abnormal" and measured.support <= SETTINGS.score_weight_context
    assert "MR here show the place covered" in measured.detail
    unmeasured = find(run_checks(context(serving=far, coverage=None), SETTINGS), "site_distance")
    assert unmeasured.support == SETTINGS.score_weight_medium  # no MR: the prediction stands
    weak = context(serving=far, coverage=coverage(samples=100, weak_share=0.6, rsrp_p50=-114.0))
    assert find(run_checks(weak, SETTINGS), "site_distance").support == SETTINGS.score_weight_medium


def test_a_planned_cell_nearer_than_the_sites_is_geometry_too() -> None:
    serving = replace(context().serving, planned_cell="P-1", planned_m=150.0)
    covered = find(run_checks(context(serving=serving), SETTINGS), "planned_site")
    assert covered.finding == "abnormal" and covered.support <= SETTINGS.score_weight_context
    unmeasured = find(run_checks(context(serving=serving, coverage=None), SETTINGS), "planned_site")
    assert unmeasured.support == SETTINGS.score_weight_weak


# --- "it happens everywhere" and the registration ----------------------------------------------


def _roaming_off() -> Registration:
    return Registration(T - timedelta(hours=3), "registered", "460-00", None, False, False)


def test_follows_subscriber() -> None:
    assert follows_subscriber(context()) is None
    assert follows_subscriber(context(registration=None)) is None
    away = context(registration=_roaming_off(), subscriber=subscriber(home="454-12"))
    assert follows_subscriber(away) == "roaming is switched off while roaming"
    detached = replace(_roaming_off(), status="not_registered", roaming_enabled=True)
    assert follows_subscriber(context(registration=detached)) == "the number is not registered"
    forwarded = replace(_roaming_off(), call_forwarding=True, roaming_enabled=True)
    assert follows_subscriber(context(symptom="cannot_receive", registration=forwarded))
    assert follows_subscriber(context(symptom="no_data", registration=forwarded)) is None


def test_a_registration_fault_explains_everywhere() -> None:
    away = context(
        symptom="no_data",
        everywhere=True,
        registration=_roaming_off(),
        subscriber=subscriber(home="454-12"),
    )
    evidence = run_checks(away, SETTINGS)
    item = find(evidence, "problem_everywhere")
    assert item.support == SETTINGS.score_weight_weak and "roaming is switched off" in item.detail
    assert rank(evidence, "no_data", SETTINGS).primary == "roaming_registration"
    home = find(run_checks(context(everywhere=True), SETTINGS), "problem_everywhere")
    assert home.support == SETTINGS.score_weight_medium and "handset or SIM" in home.detail


def test_an_occasional_problem_everywhere_is_not_a_sim_fault() -> None:
    """The handbook sends a problem to the SIM when it lasts ("choppy for a long time … it happens
    everywhere"); one that comes now and then, wherever the customer is, is observed."""
    lasting = find(
        run_checks(context(everywhere=True, frequency="persistent"), SETTINGS), "problem_everywhere"
    )
    assert lasting.support == SETTINGS.score_weight_medium
    for now_and_then in (
        context(everywhere=True, frequency="occasional"),
        context(everywhere=True, description="昨天有一次，打电话有杂音"),
        context(description="happens now and then, everywhere I go"),
    ):
        evidence = run_checks(now_and_then, SETTINGS)
        item = find(evidence, "problem_everywhere")
        assert item.finding == "abnormal" and item.support == 0.0
        assert "only occasionally" in item.detail
        assert rank(evidence, "poor_voice", SETTINGS).primary == "no_fault_found"
    # the field wins over the text
    said = context(everywhere=True, frequency="frequent", description="偶尔会这样")
    assert find(run_checks(said, SETTINGS), "problem_everywhere").support > 0


def test_a_phone_without_volte_where_2g_carries_calls_explains_drops_not_a_one_off() -> None:
    """Without VoLTE, calls fall back to 2G/3G (CSFB): more drops, a medium finding for calls that
    keep dropping; a single drop ("dropped once yesterday", or frequency occasional) is within
    what CSFB gives, and the customer's network is fine: no fault."""

    def verdict(**changes: object) -> tuple[str, float, str]:
        ctx = context("call_drop", subscriber=subscriber(volte=False), **changes)
        ctx.network_technologies = ("GSM", "LTE")
        evidence = run_checks(ctx, SETTINGS)
        item = find(evidence, "device_capability")
        return item.finding, item.support, rank(evidence, "call_drop", SETTINGS).primary

    assert verdict(frequency="frequent")[:2] == ("abnormal", SETTINGS.score_weight_medium)
    assert verdict(description="calls keep dropping")[0] == "abnormal"
    for once in ({"frequency": "occasional"}, {"description": "My call dropped once yesterday"}):
        finding, support, primary = verdict(**once)
        assert (finding, support, primary) == ("normal", 0.0, "no_fault_found")


# --- a site that serves the place, filed as a neighbour -----------------------------------------


def _site_down(mr: dict[str, float], raised_hours: float = 1.0) -> Context:
    down = alarm(
        "site_down", "B", role="neighbour", raised=T - timedelta(hours=raised_hours), cleared=None
    )
    ctx = context(alarms=[down], mr_cells=mr)
    ctx.site_of = {**ctx.site_of, "B-2": "B"}
    return ctx


def test_a_neighbour_site_carrying_the_places_mr_serves_it() -> None:
    # each of B's cells carries under 10 % of the place's MR, the site together 13 %
    serving = _site_down({"A-1": 80.0, "B-1": 6.0, "B-2": 6.0})
    item = find(run_checks(serving, SETTINGS), "outage_alarms")
    assert item.finding == "abnormal" and item.cell_id == "B"
    remote = _site_down({"A-1": 95.0, "B-1": 2.0})
    assert find(run_checks(remote, SETTINGS), "outage_alarms").finding == "normal"
    assert find(run_checks(remote, SETTINGS), "neighbour_outage").finding == "abnormal"
    no_mr = _site_down({})
    assert find(run_checks(no_mr, SETTINGS), "outage_alarms").finding == "normal"


def test_a_short_outage_explains_a_long_problem_only_in_part() -> None:
    """An outage of an hour, over by the call, explains a problem of two hours, and one of two
    days only in part; one still going on when the customer calls explains what they call about
    whatever the stated start ("drops since yesterday", the site down since last night)."""

    def support(hours: float, cleared: datetime | None) -> float:
        down = alarm("site_down", raised=T - timedelta(hours=2), cleared=cleared)
        ctx = context(alarms=[down])
        ctx.window = (T - timedelta(hours=hours), T)
        return find(run_checks(ctx, SETTINGS), "outage_alarms").support

    over = T - timedelta(hours=1)
    assert support(2, over) > support(48, over) > 0
    assert support(48, None) == support(2, None) == support(2, over)


def test_a_link_that_flapped_for_seconds_is_no_outage() -> None:
    """An S1 link flap (raised and cleared within a minute, cells available all along) takes no
    service away long enough to be a complaint's cause; half an hour of it does."""

    def finding(minutes: float, settings: DiagnosticsSettings = SETTINGS) -> str:
        raised = T - timedelta(hours=1)
        link = alarm("transmission", raised=raised, cleared=raised + timedelta(minutes=minutes))
        ctx = context("no_data", alarms=[link])
        ctx.window = (T - timedelta(hours=2), T)
        return find(run_checks(ctx, settings), "outage_alarms").finding

    assert finding(0.7) == "normal"
    assert finding(30) == "abnormal"
    assert finding(0.7, DiagnosticsSettings(outage_alarm_min_minutes=0)) == "abnormal"


def test_an_outage_that_ended_shortly_before_explains_a_loss_of_service() -> None:
    """No signal, reported with no time 3 h after the site came back: the customer could not
    call while it was down. With a time given, a slower symptom, or a power alarm (the cells
    may have stayed up on batteries), it is only earlier history."""
    site_down = alarm("site_down", raised=T - timedelta(hours=9), cleared=T - timedelta(hours=5))

    def outage(symptom: str = "no_signal", **changes: object) -> tuple[str, float, str]:
        alarms = changes.pop("alarms", [site_down])
        ctx = context(symptom, alarms=alarms, **changes)
        evidence = run_checks(ctx, SETTINGS)
        item = find(evidence, "outage_alarms")
        return item.finding, item.support, rank(evidence, ctx.complaint.symptom, SETTINGS).primary

    finding, support, primary = outage()
    assert (finding, primary) == ("abnormal", "outage") and support == SETTINGS.score_weight_medium
    assert outage(occurred_from=T - timedelta(hours=2), occurred_to=T)[0] == "normal"
    assert outage(symptom="slow_data")[0] == "normal"
    power = alarm("power", raised=T - timedelta(hours=9), cleared=T - timedelta(hours=5))
    assert outage(alarms=[power])[0] == "normal"
    long_ago = alarm("site_down", raised=T - timedelta(hours=24), cleared=T - timedelta(hours=16))
    assert outage(alarms=[long_ago])[0] == "normal"
    off = DiagnosticsSettings(restored_lookback_hours=0)
    ctx = context("no_signal", alarms=[site_down])
    assert find(run_checks(ctx, off), "outage_alarms").finding == "normal"


# --- load displaced by an outage ----------------------------------------------------------------


def test_load_on_a_cell_while_another_serving_cell_is_down_counts_less() -> None:
    busy = kpi("A-2", prb_busy=96.0, prb_busy_hours=2)
    alone = context(kpis={"A-1": kpi("A-1"), "A-2": busy})
    with_outage = context(
        kpis={"A-1": kpi("A-1", availability_min=0.0, unavailable_hours=2), "A-2": busy}
    )
    full = find(run_checks(alone, SETTINGS), "prb_busy_hour")
    displaced = find(run_checks(with_outage, SETTINGS), "prb_busy_hour")
    assert displaced.finding == full.finding == "abnormal"
    assert displaced.support == pytest.approx(full.support * SETTINGS.displaced_load_factor)
    assert "is down" in displaced.detail
    own = context(kpis={"A-2": kpi("A-2", prb_busy=96.0, prb_busy_hours=2, availability_min=0.0)})
    assert "is down" not in find(run_checks(own, SETTINGS), "prb_busy_hour").detail
    assert find(run_checks(context(kpis={}), SETTINGS), "prb_busy_hour").finding == "unknown"


# --- a recorded interference source the measurements don't show ------------------------------


def test_a_recorded_source_the_measurements_at_the_time_do_not_show_is_not_active() -> None:
    """Inside a recorded interference source (a seized repeater, a radar on in office hours
    only) with the uplink noise and the downlink quality clean at the time: the source is context,
    not the cause; where the downlink can't be measured, or the uplink is noisy, it still counts."""
    source = [area("interference_source", name="Radar")]
    clean = run_checks(context(areas=source), SETTINGS)
    assert find(clean, "ul_interference").finding == "normal"
    item = find(clean, "interference_source_area")
    assert item.finding == "abnormal" and item.support <= SETTINGS.score_weight_context
    assert "not active now" in item.detail
    assert rank(clean, "call_drop", SETTINGS).primary == "no_fault_found"
    unmeasured = context(areas=source, coverage=None, kpis={"A-1": kpi(cqi_avg=None)})
    kept = find(run_checks(unmeasured, SETTINGS), "interference_source_area")
    assert kept.support == SETTINGS.score_weight_medium and "not active" not in kept.detail
    noisy = context(areas=source, kpis={"A-1": kpi(ul_max=-97.0, ul_bad_hours=2)})
    assert find(run_checks(noisy, SETTINGS), "interference_source_area").support == (
        SETTINGS.score_weight_medium
    )


def test_an_alarm_the_availability_confirms_counts_whatever_its_severity() -> None:
    """Planned works raise their site_down as a warning; with a cell of that site measured down
    at the time, the site is down, whatever the alarm's severity says."""
    works = alarm("site_down", "A", severity="warning", text="Planned maintenance")
    up = find(run_checks(context("no_signal", alarms=[works]), SETTINGS), "outage_alarms")
    down = context(
        "no_signal", alarms=[works], kpis={"A-1": kpi(availability_min=0.0, unavailable_hours=2)}
    )
    confirmed = find(run_checks(down, SETTINGS), "outage_alarms")
    assert 0 < up.support < confirmed.support == SETTINGS.score_weight_strong


def test_a_few_samples_weak_beyond_noise_are_not_watered_down_by_a_wider_read() -> None:
    """Fewer than mr_min_samples near the place ask for the wider read, unless they already show
    the place weak beyond sampling noise: a car park's third basement level with 5 of 14 samples
    weak near it read 13 % weak once the street within 250 m was mixed in (gen 30)."""
    weak_near = context(coverage=coverage(samples=14, weak_share=5 / 14, rsrp_p50=-104.0))
    unclear = context(coverage=coverage(samples=14, weak_share=1 / 14, rsrp_p50=-95.0))
    assert sparse([weak_near, unclear], SETTINGS) == [1]
