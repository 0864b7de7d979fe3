"""End to end through ``netcomplaint diagnose``: the borderline cases another team's scenarios
showed (``test_diag_checks_borderline`` has them check by check): a busy hour at 74 % PRB, poor
downlink quality under good RSRP with a clean uplink (with and without poor SINR in the MR), and a
visitor with roaming switched off and no profile, whose description says they have just
arrived."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg

from tests import test_diag_factories as f
from tests.test_diag_cli import FAULT, diagnose, in_problem_hours


def _check(d: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in d["evidence"] if e["check"] == name)


def test_a_busy_hour_at_74_percent_is_congestion(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    FAULT[0] = {"prb_util_dl_pct": 74.0}
    t = f.town(conn, fault=in_problem_hours(17, 21))
    body = diagnose(tmp_path, f.complaint("e-busy74", *t.place, "slow_data", t.now))
    d = body["diagnosis"]
    assert d["primary_cause"] == "congestion", json.dumps(d, ensure_ascii=False, indent=1)[:3000]
    prb = _check(d, "prb_busy_hour")
    assert prb["finding"] == "abnormal" and prb["threshold"] == 70.0


def test_downlink_interference_with_a_clean_uplink(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    FAULT[0] = {"avg_cqi": 5.0}
    t = f.town(conn, fault=in_problem_hours(17, 21), sinr=-6.0)
    body = diagnose(tmp_path, f.complaint("e-dl", *t.place, "cannot_call", t.now))
    d = body["diagnosis"]
    assert d["primary_cause"] == "interference", json.dumps(d, ensure_ascii=False, indent=1)[:3000]
    uplink = _check(d, "ul_interference")
    assert uplink["finding"] == "normal" and "downlink" in uplink["detail"]
    assert _check(d, "dl_sinr_good_rsrp")["finding"] == "abnormal"


def test_poor_cqi_under_good_rsrp_alone_is_interference(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """The cells' CQI falls to 5.5 while the MR here stay strong and mostly clean: the downlink
    quality is poor though the level is good, which is the interference signature itself."""
    FAULT[0] = {"avg_cqi": 5.5}
    t = f.town(conn, fault=in_problem_hours(17, 21))
    body = diagnose(tmp_path, f.complaint("e-cqi", *t.place, "slow_data", t.now))
    d = body["diagnosis"]
    assert d["primary_cause"] == "interference", json.dumps(d, ensure_ascii=False, indent=1)[:3000]
    cqi = _check(d, "cqi")
    assert cqi["finding"] == "abnormal" and "RSRP here is good" in cqi["detail"]
    assert _check(d, "dl_sinr_good_rsrp")["finding"] == "normal"


def test_a_visitor_with_roaming_switched_off(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    t = f.town(conn)
    visitor = "84627137224"  # an inbound roamer: in the VLR, not in the subscriber profile
    f.registration(conn, visitor, t.now - timedelta(hours=1), network="460-00", roaming=False)
    body = diagnose(
        tmp_path,
        f.complaint(
            "e-visitor",
            *t.place,
            "cannot_call",
            t.now,
            msisdn=visitor,
            description="Just arrived from Bangkok, phone says no service. Cannot make calls.",
        ),
    )
    d = body["diagnosis"]
    assert d["primary_cause"] == "roaming_registration", json.dumps(d, indent=1)[:3000]
    switch = _check(d, "roaming_switch")
    assert switch["finding"] == "abnormal" and "said in the description" in switch["detail"]
    assert "roaming" in d["reply_script"]["en"].lower()
