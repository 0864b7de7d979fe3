"""Each check of the user-side causes (terminal/SIM, roaming/registration): normal, abnormal
and unknown (missing data), on hand-built contexts (``tests.diag_contexts``), and the 5G layer
and bands a phone can't use; the network causes' checks are in ``test_diag_checks``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from diagnostics.checks import run_checks
from diagnostics.checks.terminal_device import gap_in_words, normalise_band, nr_gap
from diagnostics.evidence import Context, OtherComplaint, Registration
from diagnostics.ranking import rank
from tests.diag_contexts import SETTINGS, Case, T, assert_check, context, find, kpi, subscriber

CASES: list[Case] = [
    # --- terminal / SIM ---
    ("terminal_sim", "device_capability", lambda: context(symptom="cannot_call"), "normal"),
    (
        "terminal_sim",
        "device_capability",
        lambda: context(symptom="cannot_call", subscriber=subscriber(volte=False)),
        "abnormal",
    ),
    (
        "terminal_sim",
        "device_capability",
        lambda: context(subscriber=subscriber(bands=("B40",))),
        "abnormal",
    ),
    ("terminal_sim", "device_capability", lambda: context(subscriber=None), "unknown"),
    ("terminal_sim", "sim_type", lambda: context(), "normal"),
    ("terminal_sim", "sim_type", lambda: context(subscriber=subscriber(sim="3g")), "abnormal"),
    ("terminal_sim", "sim_type", lambda: context(subscriber=None), "unknown"),
    ("terminal_sim", "device_known_issue", lambda: context(), "normal"),
    (
        "terminal_sim",
        "device_known_issue",
        lambda: context(subscriber=subscriber(issue="modem stalls: data stops")),
        "abnormal",
    ),
    ("terminal_sim", "device_known_issue", lambda: context(subscriber=None), "unknown"),
    ("terminal_sim", "problem_everywhere", lambda: context(everywhere=False), "normal"),
    ("terminal_sim", "problem_everywhere", lambda: context(everywhere=True), "abnormal"),
    ("terminal_sim", "problem_everywhere", lambda: context(), "unknown"),
    (
        "terminal_sim",
        "problem_everywhere",
        lambda: context(description="信号不好，到哪里都这样"),  # the field empty, the text says it
        "abnormal",
    ),
    (
        "terminal_sim",
        "problem_everywhere",
        lambda: context(description="only at home, fine elsewhere"),
        "normal",
    ),
    (
        "terminal_sim",
        "problem_everywhere",
        lambda: context(everywhere=False, description="到哪里都这样"),  # the field wins
        "normal",
    ),
    (
        "terminal_sim",
        "neighbours_affected",
        lambda: context(neighbours_affected="unknown", description="周围用户也一样"),
        "abnormal",
    ),
    (
        "terminal_sim",
        "neighbours_affected",
        lambda: context(description="my colleagues have no problem"),
        "normal",
    ),
    ("terminal_sim", "neighbours_affected", lambda: context(neighbours_affected="no"), "normal"),
    ("terminal_sim", "neighbours_affected", lambda: context(neighbours_affected="yes"), "abnormal"),
    (
        "terminal_sim",
        "neighbours_affected",
        lambda: context(neighbours_affected="unknown"),
        "unknown",
    ),
    ("terminal_sim", "repeat_elsewhere", lambda: context(), "normal"),
    (
        "terminal_sim",
        "repeat_elsewhere",
        lambda: context(
            repeats=[OtherComplaint("X1", T - timedelta(days=3), 31.3, 121.6, None, None, 15_000.0)]
        ),
        "abnormal",
    ),
    (
        "terminal_sim",
        "repeat_elsewhere",
        lambda: context(serving=replace(context().serving, location=None)),
        "unknown",
    ),
    ("terminal_sim", "other_users_affected", lambda: context(), "normal"),
    (
        "terminal_sim",
        "other_users_affected",
        lambda: context(kpis={"A-1": kpi(prb_busy=97.0, prb_busy_hours=2)}),
        "abnormal",
    ),
    ("terminal_sim", "other_users_affected", lambda: context(kpis={}, coverage=None), "unknown"),
    # --- roaming / registration ---
    (
        "roaming_registration",
        "registration_status",
        lambda: context(symptom="roaming_failure"),
        "normal",
    ),
    (
        "roaming_registration",
        "registration_status",
        lambda: context(
            symptom="roaming_failure",
            registration=Registration(
                T - timedelta(hours=1), "rejected", "454-00", "13", False, True
            ),
        ),
        "abnormal",
    ),
    ("roaming_registration", "registration_status", lambda: context(registration=None), "unknown"),
    (
        "roaming_registration",
        "roaming_switch",
        lambda: context(symptom="roaming_failure"),
        "normal",
    ),
    (
        "roaming_registration",
        "roaming_switch",
        lambda: context(
            symptom="roaming_failure",
            registration=Registration(
                T - timedelta(hours=1), "registered", "454-00", None, False, False
            ),
        ),
        "abnormal",
    ),
    (
        "roaming_registration",
        "roaming_switch",
        lambda: context(registration=Registration(T, "registered", "460-00", None, False, None)),
        "unknown",
    ),
    (
        "roaming_registration",
        "call_forwarding",
        lambda: context(symptom="cannot_receive"),
        "normal",
    ),
    (
        "roaming_registration",
        "call_forwarding",
        lambda: context(
            symptom="cannot_receive",
            registration=Registration(T, "registered", "460-00", None, True, True),
        ),
        "abnormal",
    ),
    (
        "roaming_registration",
        "call_forwarding",
        lambda: context(registration=Registration(T, "registered", "460-00", None, None, True)),
        "unknown",
    ),
    ("roaming_registration", "visited_network", lambda: context(), "normal"),
    (
        "roaming_registration",
        "visited_network",
        lambda: context(
            symptom="roaming_failure",
            registration=Registration(T, "registered", "454-00", None, False, True),
        ),
        "abnormal",
    ),
    ("roaming_registration", "visited_network", lambda: context(subscriber=None), "unknown"),
]


@pytest.mark.parametrize(
    ("cause", "check", "build", "finding"),
    CASES,
    ids=[f"{c[1]}-{c[3]}-{k}" for k, c in enumerate(CASES)],
)
def test_check(cause: str, check: str, build: Callable[[], Context], finding: str) -> None:
    assert_check(cause, check, build, finding)


def test_known_issue_matching_the_symptom_weighs_more() -> None:
    issue = "VoLTE call drops after handover"
    fits = find(
        run_checks(context(symptom="call_drop", subscriber=subscriber(issue=issue)), SETTINGS),
        "device_known_issue",
    )
    other = find(
        run_checks(context(symptom="sms_failure", subscriber=subscriber(issue=issue)), SETTINGS),
        "device_known_issue",
    )
    assert fits.support > other.support > 0 and "fits the symptom" in fits.detail


def test_slow_data_expecting_5g_on_a_phone_or_sim_without_it() -> None:
    nr_here: dict[str, Any] = {"network_technologies": ("LTE", "NR")}
    expecting = context(description="5G网速还不如4G", subscriber=subscriber(nr=False), **nr_here)
    ctx = replace(expecting, serving=replace(expecting.serving, network_technologies=("LTE", "NR")))
    assert find(run_checks(ctx, SETTINGS), "device_capability").finding == "abnormal"
    plain = context(description="网速很慢", subscriber=subscriber(nr=False), **nr_here)
    # 4G speed where 5G serves is the service this phone gets, when 5G is not what is missed
    assert find(run_checks(plain, SETTINGS), "device_capability").finding == "normal"


def test_other_users_fine_says_what_it_is_based_on() -> None:
    """With no cell inventory (real drive-test MR only) "fine" rests on MR alone: the detail
    must not claim KPIs and alarms it never saw."""
    both = find(run_checks(context(), SETTINGS), "other_users_affected")
    assert both.finding == "normal" and "KPIs and alarms" in both.detail and "MR" in both.detail
    mr_only = find(run_checks(context(kpis={}), SETTINGS), "other_users_affected")
    assert mr_only.finding == "normal"
    assert "MR of the place" in mr_only.detail and "KPI" not in mr_only.detail
    no_feed = find(run_checks(context(alarm_feed=False), SETTINGS), "other_users_affected")
    assert "KPIs" in no_feed.detail and "alarms" not in no_feed.detail


def _nr_here(ctx: Context, bands: tuple[str, ...] = ("B3",)) -> Context:
    ctx.network_technologies = ("LTE", "NR")
    ctx.serving = replace(ctx.serving, bands=bands, network_technologies=("LTE", "NR"))
    return ctx


# --- the 5G layer and the bands a phone can't use ---------------------------------------------


def test_nr_gap() -> None:
    no_nr = subscriber(nr=False).device
    no_band = subscriber(nr=True, bands=("B3", "n78")).device
    assert no_nr is not None and no_band is not None
    assert nr_gap(context(), no_nr) is None  # only 4G here
    assert nr_gap(_nr_here(context()), no_nr) == "has no 5G"
    assert nr_gap(_nr_here(context(), ("B3", "n41")), no_band) == (
        "lacks the 5G band(s) n41 used here"
    )
    assert nr_gap(_nr_here(context()), no_band) is None  # the NR cells' bands are not known


def test_slow_data_where_5g_serves_on_a_phone_without_it() -> None:
    """Healthy 4G is the service a phone without 5G gets: no finding unless the customer
    expects 5G ("5G网速慢")."""
    plain = _nr_here(context(subscriber=subscriber(nr=False)))
    assert find(run_checks(plain, SETTINGS), "device_capability").finding == "normal"
    expecting = _nr_here(context(description="5G网速慢", subscriber=subscriber(nr=False)))
    item = find(run_checks(expecting, SETTINGS), "device_capability")
    assert item.support == SETTINGS.score_weight_medium
    lte_only = context(subscriber=subscriber(nr=False))
    assert find(run_checks(lte_only, SETTINGS), "device_capability").finding == "normal"
    unknown_phone = _nr_here(context(subscriber=replace(subscriber(), device=None)))
    assert find(run_checks(unknown_phone, SETTINGS), "device_capability").finding == "unknown"
    calls = _nr_here(context(symptom="call_drop", subscriber=subscriber(nr=False)))
    assert find(run_checks(calls, SETTINGS), "device_capability").finding == "normal"


def test_a_4g_sim_expecting_5g_is_a_hint() -> None:
    ctx = _nr_here(context(description="5G网速慢", subscriber=subscriber(nr=True, sim="4g")))
    item = find(run_checks(ctx, SETTINGS), "device_capability")
    assert item.finding == "abnormal" and item.support == SETTINGS.score_weight_weak


def test_never_shows_5g_on_a_phone_without_it_is_the_handset() -> None:
    """ "I pay for 5G but my phone never shows 5G", filed as a signal complaint: where 5G serves,
    a phone without it is the answer, whatever the symptom field says."""
    text = "I pay for a 5G plan but my phone never shows 5G."
    ctx = _nr_here(context(symptom="weak_signal", description=text, subscriber=subscriber()))
    item = find(run_checks(ctx, SETTINGS), "device_capability")
    assert item.finding == "abnormal" and item.support == SETTINGS.score_weight_medium
    able = subscriber(nr=True, sim="5g")
    able_ctx = _nr_here(context(symptom="weak_signal", description=text, subscriber=able))
    assert find(run_checks(able_ctx, SETTINGS), "device_capability").finding == "normal"


def test_a_handset_bought_abroad_lacking_a_band_used_here() -> None:
    """水货/海外版: a phone bought abroad that lacks one of the serving cells' bands. Lacking a band
    is common and says nothing alone; with the customer saying the phone is an overseas model it
    is the handset."""
    text = "手机是在国外买的，在家经常没信号"
    tdd = replace(context().serving, bands=("B3", "B39", "B41"))
    lacking = context(symptom="weak_signal", description=text, serving=tdd)
    item = find(run_checks(lacking, SETTINGS), "device_capability")
    assert item.finding == "abnormal" and item.support == SETTINGS.score_weight_medium
    assert "B39, B41" in item.detail
    unsaid = context(symptom="weak_signal", serving=tdd)
    assert find(run_checks(unsaid, SETTINGS), "device_capability").finding == "normal"
    fits = context(symptom="weak_signal", description=text)  # B3 here, and the phone has it
    assert find(run_checks(fits, SETTINGS), "device_capability").finding == "normal"
    unknown_phone = context(
        symptom="weak_signal", description=text, subscriber=replace(subscriber(), device=None)
    )
    item = find(run_checks(unknown_phone, SETTINGS), "device_capability")
    assert item.finding == "abnormal" and item.support == SETTINGS.score_weight_weak


def test_a_phone_without_the_4g_bands_here_gets_2g_data() -> None:
    """Only B20 carries 4G here (and GSM900): a China-market phone with 4G but not B20 is left
    with GPRS/EDGE, which explains "no data"; with a 3G layer it usable, slower data only."""
    rural = replace(
        context().serving, bands=("B20", "GSM900"), layers=(("GSM", "GSM900"), ("LTE", "B20"))
    )
    cn_phone = subscriber(bands=("GSM900", "B1", "B3", "B39", "B41"))
    stuck = context(symptom="no_data", serving=rural, subscriber=cn_phone)
    item = find(run_checks(stuck, SETTINGS), "device_capability")
    assert item.finding == "abnormal" and item.support == SETTINGS.score_weight_medium
    assert "B20" in item.detail and "2G" in item.detail
    with_3g = replace(rural, layers=(*rural.layers, ("UMTS", "UMTS2100")))
    three_g = context(
        symptom="no_data",
        serving=with_3g,
        subscriber=subscriber(bands=("GSM900", "UMTS2100", "B1", "B3")),
    )
    item = find(run_checks(three_g, SETTINGS), "device_capability")
    assert item.support == SETTINGS.score_weight_weak and "3G speeds" in item.detail
    fits = context(symptom="no_data", serving=rural, subscriber=subscriber(bands=("GSM900", "B20")))
    assert find(run_checks(fits, SETTINGS), "device_capability").finding == "normal"
    calls = context(symptom="call_drop", serving=rural, subscriber=cn_phone)  # GSM carries calls
    assert find(run_checks(calls, SETTINGS), "device_capability").finding == "normal"


def test_a_2g_phone_with_a_signal_complaint_where_2g_serves() -> None:
    """A feature phone takes its signal from the GSM cells: where they serve, being 2G-only (and
    carrying an old SIM) doesn't explain weak signal; where only 4G serves, it does; and asking
    it for mobile data still is the handset."""
    feature = replace(subscriber(lte=False, volte=False, bands=("GSM900",)), sim_type="2g")
    mixed = context(symptom="weak_signal", subscriber=feature)
    mixed.network_technologies = ("GSM", "LTE")
    mixed.serving = replace(
        mixed.serving,
        network_technologies=("GSM", "LTE"),
        bands=("B3", "GSM900"),
        layers=(("GSM", "GSM900"), ("LTE", "B3")),
    )
    evidence = run_checks(mixed, SETTINGS)
    assert find(evidence, "device_capability").finding == "normal"
    assert find(evidence, "sim_type").support == SETTINGS.score_weight_context
    lte_only = context(symptom="weak_signal", subscriber=feature)
    assert find(run_checks(lte_only, SETTINGS), "device_capability").support == (
        SETTINGS.score_weight_decisive
    )
    data = replace(mixed, complaint=replace(mixed.complaint, symptom="no_data"))
    assert find(run_checks(data, SETTINGS), "device_capability").support == (
        SETTINGS.score_weight_decisive
    )


def test_the_reply_names_the_5g_gap() -> None:
    zh, en = gap_in_words(_nr_here(context(subscriber=subscriber(nr=False))))
    assert "5G" in zh and "uses 4G only" in en


def test_a_band_list_of_4g_and_5g_says_nothing_of_the_2g_3g_layers() -> None:
    """Most catalogues list a phone's LTE/NR bands only: where GSM900 and UMTS band 1 serve, such
    a phone is not lacking their bands (every phone has GSM; UMTS band 1 is not LTE B1); where
    only LTE B20 carries 4G, a list without B20 is the gap, named as B20."""
    legacy = replace(
        context().serving,
        bands=("GSM900", "1"),
        layers=(("GSM", "GSM900"), ("UMTS", "1")),
    )
    lte_list = subscriber(bands=("B1", "B3", "B8"))
    valley = context(symptom="weak_signal", serving=legacy, subscriber=lte_list)
    assert find(run_checks(valley, SETTINGS), "device_capability").finding == "normal"
    village = replace(legacy, bands=("GSM900", "1", "B20"), layers=(*legacy.layers, ("LTE", "B20")))
    lacking = find(
        run_checks(context(symptom="no_data", serving=village, subscriber=lte_list), SETTINGS),
        "device_capability",
    )
    assert lacking.finding == "abnormal" and lacking.support == SETTINGS.score_weight_medium
    assert lacking.detail.endswith("none of the serving cells' bands B20")
    gsm_list = subscriber(bands=("GSM1800", "B3"))  # a list naming 2G bands counts them
    gsm_only = context(symptom="weak_signal", serving=legacy, subscriber=gsm_list)
    assert find(run_checks(gsm_only, SETTINGS), "device_capability").finding == "abnormal"


def test_a_2g_band_named_with_or_without_its_technology_is_the_same_band() -> None:
    """A catalogue writes "GSM900 GSM1800", a cell list "900" (GSM) and "2100" (UMTS): the feature
    phone has the GSM band serving here. And a phone without 4G makes its calls on 2G natively:
    "no VoLTE" is no finding for it where 2G/3G serve."""
    assert normalise_band("GSM900") == normalise_band("900") == "900"
    assert normalise_band("UMTS 2100") == normalise_band("WCDMA2100") == "2100"
    assert normalise_band("B3") == "3" and normalise_band("n78") == "n78"
    legacy = replace(
        context().serving,
        network_technologies=("GSM", "UMTS"),
        bands=("900", "2100"),
        layers=(("GSM", "900"), ("UMTS", "2100")),
    )
    feature = subscriber(lte=False, volte=False, bands=("GSM900", "GSM1800"))
    for symptom in ("cannot_call", "call_drop", "weak_signal"):
        ctx = context(symptom=symptom, serving=legacy, subscriber=feature)
        ctx.network_technologies = ("GSM", "UMTS")
        item = find(run_checks(ctx, SETTINGS), "device_capability")
        assert item.finding == "normal", (symptom, item.detail)
    dcs_only = context(
        symptom="weak_signal", serving=legacy, subscriber=subscriber(lte=False, bands=("DCS1800",))
    )
    dcs_only.network_technologies = ("GSM", "UMTS")
    lacking = find(run_checks(dcs_only, SETTINGS), "device_capability")
    assert lacking.finding == "abnormal" and "none of the serving cells' bands" in lacking.detail
    lte_phone = subscriber(volte=False, bands=("B3", "GSM900"))  # 4G without VoLTE: CSFB
    csfb = context(symptom="call_drop", serving=legacy, subscriber=lte_phone)
    csfb.network_technologies = ("GSM", "UMTS", "LTE")
    assert "CSFB" in find(run_checks(csfb, SETTINGS), "device_capability").detail


def test_a_phone_with_none_of_the_bands_here_explains_not_being_registered() -> None:
    """An imported phone (US bands) where only B3/B40 serve can't attach: "not registered" beside
    it is its consequence, as for a 2G phone where only 4G serves, and terminal/SIM leads. A
    reject cause comes from the network, so a rejected phone reached it: then the registration is
    the fault, the band gap only a finding. A cell list in MHz ("1800") against band numbers
    shows nothing the phone lacks."""
    imported = subscriber(bands=("B2", "B4", "B12", "B66", "B71"))
    lte = replace(context().serving, bands=("B3", "B40"), layers=(("LTE", "B3"), ("LTE", "B40")))
    unregistered = Registration(T - timedelta(hours=1), "not_registered", None, None, False, True)

    def diagnosed(registration: Registration, serving: Any = lte) -> tuple[Any, str]:
        ctx = context(
            symptom="no_signal", serving=serving, subscriber=imported, registration=registration
        )
        evidence = run_checks(ctx, SETTINGS)
        return find(evidence, "device_capability"), rank(evidence, "no_signal", SETTINGS).primary

    stranded, primary = diagnosed(unregistered)
    assert stranded.support == SETTINGS.score_weight_decisive
    assert "can't attach here" in stranded.detail and primary == "terminal_sim"
    rejected = replace(unregistered, status="rejected", reject_cause="#11 PLMN not allowed")
    lacking, _ = diagnosed(rejected)
    assert lacking.support == SETTINGS.score_weight_medium and "can't attach" not in lacking.detail
    mhz = replace(lte, bands=("1800",), layers=(("LTE", "1800"),))
    unnamed, _ = diagnosed(unregistered, mhz)
    assert unnamed.finding == "normal"


def test_an_operators_band_labels_against_a_catalogues_band_numbers() -> None:
    """A cell list naming its layers "L1800", "L2100", "n78" and a catalogue giving band numbers
    ("1 3 … 78") can't be compared: no band gap (and no stranded phone), where the text compare
    found every phone lacking every band. A 5G phone listing "78" has n78."""
    assert [normalise_band(b) for b in ("L1800", "LTE-2100", "TDD 2300", "NR3500", "U2100")] == [
        "1800",
        "2100",
        "2300",
        "3500",
        "2100",
    ]
    labels = replace(
        context().serving,
        bands=("L2100", "n78"),
        layers=(("LTE", "L2100"), ("NR", "n78")),
        network_technologies=("LTE", "NR"),
    )
    phone = subscriber(nr=True, sim="5g", bands=("1", "3", "8", "41", "78"))
    unregistered = Registration(T - timedelta(hours=1), "not_registered", None, None, False, True)
    ctx = context(symptom="no_signal", serving=labels, subscriber=phone, registration=unregistered)
    ctx.network_technologies = ("LTE", "NR")
    assert find(run_checks(ctx, SETTINGS), "device_capability").finding == "normal"
    assert phone.device is not None and nr_gap(ctx, phone.device) is None
