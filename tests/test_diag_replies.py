"""Reply scripts in Chinese and English, per cause and situation, filled with the specifics."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta, timezone

import pytest

from diagnostics.actions import actions
from diagnostics.checks import run_checks
from diagnostics.evidence import Registration
from diagnostics.replies import facts, reply_script, situation
from diagnostics.reply_texts import TEMPLATES
from geo.zones import countries_around, country_at
from tests.diag_contexts import (
    SETTINGS,
    T,
    alarm,
    area,
    context,
    coverage,
    find,
    kpi,
    subscriber,
)
from workorders.routing import customer_setting


def script(cause: str, **changes: object) -> tuple[str, dict[str, str], list[str]]:
    ctx = context(**changes)  # type: ignore[arg-type]
    evidence = run_checks(ctx, SETTINGS)
    case = situation(cause, ctx, evidence, SETTINGS)
    known = facts(ctx, SETTINGS)
    return case, reply_script(cause, case, known), actions(cause, case, ctx, evidence, known)


def test_every_template_fills_in_both_languages() -> None:
    known = facts(context(), SETTINGS)
    for cause, case in TEMPLATES:
        text = reply_script(cause, case, known)
        assert text["zh"] and text["en"], (cause, case)
        assert "{" not in text["zh"] + text["en"], (cause, case)
        assert (
            any("\u4e00" <= ch <= "\u9fff" for ch in text["zh"]) and text["en"].isascii()
        ) or "’" in text["en"]


def test_planned_site_names_place_and_date() -> None:
    case, text, acts = script(
        "weak_coverage", areas=[area("planned_site", name="Lujiazui gap", planned=date(2026, 9, 1))]
    )
    assert case == "planned_site"
    assert "Lujiazui gap" in text["zh"] and "2026年9月" in text["zh"] and "新建基站" in text["zh"]
    assert "Lujiazui gap" in text["en"] and "September 2026" in text["en"]
    assert any("planned" in a for a in acts)


def test_a_planned_site_held_up_is_not_promised() -> None:
    """The handbook's own cause, 建站计划遇阻: a planned site whose note says the owners object is
    not "planned to improve coverage, we will push for it" (gen 27's 岗厦村); an area named after
    the site is not the customer's place."""
    held_up = area("planned_site", name="岗厦村室外微站", note="业主反对，建站受阻")
    ctx = context(areas=[held_up])
    case, text, acts = script("weak_coverage", areas=[held_up])
    assert case == "planned_blocked"
    assert "遇到阻碍" in text["zh"] and "held up" in text["en"] and "岗厦村" not in text["en"]
    assert "the place you reported" in text["en"] and "建站计划遇阻" in acts[0]
    site = find(run_checks(ctx, SETTINGS), "planned_site")
    assert "its build is held up (业主反对，建站受阻)" in site.detail
    on_track = area("planned_site", name="Tengah BTO", note="permit approved, on air in June")
    assert script("weak_coverage", areas=[on_track])[0] == "planned_site"


def test_indoor_script_mentions_floor() -> None:
    case, text, _ = script("weak_coverage", floor=-2, coverage=coverage(rsrp_p50=-95.0))
    assert (
        case == "indoor"
        and "-2楼" in text["zh"]
        and "floor -2" in text["en"]
        and "建筑材料" in text["zh"]
    )


def test_interference_source_found() -> None:
    case, text, acts = script(
        "interference", areas=[area("interference_source", name="Xinhua Plastics")]
    )
    assert (
        case == "source_found"
        and "Xinhua Plastics" in text["zh"]
        and "Xinhua Plastics" in text["en"]
    )
    assert any("Xinhua Plastics" in a for a in acts)


def test_outage_under_repair_and_restored_with_local_times() -> None:
    shanghai = timezone(timedelta(hours=8))
    raised = T - timedelta(hours=2)
    case, text, acts = script(
        "outage",
        reported_at=T.astimezone(shanghai),
        alarms=[alarm("transmission", "A", raised=raised)],
    )
    local = raised.astimezone(shanghai)
    assert (
        case == "transmission" and "A" in text["en"] and f"{local:%H:%M}" in text["zh"] + text["en"]
    )
    assert any("transmission" in a for a in acts)
    case, text, _ = script(
        "outage",
        alarms=[
            alarm(
                "site_down", "A", raised=T - timedelta(hours=2), cleared=T - timedelta(minutes=20)
            )
        ],
    )
    assert case == "restored" and "现已修复" in text["zh"] and "repaired" in text["en"]
    case, text, _ = script(
        "outage", alarms=[alarm("transmission", "A", text="fibre stolen overnight")]
    )
    assert case == "fibre_stolen" and "光缆被盗" in text["zh"] and "stolen" in text["en"]


def test_a_site_on_battery_went_down_when_its_cells_did_not_at_the_mains_failure() -> None:
    # mains failed at 05:00, the batteries held until 08:30 (gen 24's typhoon sites): the
    # reply says service stopped at 08:30, and it is still the power situation
    shanghai = timezone(timedelta(hours=8))
    mains = T - timedelta(hours=5)
    down = T - timedelta(hours=1, minutes=30)
    case, text, _ = script(
        "outage",
        reported_at=T.astimezone(shanghai),
        alarms=[alarm("power", "A", raised=mains), alarm("site_down", "A", raised=down)],
    )
    assert case == "power"
    assert f"{down.astimezone(shanghai):%H:%M}" in text["zh"]
    assert f"{mains.astimezone(shanghai):%H:%M}" not in text["zh"]


def test_planned_works_over_are_no_fault_repaired() -> None:
    """Works that ended before the call are told as works, not as a fault now repaired (gen 28:
    '出现故障，现已修复' for a site switched off for construction)."""
    works = alarm(
        "site_down",
        "A",
        raised=T - timedelta(hours=5),
        cleared=T - timedelta(hours=2),
        text="Planned works: antenna swap",
    )
    case, text, acts = script("outage", symptom="no_signal", alarms=[works])
    assert case == "works_done" and "工程建设" in text["zh"] and "故障" not in text["zh"]
    assert "planned works" in text["en"] and "call the customer back" in acts[0]


def test_the_cause_raised_last_before_the_cells_went_down_took_them_down() -> None:
    """Mains failed at 13:55 and the batteries held; the fibre burnt at 14:35 and the cells went
    down with it: a transmission fault, named so in the evidence, the reply and the action, and
    repaired when the link came back (gen 28's bushfire: 'lost power', field maintenance)."""
    mains, fibre = T - timedelta(hours=5), T - timedelta(hours=4, minutes=20)
    linked = T + timedelta(hours=2)
    alarms = [
        alarm("power", "A", raised=mains, severity="major"),
        alarm("transmission", "A", raised=fibre, cleared=linked),
        alarm("cell_unavailable", "A", raised=fibre + timedelta(minutes=1)),
    ]
    case, text, acts = script("outage", alarms=alarms)
    assert case == "transmission" and "link" in text["en"]
    assert any("Dispatch transmission" in a for a in acts)
    named = find(run_checks(context(alarms=alarms), SETTINGS), "outage_alarms")
    assert "transmission" in named.detail and "power" not in named.detail.split("(+")[0]


@pytest.mark.parametrize(
    ("frequency", "expected"), [("occasional", "busy_hour"), ("frequent", "capacity")]
)
def test_congestion_busy_hour_or_capacity(frequency: str, expected: str) -> None:
    shanghai = timezone(timedelta(hours=8))
    case, text, _ = script(
        "congestion",
        frequency=frequency,
        reported_at=T.astimezone(shanghai),
        kpis={"A-1": kpi(prb_busy=95.0, prb_busy_hours=2, busy_hour=T - timedelta(hours=1))},
    )
    busy = (T - timedelta(hours=1)).astimezone(shanghai)
    assert case == expected and f"{busy:%H}:00" in text["zh"] and f"{busy:%H}:00" in text["en"]


def test_terminal_scripts() -> None:
    case, text, acts = script(
        "terminal_sim", symptom="cannot_call", subscriber=subscriber(volte=False)
    )
    assert case == "device" and "VoLTE" in text["zh"] and "Acme A1" in text["en"]
    case, text, acts = script("terminal_sim", subscriber=subscriber(sim="3g"))
    assert (
        case == "old_sim"
        and "3G" in text["zh"]
        and "SIM" in text["en"]
        and any("SIM swap" in a for a in acts)
    )
    case, text, _ = script("terminal_sim")
    assert case == "try_other" and "换机" in text["zh"] and "another phone" in text["en"]
    # a recorded fault of the model is told before an old SIM (gen 29: "swap your 3G SIM" for
    # a dual-SIM call bug)
    faulty_old_sim = subscriber(sim="3g", issue="dual-SIM call bug drops calls")
    case, _, _ = script("terminal_sim", symptom="call_drop", subscriber=faulty_old_sim)
    assert case == "known_issue"


def test_roaming_scripts() -> None:
    off = Registration(T, "registered", "454-00", None, False, False)
    case, text, acts = script("roaming_registration", symptom="roaming_failure", registration=off)
    assert case == "roaming_off" and "漫游" in text["zh"] and "roaming" in text["en"]
    # the register's flag is the number's roaming service: enabled on the account, not only in
    # the handset's settings (gens 27, 28)
    assert "开通漫游服务" in text["zh"] and "enable it on your account" in text["en"]
    assert "开通漫游" in acts[0]
    forwarded = Registration(T, "registered", "460-00", None, True, True)
    case, text, _ = script("roaming_registration", symptom="cannot_receive", registration=forwarded)
    assert case == "forwarding" and "呼叫转移" in text["zh"] and "##002#" in text["en"]
    rejected = Registration(T, "rejected", "454-00", "13", False, True)
    case, text, acts = script(
        "roaming_registration", symptom="roaming_failure", registration=rejected
    )
    assert case == "visited" and "454-00" in text["zh"] and "454-00" in acts[0]
    registered_abroad = Registration(T, "registered", "454-00", None, False, True)
    case, text, acts = script(
        "roaming_registration", symptom="no_data", registration=registered_abroad
    )
    assert case == "abroad_settings" and "数据漫游" in text["zh"] and "454-00" in text["en"]
    assert "data roaming" in acts[0] and "454-00" in acts[0]
    home = Registration(T, "not_registered", "460-00", None, False, True)
    case, text, _ = script("roaming_registration", symptom="cannot_call", registration=home)
    assert (
        case == "not_registered"
        and "关开机" in text["zh"]
        and "switch the phone off and on" in text["en"]
    )


def test_no_fault_script_names_place_and_time() -> None:
    """Reported at 20:00 UTC from Shanghai: the script speaks the customer's clock, 04:00 on
    4 May; a time given with its own offset is spoken in that offset. A place no area names is
    "the place you reported", not its coordinates read out (gens 25, 26)."""
    _, text, _ = script("no_fault_found")
    assert "您反映的地点" in text["zh"] and "the place you reported" in text["en"]
    assert "31.23" not in text["zh"] and "31.23" not in text["en"]
    assert "5月4日04:00" in text["zh"] and "4 May 04:00" in text["en"]
    _, text, _ = script("no_fault_found", reported_at=T.astimezone(timezone(timedelta(hours=3))))
    assert "5月3日23:00" in text["zh"] and "3 May 23:00" in text["en"]


def test_urgent_complaints_escalate_first() -> None:
    _, _, acts = script("no_fault_found", urgent=True)
    assert acts[0].startswith("Urgent")


def test_scripts_never_contain_the_msisdn() -> None:
    ctx = replace(context(), complaint=replace(context().complaint, msisdn_masked="138****8000"))
    for cause, case in TEMPLATES:
        text = reply_script(cause, case, facts(ctx, SETTINGS))
        assert "138" not in text["zh"] + text["en"]


def test_a_visitor_rejected_on_our_network_is_taken_up_with_its_home_operator() -> None:
    """An inbound roamer (home 454-12) rejected on the operator's own 460-00: the partner to
    coordinate with is the visitor's home operator, not "the visited operator 460-00" (us)."""
    rejected = Registration(T, "rejected", "460-00", "13", False, True)
    case, text, acts = script(
        "roaming_registration",
        symptom="roaming_failure",
        registration=rejected,
        subscriber=subscriber(home="454-12"),
        own_networks=("460-00",),
    )
    assert case == "visitor"
    assert "home operator 454-12" in acts[0] and "visited operator" not in acts[0]
    # the reply names our network as ours and the home operator as the other party (gen 22:
    # "the local network (234-30) … sort it out with that operator", 234-30 being us)
    assert "our network (460-00)" in text["en"] and "home operator" in text["en"]
    assert "我们的网络（460-00）" in text["zh"] and "归属运营商" in text["zh"]


def test_a_customer_writing_traditional_is_answered_in_their_region_s_usage() -> None:
    """Kaohsiung: Taiwan's words (網路, 訊號); Hong Kong / Cantonese: Hong Kong's characters; the
    operator's names are written as given (an area's 干擾 must not become 幹擾); the place is
    not named twice when it is the interference source itself (gen 24)."""
    kaohsiung = {"lat": 22.6273, "lon": 120.3014}
    case, text, _ = script("no_fault_found", description="網路很慢，訊號很差", **kaohsiung)
    assert "網路" in text["zh"] and "网" not in text["zh"]
    source = area("interference_source", name="前鎮干擾源")
    case, text, _ = script(
        "interference", description="通話一直斷，訊號很差", areas=[source], **kaohsiung
    )
    assert case == "source_found"
    assert "前鎮干擾源" in text["zh"] and "幹擾源" not in text["zh"]
    assert text["zh"].count("前鎮干擾源") == 1
    _, text, _ = script("no_fault_found", description="屋企冇訊號")
    assert "網絡" in text["zh"]  # Hong Kong's usage for Cantonese
    _, text, _ = script("no_fault_found", description="家里信号不好")
    assert "网络" in text["zh"]  # simplified stays simplified


def test_the_engine_s_roaming_evidence_tells_work_orders_a_customer_setting_from_a_reject() -> None:
    """The work-order rule reads the engine's own evidence JSON: roaming switched off (not
    registered) or calls forwarded is the customer's to change, a network's reject is not."""
    cases = [
        (Registration(T, "not_registered", None, None, False, False), "roaming_failure", True),
        (Registration(T, "registered", "460-00", None, True, True), "cannot_receive", True),
        (Registration(T, "rejected", "454-00", "13", False, False), "roaming_failure", False),
        (Registration(T, "registered", "454-00", "13", False, False), "roaming_failure", False),
    ]
    for registration, symptom, setting in cases:
        ctx = context(symptom=symptom, registration=registration, description="在香港漫游")
        evidence = [e.as_json() for e in run_checks(ctx, SETTINGS)]
        assert customer_setting("roaming_registration", evidence) is setting, registration


def test_roaming_replies_say_only_what_is_known() -> None:
    # abroad by its words, no registration on record: not "registered on the local network",
    # and no Chinese placeholder for the unknown network in the English (gen 25)
    case, text, acts = script(
        "roaming_registration",
        symptom="roaming_failure",
        registration=None,
        description="just landed in Cancun and no service at all",
    )
    assert case == "abroad_unknown" and "registered on" not in text["en"]
    assert text["en"].isascii() and "当地运营商" in text["zh"]
    assert "data roaming on" in acts[0]  # the settings to check, as with a registration
    # a visitor with no profile of ours, rejected on our own network: its home operator is the
    # other party, not "the local network" (which is us; gen 26)
    rejected_here = Registration(T, "rejected", "460-00", "13", False, True)
    case, text, acts = script(
        "roaming_registration",
        symptom="roaming_failure",
        registration=rejected_here,
        subscriber=None,
        own_networks=("460-00",),
        description="just landed, phone says no service",
    )
    assert case == "visitor" and "home operator" in text["en"] and "local network" not in text["en"]
    assert "the visitor's home operator" in acts[0]  # the action agrees: not "visited operator"
    # our subscriber at a place in our own country, on the neighbour country's network: the
    # phone latched across the border; choose our network by hand (gen 26's Woodlands)
    latched = Registration(T, "registered", "502-12", None, False, True)
    at_home = replace(context().serving, other_country=False)
    case, text, acts = script(
        "roaming_registration",
        symptom="no_data",
        registration=latched,
        serving=at_home,
        own_networks=("460-00",),
    )
    assert case == "border" and "manual" in text["en"] and "502-12" in text["zh"]
    assert "select our network by hand" in acts[0] and "502-12" in acts[0]
    # on the border itself, where the boundary data can't tell the side (Luohu port reads as
    # Hong Kong, gen 27): latched where our cells serve, unless the customer says they are across
    on_the_line = replace(context().serving, other_country=None)
    at_the_port = {"registration": latched, "serving": on_the_line, "own_networks": ("460-00",)}
    case, _, _ = script(
        "roaming_registration",
        symptom="cannot_call",
        description="罗湖口岸排队过关时手机连到3香港，打唔出电话",
        **at_the_port,
    )
    assert case == "border"
    case, _, _ = script(
        "roaming_registration",
        symptom="cannot_call",
        description="人在马来西亚新山，没有网络",
        **at_the_port,
    )
    assert case == "abroad_settings"


def test_a_place_on_a_border_is_in_neither_country() -> None:
    luohu, shenzhen = (22.531845, 114.117195), (22.543, 114.057)
    assert countries_around(*luohu, 1000.0) == {"CN", "HK"}
    assert countries_around(*shenzhen, 1000.0) == {"CN"}
    assert country_at(*luohu) == "HK"  # the simplified boundary data's side


def test_a_visitor_is_sent_to_its_home_operator() -> None:
    """A tourist with no profile of ours, not registered and no network on record, travelling
    here where our cells serve: not 'the local operator' (us); one whose roaming is off is told
    its home operator enables it, which we can't (gen 30)."""
    here = replace(context().serving, other_country=False)
    lost = Registration(T, "not_registered", None, None, False, True)
    case, text, acts = script(
        "roaming_registration",
        symptom="no_signal",
        registration=lost,
        subscriber=None,
        serving=here,
        own_networks=("262-03",),
        description="没有信号，手机一直显示无服务，在慕尼黑旅游",
    )
    assert case == "visitor" and "归属运营商" in text["zh"] and "当地运营商" not in text["zh"]
    assert "home operator" in acts[0]
    off = Registration(T, "registered", "262-03", None, False, False)
    case, text, acts = script(
        "roaming_registration",
        symptom="no_data",
        registration=off,
        subscriber=None,
        serving=here,
        own_networks=("262-03",),
        description="在加米施漫游上不了网",
    )
    assert case == "visitor_roaming_off" and "only your home operator" in text["en"]
    assert "我方无法为您开通" in text["zh"] and "home operator" in acts[0]
    # our own subscriber (a profile of ours) with roaming off is ours to enable
    ours = script("roaming_registration", symptom="no_data", registration=off, serving=here)
    assert ours[0] == "roaming_off"


def test_a_floor_and_an_unknown_phone_read_as_words() -> None:
    known = facts(context(floor=14, subscriber=None, registration=None), SETTINGS)
    text = reply_script("weak_coverage", "indoor", known)
    assert "the place you reported on floor 14" in text["en"]
    assert known.model_en == "phone" and known.network_en == "the local network"
    assert known.spot_en == "31.2300, 121.4700"  # the engineers' actions keep the coordinates
