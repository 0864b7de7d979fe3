"""Evidence near the handbook's limits, as another team's scenarios put it: a busy hour inside the
~70–80 % PRB band, interference that shows only on the downlink, and a roaming switch turned off
where neither the registration nor the profile says which network is home. Each measured wrong
on independently written scenarios before (congestion taken for no fault at 72–79 % PRB;
downlink interference lost to a clean uplink KPI; inbound roamers with no profile taken as at
home).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from diagnostics.checks import run_checks
from diagnostics.checks.roaming import abroad, follows_subscriber
from diagnostics.context import complaint_window, kpi_window
from diagnostics.description import stated_abroad, stated_hours, stated_onset, stated_time_of_day
from diagnostics.evidence import Registration
from diagnostics.places import event_times
from diagnostics.ranking import rank
from diagnostics.settings import DiagnosticsSettings
from tests.diag_contexts import T, context, coverage, find, kpi, subscriber

SETTINGS = DiagnosticsSettings()


# --- the busy hour --------------------------------------------------------------------------


def test_the_default_busy_threshold_is_the_handbooks_lower_bound() -> None:
    """网络繁忙: "busy-hour PRB utilisation above ~70–80 %"; operators' high-load cell criterion
    is DL PRB ≥ 70 %."""
    assert SETTINGS.prb_busy_pct == 70.0
    ctx = context(kpis={"A-1": kpi(prb_busy=74.0, prb_busy_hours=2)})
    item = find(run_checks(ctx, SETTINGS), "prb_busy_hour")
    assert item.finding == "abnormal" and item.support > 0 and item.threshold == 70.0
    assert rank(run_checks(ctx, SETTINGS), "slow_data", SETTINGS).primary == "congestion"


@pytest.mark.parametrize(
    ("prb", "support"),
    [(75.0, 0.0), (79.0, 0.0), (60.0, -SETTINGS.score_weight_context)],
)
def test_a_load_inside_the_band_is_no_evidence_against_congestion(
    prb: float, support: float
) -> None:
    """With the threshold set higher (80 %), a busiest hour from ``prb_elevated_pct`` (70 %)
    up is not congested, yet it is no evidence against load either."""
    settings = DiagnosticsSettings(prb_busy_pct=80.0)
    ctx = context(kpis={"A-1": kpi(prb_busy=prb), "A-2": kpi("A-2", prb_busy=prb)})
    item = find(run_checks(ctx, settings), "prb_busy_hour")
    assert item.finding == "normal"
    assert item.support == pytest.approx(support)
    assert ("elevated" in item.detail) == (support == 0.0)


# --- interference on the downlink only ----------------------------------------------------------


def test_a_clean_uplink_does_not_count_against_downlink_interference() -> None:
    poor_sinr = coverage(good_rsrp_poor_sinr_share=0.5, poor_sinr_share=0.5)
    downlink = context(symptom="call_drop", coverage=poor_sinr)
    evidence = run_checks(downlink, SETTINGS)
    uplink = find(evidence, "ul_interference")
    assert uplink.finding == "normal" and uplink.support == 0.0
    assert "downlink" in uplink.detail
    assert find(evidence, "dl_sinr_good_rsrp").finding == "abnormal"

    poor_cqi = context(symptom="call_drop", kpis={"A-1": kpi(cqi_avg=5.0, cqi_bad_hours=2)})
    assert find(run_checks(poor_cqi, SETTINGS), "ul_interference").support == 0.0


def test_a_clean_uplink_still_counts_against_interference_when_nothing_else_is_found() -> None:
    item = find(run_checks(context(symptom="call_drop"), SETTINGS), "ul_interference")
    assert item.finding == "normal"
    assert item.support == pytest.approx(-SETTINGS.score_weight_context)


def test_poor_cqi_under_good_rsrp_is_a_direct_measure_of_downlink_interference() -> None:
    """Domain.md: "good RSRP with poor SINR/CQI points to downlink interference". A cell averaging
    CQI 5.5 where the place's RSRP is good is the signature itself, weighed as a measurement; under
    weak RSRP it is coverage; with no MR it stays supporting context."""
    poor_cqi = {"A-1": kpi(cqi_avg=5.5, cqi_bad_hours=3)}

    def cqi_support(cov: object) -> float:
        ctx = context(symptom="slow_data", kpis=poor_cqi, coverage=cov)
        return find(run_checks(ctx, SETTINGS), "cqi").support

    good_here = context(symptom="slow_data", kpis=poor_cqi, coverage=coverage(rsrp_p50=-80.0))
    evidence = run_checks(good_here, SETTINGS)
    item = find(evidence, "cqi")
    assert item.finding == "abnormal" and "RSRP here is good" in item.detail
    assert item.support > SETTINGS.nff_threshold
    assert rank(evidence, "slow_data", SETTINGS).primary == "interference"

    no_mr = cqi_support(None)
    weak_here = cqi_support(coverage(rsrp_p50=-113.0, weak_share=0.6))
    assert 0 < weak_here < no_mr < SETTINGS.nff_threshold < item.support


# --- the roaming switch when the networks can't tell -------------------------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Just arrived from Bangkok, phone says no service. Cannot make calls.", True),
        ("I'm roaming and nothing works", True),
        ("刚下飞机，手机一直没信号", True),
        ("在国外打不了电话", True),
        ("刚到曼谷，手机没有服务", True),
        ("从泰国回来以后就上不了网", False),  # back home
        ("从上个月以来一直打不了电话", False),
        ("Since I arrived at the office there is no signal", False),
        ("Here on holiday for a week and my phone has no service", True),
        ("Travelling in Japan, calls work but no mobile data.", True),
        ("在新加坡旅游，能打电话但是上不了网。", True),
        ("on holiday in Spain and the data doesn't work", True),
        ("travelling in the car the calls drop", False),
        ("去外地出差，手机没信号", True),
        ("No signal at home since Monday", False),
        ("开机以后一直搜不到网络，无法上网！", False),
        ("I bought my phone overseas; it often shows no service", False),  # the phone, not me
        ("手机是在国外买的，经常没信号", False),
        (None, False),
    ],
)
def test_stated_abroad(text: str | None, said: bool) -> None:
    assert stated_abroad(text) is said


def _switched_off(network: str | None) -> Registration:
    return Registration(T - timedelta(hours=3), "registered", network, None, False, False)


def test_roaming_switched_off_for_a_visitor_the_description_places_abroad() -> None:
    """An inbound roamer has no profile in the operator's subscriber data: only the description
    tells that the roaming switch matters."""
    visitor = context(
        symptom="cannot_call",
        subscriber=None,
        registration=_switched_off("502-12"),
        description="Just arrived from Bangkok, phone says no service.",
    )
    assert abroad(visitor) is True
    assert follows_subscriber(visitor) == "roaming is switched off while roaming"
    evidence = run_checks(visitor, SETTINGS)
    item = find(evidence, "roaming_switch")
    assert item.finding == "abnormal" and "said in the description" in item.detail
    assert rank(evidence, "cannot_call", SETTINGS).primary == "roaming_registration"


def test_roaming_switched_off_with_no_network_known_is_not_called_at_home() -> None:
    unknown_home = context(symptom="no_data", subscriber=None, registration=_switched_off("502-12"))
    item = find(run_checks(unknown_home, SETTINGS), "roaming_switch")
    assert item.finding == "unknown" and "at home" not in item.detail
    no_network = context(
        symptom="no_data", subscriber=subscriber(home="452-01"), registration=_switched_off(None)
    )
    assert find(run_checks(no_network, SETTINGS), "roaming_switch").finding == "unknown"
    at_home = context(symptom="no_data", registration=_switched_off("460-00"))
    item = find(run_checks(at_home, SETTINGS), "roaming_switch")
    assert item.finding == "normal" and "at home" in item.detail


# --- when the description says the problem began ------------------------------------------------

_EAT = timezone(timedelta(hours=3))
_AT = datetime(2025, 3, 7, 7, 38, tzinfo=_EAT)


@pytest.mark.parametrize(
    ("text", "onset"),
    [
        ("cannot call anyone since last night", datetime(2025, 3, 6, 20, 0, tzinfo=_EAT)),
        ("昨晚开始就没信号了", datetime(2025, 3, 6, 20, 0, tzinfo=_EAT)),
        ("no network since morning", datetime(2025, 3, 7, 6, 0, tzinfo=_EAT)),
        ("用户投诉从今天上午开始拨号后打不出去", datetime(2025, 3, 7, 6, 0, tzinfo=_EAT)),
        # told at 07:38: this afternoon, this evening are yesterday's
        ("it suddenly stopped working this afternoon", datetime(2025, 3, 6, 12, 0, tzinfo=_EAT)),
        ("从今天晚上开始打不出去", datetime(2025, 3, 6, 18, 0, tzinfo=_EAT)),
        ("since 4 days, in basement parking", _AT - timedelta(days=4)),
        ("OTP nahi aa raha, kal raat se", datetime(2025, 3, 6, 20, 0, tzinfo=_EAT)),
        ("network bahut kharab hai, 2 din se", _AT - timedelta(days=2)),
        ("从昨天开始打不了电话", datetime(2025, 3, 6, 0, 0, tzinfo=_EAT)),
        # a part of yesterday: from its start, not yesterday's midnight
        (
            "cx says mobile data not working. since yesterday evening",
            datetime(2025, 3, 6, 18, 0, tzinfo=_EAT),
        ),
        ("网速很慢，从昨天晚上开始", datetime(2025, 3, 6, 18, 0, tzinfo=_EAT)),
        ("net bahut slow hai. kal dopahar se", datetime(2025, 3, 6, 12, 0, tzinfo=_EAT)),
        ("rubbish since yesterday arvo", datetime(2025, 3, 6, 12, 0, tzinfo=_EAT)),
        ("昨天上午开始没信号", datetime(2025, 3, 6, 6, 0, tzinfo=_EAT)),
        ("started 3 days ago", _AT - timedelta(days=3)),
        ("信号不好两天了", _AT - timedelta(days=2)),
        ("for the last few days", _AT - timedelta(days=3)),
        ("calls keep dropping", None),
        (None, None),
    ],
)
def test_stated_onset(text: str | None, onset: datetime | None) -> None:
    assert stated_onset(text, _AT) == onset


def test_a_stated_onset_widens_the_time_of_the_problem() -> None:
    said = context(description="cannot call anyone since last night", reported_at=_AT)
    assert said.complaint.occurred_from is None
    start, end = complaint_window(said.complaint, SETTINGS)
    assert (start, end) == (datetime(2025, 3, 6, 20, 0, tzinfo=_EAT), _AT)
    weeks = context(description="started 9 days ago", reported_at=_AT).complaint
    assert complaint_window(weeks, SETTINGS)[0] == _AT - timedelta(
        hours=SETTINGS.stated_onset_max_hours
    )
    plain = context(description="calls drop", reported_at=_AT).complaint
    assert complaint_window(plain, SETTINGS)[0] == _AT - timedelta(hours=SETTINGS.problem_hours)


def test_a_stated_start_has_its_kpis_read_back_to_it() -> None:
    """The KPIs of a long problem are its last 12 hours; of one whose start the description gave,
    back to that start, up to 24 hours (yesterday's busy evening, told the next morning)."""
    end = _AT
    assert kpi_window((end - timedelta(hours=16), end), SETTINGS)[0] == end - timedelta(hours=12)
    told = kpi_window((end - timedelta(hours=16), end), SETTINGS, described=True)
    assert told == (end - timedelta(hours=16), end)
    days = kpi_window((end - timedelta(hours=40), end), SETTINGS, described=True)
    assert days[0] == end - timedelta(hours=SETTINGS.kpi_stated_max_hours)


def test_a_stated_time_of_day_is_the_measure_of_a_breach_in_it() -> None:
    """'Every evening', told at 04:49: the window runs from 18:00 to the call (11 hours), and a
    breach in 3 of them explains the problem whole, as the evening is 5 hours; told without a
    time of day, the same 3 of 11 hours explain it only in part."""
    busy = {"A-1": kpi(prb_busy=92.0, prb_busy_hours=3, hours_at=11)}

    def support(description: str) -> float:
        ctx = context("slow_data", kpis=busy, description=description)
        return find(run_checks(ctx, SETTINGS), "prb_busy_hour").support

    evenings = support("every evening the internet crawls")
    assert evenings > support("the internet crawls") > 0


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("internet slow every evening", (18, 23)),
        ("每天晚上网速特别慢", (18, 23)),
        ("下班后打不了电话", (18, 23)),
        ("calls drop at night", (20, 24)),
        ("network bahut kharab hai, shaam ko hi hota hai", (18, 23)),
        ("晚上上网特别慢，今天突然就这样了", None),  # today's problem, not a recurring one
        ("下午信号差", (12, 18)),
        ("中午上不了网", (11, 14)),
        ("slow in the mornings", (6, 11)),
        ("Every evening after 8pm data is unusable", (20, 24)),
        ("worst in the evenings around 8-10 pm", (20, 22)),
        ("每天晚上八点以后网速特别慢", (20, 24)),
        ("Evenings are terrible, mornings are OK", (18, 23)),
        # the hours named as fine are not the problem's
        ("Worst on weekdays during the day; evenings and weekends are better", None),
        ("工作日白天特别严重，晚上和周末好一些", None),
        ("Mobile data is very slow, late at night it's fine", None),
        # saying it doesn't work is not saying it works
        ("nothing works in the evenings", (18, 23)),
        ("in the evenings the internet doesn't work", (18, 23)),
        ("晚上上网不正常", (18, 23)),
        # a part of a day named as the start is an onset, not hours that come back
        ("用户投诉从今天上午开始在村委会旁拨号后打不出去", None),
        ("cx says mobile data not working. since yesterday evening", None),
        ("net bahut slow hai. kal dopahar se", None),
        ("calls keep dropping", None),
        # an evening's hour without "pm"; a rush hour or commute is the evening's unless a
        # morning is named (generator 25)
        ("during my commute every evening around 5 the internet is unusable", (16, 19)),
        ("rush hour on 55 near Romeoville, nothing loads. every day", (16, 20)),
        ("my morning commute is the worst", (6, 11)),
        ("drop outs all arvo", (12, 18)),
        ("yesterday arvo at Avoca nothing worked", None),  # an onset, not hours that come back
        (None, None),
    ],
)
def test_stated_hours(text: str | None, hours: tuple[int, int] | None) -> None:
    assert stated_hours(text) == hours


def test_a_stated_time_of_day_is_the_time_of_the_problem() -> None:
    """ "Every evening", told at 01:50 that night: the time of the problem reaches back to 18:00;
    told at 20:00, too; told at 07:38 the next morning, it is yesterday's evening; told at 17:30,
    just before this evening's, the hours before the call."""
    small_hours = _AT.replace(hour=1, minute=50)
    evenings = context(description="internet slow every evening", reported_at=small_hours)
    assert complaint_window(evenings.complaint, SETTINGS) == (
        datetime(2025, 3, 6, 18, 0, tzinfo=_EAT),
        small_hours,
    )
    at_eight = _AT.replace(hour=20, minute=0)
    now = context(description="每天晚上网速特别慢", reported_at=at_eight).complaint
    assert complaint_window(now, SETTINGS) == (at_eight.replace(hour=18), at_eight)
    morning = context(description="internet slow every evening", reported_at=_AT).complaint
    assert complaint_window(morning, SETTINGS) == (
        datetime(2025, 3, 6, 18, 0, tzinfo=_EAT),
        datetime(2025, 3, 6, 23, 0, tzinfo=_EAT),
    )
    before = _AT.replace(hour=17, minute=30)
    soon = context(description="internet slow every evening", reported_at=before).complaint
    assert complaint_window(soon, SETTINGS) == (before - timedelta(hours=2), before)
    since = context(description="no signal since last night", reported_at=_AT).complaint
    assert complaint_window(since, SETTINGS)[1] == _AT  # an onset, not a time of day
    # a report stamped in UTC (14:54Z) from Kuala Lumpur is made at 22:54 there: the evening is
    # Kuala Lumpur's, from 18:00 (10:00Z) up to the report
    utc = datetime(2025, 3, 7, 14, 54, tzinfo=UTC)
    kl = context(description="every evening data is unusable", reported_at=utc).complaint
    assert complaint_window(kl, SETTINGS, (3.14, 101.69)) == (
        datetime(2025, 3, 7, 10, 0, tzinfo=UTC),
        utc,
    )
    assert complaint_window(kl, SETTINGS) == (  # no place: UTC is all there is, 14:54 by day
        datetime(2025, 3, 6, 18, 0, tzinfo=UTC),
        datetime(2025, 3, 6, 23, 0, tzinfo=UTC),
    )
    given = context(
        description="slow every evening",
        reported_at=_AT,
        occurred_from=_AT - timedelta(hours=1),
        occurred_to=_AT,
    ).complaint
    assert complaint_window(given, SETTINGS)[1] == _AT + timedelta(
        minutes=SETTINGS.complaint_window_pad_minutes
    )


def test_a_rush_hour_is_the_last_working_days() -> None:
    """ "Rush hour … every day", told on a Monday at noon, is Friday's evening rush, not Sunday's
    quiet evening (generator 25); the weekend named, or a plain evening, stays the day before;
    where Friday and Saturday are the weekend (``weekend_days``), Sunday's is a working day's."""
    monday_noon = datetime(2025, 4, 21, 12, 12, tzinfo=_EAT)
    rush = "rush hour on 55 near Romeoville, nothing loads. every day"
    friday = (datetime(2025, 4, 18, 16, 0, tzinfo=_EAT), datetime(2025, 4, 18, 20, 0, tzinfo=_EAT))
    assert stated_time_of_day(rush, monday_noon, SETTINGS.weekend_days) == friday
    complaint = context(description=rush, reported_at=monday_noon).complaint
    assert complaint_window(complaint, SETTINGS) == friday
    assert stated_time_of_day("晚高峰上不了网", monday_noon, (6, 7)) == (
        datetime(2025, 4, 18, 18, 0, tzinfo=_EAT),
        datetime(2025, 4, 18, 23, 0, tzinfo=_EAT),
    )
    sunday = (datetime(2025, 4, 20, 16, 0, tzinfo=_EAT), datetime(2025, 4, 20, 20, 0, tzinfo=_EAT))
    assert stated_time_of_day("weekend rush hour is hopeless", monday_noon, (6, 7)) == sunday
    assert stated_time_of_day("internet slow every evening", monday_noon, (6, 7)) == (
        datetime(2025, 4, 20, 18, 0, tzinfo=_EAT),
        datetime(2025, 4, 20, 23, 0, tzinfo=_EAT),
    )
    assert stated_time_of_day(rush, monday_noon, (5, 6)) == sunday
    assert stated_time_of_day(rush, monday_noon) == sunday  # no weekend given


def test_a_roaming_complaint_registered_abroad_where_we_serve() -> None:
    """Near a border our cells serve the place, yet the phone sits on the neighbour country's
    network: when the customer names roaming as the trouble, that registration is the finding."""
    abroad = Registration(T - timedelta(hours=1), "registered", "641-01", None, False, True)
    said = context(
        symptom="roaming_failure", registration=abroad, subscriber=subscriber(home="639-02")
    )
    evidence = run_checks(said, SETTINGS)
    assert find(evidence, "visited_network").support == SETTINGS.score_weight_medium
    assert rank(evidence, "roaming_failure", SETTINGS).primary == "roaming_registration"
    calls = context(
        symptom="cannot_call", registration=abroad, subscriber=subscriber(home="639-02")
    )
    assert find(run_checks(calls, SETTINGS), "visited_network").support == (
        SETTINGS.score_weight_context
    )


def test_a_subscriber_of_ours_latched_onto_a_foreign_network_at_a_border() -> None:
    """Our cells serve the place, yet one of our subscribers (home 639-02, the operator's own)
    is registered on the neighbour country's 641-10: for any service symptom that is the
    finding, and our LTE-only layers say nothing of a phone without VoLTE that sits on theirs.
    A visitor registered on our network keeps the hint; with our networks unknown, too."""
    on_theirs = Registration(T - timedelta(hours=1), "registered", "641-10", None, False, True)
    ours = subscriber(home="639-02", volte=False)
    latched = context(
        symptom="cannot_call", registration=on_theirs, subscriber=ours, own_networks=("639-02",)
    )
    evidence = run_checks(latched, SETTINGS)
    visited = find(evidence, "visited_network")
    assert visited.support == SETTINGS.score_weight_medium and "latched" in visited.detail
    status = find(evidence, "registration_status")  # registered, but on theirs: no comfort
    assert status.support == 0.0 and "a foreign network" in status.detail
    assert find(evidence, "device_capability").support == SETTINGS.score_weight_context
    assert rank(evidence, "cannot_call", SETTINGS).primary == "roaming_registration"
    unknown_own = context(symptom="cannot_call", registration=on_theirs, subscriber=ours)
    evidence = run_checks(unknown_own, SETTINGS)
    assert find(evidence, "visited_network").support == SETTINGS.score_weight_context
    assert find(evidence, "device_capability").support == SETTINGS.score_weight_decisive
    on_ours = Registration(T - timedelta(hours=1), "registered", "639-02", None, False, True)
    visitor = context(
        symptom="cannot_call",
        registration=on_ours,
        subscriber=subscriber(home="641-10"),
        own_networks=("639-02",),
    )
    assert find(run_checks(visitor, SETTINGS), "visited_network").support == (
        SETTINGS.score_weight_context
    )


_IST = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize(
    ("note", "span"),
    [
        # a date with its hours: a range, not 14:00 at UTC−23:30
        (
            "International T20 match 2025-09-04 14:00-23:30 IST",
            (datetime(2025, 9, 4, 14, 0, tzinfo=_IST), datetime(2025, 9, 4, 23, 30, tzinfo=_IST)),
        ),
        (
            "darshan 2025-08-30 18:00-01:00",
            (datetime(2025, 8, 30, 18, 0, tzinfo=_IST), datetime(2025, 8, 31, 1, 0, tzinfo=_IST)),
        ),
        (  # dates: to the end of the last day
            "Ganeshotsav 2025-08-27 to 2025-09-06",
            (datetime(2025, 8, 27, tzinfo=_IST), datetime(2025, 9, 7, tzinfo=_IST)),
        ),
        (
            "2025-06-06T18:30 - 2025-06-06T22:30",
            (datetime(2025, 6, 6, 18, 30, tzinfo=_IST), datetime(2025, 6, 6, 22, 30, tzinfo=_IST)),
        ),
        (  # with "T", an offset is an offset
            "kick-off 2025-03-14T18:00-03:00",
            (
                datetime(2025, 3, 14, 18, 0, tzinfo=timezone(timedelta(hours=-3))),
                datetime(2025, 3, 15, 18, 0, tzinfo=timezone(timedelta(hours=-3))),
            ),
        ),
        ("concert scheduled after this period", None),
    ],
)
def test_event_times_in_a_venue_note(note: str, span: tuple[datetime, datetime] | None) -> None:
    assert event_times(note, _IST) == span


def test_the_day_after_the_match_at_the_venue_is_the_match() -> None:
    """At the stadium, reported at 03:38 and 11:05 the next day with no time given: the match
    (14:00–23:30) is the time of the problem; two days later, or with a time given, it is not."""
    match = (datetime(2025, 9, 4, 14, 0, tzinfo=_IST), datetime(2025, 9, 4, 23, 30, tzinfo=_IST))
    for hour in (3, 11):
        after = context(reported_at=datetime(2025, 9, 5, hour, 38, tzinfo=_IST)).complaint
        assert complaint_window(after, SETTINGS, None, [match]) == match
    later = datetime(2025, 9, 6, 9, 0, tzinfo=_IST)
    assert complaint_window(context(reported_at=later).complaint, SETTINGS, None, [match]) == (
        later - timedelta(hours=SETTINGS.problem_hours),
        later,
    )
    told = context(
        reported_at=datetime(2025, 9, 5, 9, 0, tzinfo=_IST),
        occurred_from=datetime(2025, 9, 5, 8, 0, tzinfo=_IST),
        occurred_to=datetime(2025, 9, 5, 8, 30, tzinfo=_IST),
    ).complaint
    assert complaint_window(told, SETTINGS, None, [match])[0] > match[1]


def test_an_evening_problem_since_a_given_day_is_weighed_against_its_evenings() -> None:
    """Times given ("since the day before yesterday") and the description says when it is bad
    (白天还可以，晚上就不行): the busy evening hours explain it, though they are 2 of the 13
    hours read; without the time of day they explain a problem of 13 hours only in part."""
    busy = {"A-1": kpi("A-1", prb_busy=93.0, prb_busy_hours=2, hours_at=13, hours=26)}
    since = T - timedelta(days=2)
    plain = context(occurred_from=since, kpis=busy)
    evening = context(occurred_from=since, description="白天还可以，晚上就不行", kpis=busy)
    plain_prb = find(run_checks(plain, SETTINGS), "prb_busy_hour")
    evening_prb = find(run_checks(evening, SETTINGS), "prb_busy_hour")
    assert plain_prb.finding == evening_prb.finding == "abnormal"
    assert evening_prb.support > 2 * plain_prb.support


def test_a_visitor_whose_snapshot_names_no_network_is_roaming() -> None:
    """A Mexican visitor (home 334-020) on a US operator (310-260), not registered, roaming
    switched off: the snapshot names no network, the profile's home network says it roams."""
    off = Registration(T - timedelta(hours=1), "not_registered", None, None, False, False)
    visitor = context(
        symptom="cannot_call",
        subscriber=subscriber(home="334-020"),
        registration=off,
        own_networks=("310-260",),
    )
    assert abroad(visitor) is True
    assert find(run_checks(visitor, SETTINGS), "roaming_switch").finding == "abnormal"
    ours = context(symptom="cannot_call", registration=off, own_networks=("460-00",))
    assert find(run_checks(ours, SETTINGS), "roaming_switch").finding == "unknown"
