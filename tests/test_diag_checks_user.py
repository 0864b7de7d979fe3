"""Each check of the user-side causes (terminal/SIM, roaming/registration): normal, abnormal
and unknown (missing data), on hand-built contexts (``tests.diag_contexts``); the network causes'
checks are in ``test_diag_checks``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from diagnostics.checks import run_checks
from diagnostics.evidence import Context, OtherComplaint, Registration
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
    item = find(run_checks(plain, SETTINGS), "device_capability")
    # 4G speed where 5G serves is a hint at the handset, too weak alone to make a diagnosis
    assert item.finding == "abnormal" and 0 < item.support < SETTINGS.nff_threshold


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
