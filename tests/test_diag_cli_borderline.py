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
import pytest
from typer.testing import Result

from netcomplaint.cli import app
from tests import test_diag_factories as f
from tests.test_diag_cli import FAULT, diagnose, in_problem_hours, runner


def _check(d: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in d["evidence"] if e["check"] == name)


def _ingest_complaints(tmp_path: Path, text: str) -> Result:
    """``ingest complaints`` of a CSV with this text; it must exit 0."""
    path = tmp_path / "complaints.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["ingest", "complaints", str(path)])
    assert result.exit_code == 0, result.output
    return result


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


def test_a_subscriber_abroad_away_from_our_network_is_a_roaming_case(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """Registered on a foreign network, complaining from a place no cell of ours reaches (with
    data roaming off on the handset, the HLR shows nothing wrong): the cause is the roaming
    domain, not a coverage hole of ours and not "no fault"."""
    t = f.town(conn)
    f.subscriber(conn, "13800138000", "86000001")
    f.registration(conn, "13800138000", t.now - timedelta(hours=1), network="525-01")
    singapore = (1.3092, 103.8233)
    body = diagnose(
        tmp_path,
        f.complaint(
            "e-abroad", *singapore, None, t.now, description="在新加坡旅游，能打电话但是上不了网。"
        ),
    )
    d = body["diagnosis"]
    assert d["primary_cause"] == "roaming_registration", json.dumps(d, indent=1)[:3000]
    visited = _check(d, "visited_network")
    assert visited["finding"] == "abnormal" and "away from our network" in visited["detail"]
    assert "数据漫游" in d["reply_script"]["zh"] and "525-01" in d["reply_script"]["en"]
    # no cell of ours there is not a coverage hole of ours, and a fine registration over there
    # rules nothing out
    site = _check(d, "site_distance")
    assert site["finding"] == "unknown" and "not our coverage" in site["detail"]
    assert "the fault lies beyond the registration" in _check(d, "registration_status")["detail"]

    # the same subscriber, registered on the same foreign network an hour before, but at a place
    # our cells serve: the phone has latched onto the foreign network and stays there (a border,
    # or manual network selection); being registered there is no sign that all is well
    near = diagnose(tmp_path, f.complaint("e-near", *t.place, "no_data", t.now))["diagnosis"]
    assert near["primary_cause"] == "roaming_registration", json.dumps(near, indent=1)[:3000]
    visited = _check(near, "visited_network")["detail"]
    assert "away from our network" not in visited and "latched onto a foreign network" in visited
    assert _check(near, "registration_status")["detail"].endswith("though ours serves the place")


def test_abroad_with_no_registration_snapshot_rests_on_what_the_customer_says(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """A number with neither a profile nor a snapshot, complaining from Singapore: saying they
    are travelling there, at a place no cell of ours reaches, makes it a roaming case; without
    saying so, the place itself, in another country than our network, does (gen 22: "I'm in
    Rome" was told to power-cycle; before, such a place was one we knew nothing of)."""
    t = f.town(conn)
    singapore = (1.3092, 103.8233)
    said = f.complaint(
        "e-sg-said",
        *singapore,
        None,
        t.now,
        msisdn="6591234567",
        description="在新加坡旅游，能打电话但是上不了网。",
    )
    d = diagnose(tmp_path, said)["diagnosis"]
    assert d["primary_cause"] == "roaming_registration", json.dumps(d, indent=1)[:3000]
    visited = _check(d, "visited_network")
    assert visited["finding"] == "abnormal" and "no HLR/VLR registration" in visited["detail"]
    assert _check(d, "registration_status")["finding"] == "unknown"
    assert "not our coverage" in _check(d, "site_distance")["detail"]
    assert "数据漫游" in d["reply_script"]["zh"]

    silent = f.complaint(
        "e-sg-silent", *singapore, "no_data", t.now, msisdn="6591234568", description="上不了网"
    )
    d = diagnose(tmp_path, silent)["diagnosis"]
    assert d["primary_cause"] == "roaming_registration", json.dumps(d, indent=1)[:3000]
    visited = _check(d, "visited_network")
    assert visited["finding"] == "abnormal"
    assert "the place is in another country than our network" in visited["detail"]
    assert "not our coverage" in _check(d, "site_distance")["detail"]


def test_a_problem_now_and_then_everywhere_is_observed_not_a_sim_swap(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    t = f.town(conn)
    f.subscriber(conn, "13800138000", "86000001")
    now_and_then = f.complaint(
        "e-occ", *t.place, "poor_voice", t.now, description="昨天有一次，通话有杂音，换了地方也一样"
    )
    d = diagnose(tmp_path, now_and_then)["diagnosis"]
    assert d["primary_cause"] == "no_fault_found", json.dumps(d, ensure_ascii=False)[:3000]
    assert "only occasionally" in _check(d, "problem_everywhere")["detail"]
    lasting = f.complaint(
        "e-last", *t.place, "poor_voice", t.now, description="通话一直有杂音，换了地方也一样"
    )
    d = diagnose(tmp_path, lasting)["diagnosis"]
    assert d["primary_cause"] == "terminal_sim", json.dumps(d, ensure_ascii=False)[:3000]


def test_another_layer_of_the_measured_sector_is_checked(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """The MR here name only the sector's FDD cell, but the sector also has a TDD layer whose
    uplink is swamped at night (atmospheric ducting, 大气波导): phones are steered between the
    layers, so the TDD cell serves the place too and its interference counts."""
    t = f.town(conn)
    site = t.site
    tdd = f"{site.site_id}-0-F"
    conn.execute(
        "INSERT INTO cells (cell_id, site_id, lat, lon, technology, azimuth_deg, beamwidth_deg, "
        "band, status) VALUES (%s, %s, %s, %s, 'LTE', 0, 65, 'B39', 'active')",
        (tdd, site.site_id, site.lat, site.lon),
    )
    conn.execute(  # the MR grid says the sector's B3 cell carries every sample here
        "INSERT INTO mr_grid (grid_id, cell_id, day, samples, rsrp_mean, rsrp_p10, rsrp_p50, "
        "rsrp_p90, weak_share, sinr_mean, poor_sinr_share) SELECT grid_id, %s, day, samples, "
        "rsrp_mean, rsrp_p10, rsrp_p50, rsrp_p90, weak_share, sinr_mean, poor_sinr_share "
        "FROM mr_grid WHERE cell_id = ''",
        (site.cell(0),),
    )
    conn.commit()

    def ducting(cell: str, ts: Any, values: dict[str, float]) -> None:
        if ts.hour < 4:
            values["ul_interference_dbm"] = -88.0

    f.kpis(conn, [tdd], t.start, 48, fault=ducting)
    night = t.start + timedelta(days=1)
    body = diagnose(
        tmp_path,
        f.complaint(
            "e-layer",
            *t.place,
            "cannot_call",
            t.now,
            occurred_from=night + timedelta(minutes=30),
            occurred_to=night + timedelta(hours=2),
        ),
    )
    d = body["diagnosis"]
    assert d["primary_cause"] == "interference", json.dumps(d, indent=1)[:3000]
    assert d["serving_cells"][:2] == [site.cell(0), tdd]
    assert _check(d, "ul_interference")["cell_id"] == tdd


def test_a_complaint_file_row_with_its_window_the_wrong_way_round_is_loaded(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    t = f.town(conn)
    start = t.now - timedelta(hours=2)
    result = _ingest_complaints(
        tmp_path,
        "external_id,msisdn,reported_at,lat,lon,symptom,occurred_from,occurred_to\n"
        f"R1,13900000001,{t.now.isoformat()},{t.place[0]},{t.place[1]},call_drop,"
        f"{(start + timedelta(minutes=1, seconds=36)).isoformat()},{start.isoformat()}\n",
    )
    assert "1 new" in result.stdout and "0 rows rejected" in result.output
    stored = conn.execute("SELECT occurred_from, occurred_to FROM complaints").fetchone()
    assert stored == (start, start + timedelta(minutes=1, seconds=36))


def test_a_power_alarm_the_cells_rode_through_is_not_an_outage(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """Mains failed for 20 minutes and the batteries held: every serving cell reported full
    availability in every hour, so the alarm is a hint, not the cause."""
    t = f.town(conn)
    f.alarm(
        conn,
        "P1",
        t.site.site_id,
        "power",
        t.now - timedelta(hours=1),
        t.now - timedelta(minutes=40),
        "major",
    )
    body = diagnose(tmp_path, f.complaint("e-blip", *t.place, "call_drop", t.now))
    d = body["diagnosis"]
    assert d["primary_cause"] != "outage", json.dumps(d, indent=1)[:3000]
    alarms = _check(d, "outage_alarms")
    assert alarms["finding"] == "abnormal" and "stayed available" in alarms["detail"]


def test_a_power_alarm_whose_cells_stopped_reporting_is_an_outage(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """A site without power sends no counters at all: the missing hours are the outage, not
    proof that the cells stayed up."""
    sites = f.network(conn, rings=1)
    site = next(x for x in sites if x.site_id == "S003")
    others = [x.cell(k) for x in sites for k in range(3) if x.site_id != "S003"]
    f.kpis(conn, others, f.T0, 48)
    # the site lost power at hour 43: hour 42 of the two-hour window was reported, full
    f.kpis(conn, [site.cell(k) for k in range(3)], f.T0, 43)
    place = f.offset(site.lat, site.lon, 10.0, 150.0)
    f.mr(conn, *place, start=f.T0, days=2)
    now = f.T0 + timedelta(hours=44)
    f.alarm(conn, "P2", "S003", "power", now - timedelta(hours=1), None, "major")
    body = diagnose(tmp_path, f.complaint("e-dark", *place, "no_signal", now))
    d = body["diagnosis"]
    assert d["primary_cause"] == "outage", json.dumps(d, indent=1)[:3000]
    assert "stayed available" not in _check(d, "outage_alarms")["detail"]


@pytest.mark.parametrize(("raised_hours_before", "outage"), [(40.0, False), (1.0, True)])
def test_a_site_down_alarm_open_for_days_over_cells_that_stayed_up_is_stale(
    nc_env: dict[str, str],
    conn: psycopg.Connection[Any],
    tmp_path: Path,
    raised_hours_before: float,
    outage: bool,
) -> None:
    """A critical site_down never cleared in the NMS, raised long before, while every serving
    cell reported full availability all along: stale, not an outage (gen 26: ALM00070, open 9
    days, made healthy places outages at 0.89-0.99). Raised an hour before, with the cells
    measured up, it still says outage (the KPI may lag; the alarm is fresh)."""
    t = f.town(conn)
    raised = t.now - timedelta(hours=raised_hours_before)
    f.alarm(conn, "S1", t.site.site_id, "site_down", raised, None, "critical")
    d = diagnose(tmp_path, f.complaint("e-stale", *t.place, "no_data", t.now))["diagnosis"]
    assert (d["primary_cause"] == "outage") is outage, json.dumps(d, indent=1)[:3000]
    assert ("stale alarm" in _check(d, "outage_alarms")["detail"]) is not outage


def test_a_complaint_naming_a_cell_not_in_the_inventory_is_kept_and_said(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """A complaint that names only a cell the inventory lacks (a typo, a cell not loaded yet) is
    stored and diagnosed like any other; the evidence and the ingest output say what is missing."""
    t = f.town(conn)
    result = _ingest_complaints(
        tmp_path,
        "external_id,msisdn,reported_at,cell_id,symptom\n"
        f"U1,13900000001,{t.now.isoformat()},NOPE-9,slow_data\n"
        f"U2,13900000002,{t.now.isoformat()},{t.site.cell(0)},slow_data\n",
    )
    assert "2 new" in result.stdout
    assert "1 complaint(s) name a cell that is not in the cell inventory (NOPE-9)" in result.output
    rows = conn.execute(
        "SELECT c.external_id, d.result FROM complaints c JOIN diagnoses d USING (complaint_id)"
        " ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in rows] == ["U1", "U2"]
    site = {r[0]: _check(r[1], "site_distance")["detail"] for r in rows}
    assert "cell NOPE-9 is not in the inventory" in site["U1"]
    assert "inventory" not in site["U2"]


def test_our_customer_in_another_country_with_roaming_off_is_told_to_switch_it_on(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """Our subscriber, not registered, roaming switched off, at a place in Rome (nothing of ours
    near, another country than our network) saying only "I'm in Rome": the switch is the cause,
    not "power-cycle and re-search" (gen 22)."""
    t = f.town(conn)
    f.subscriber(conn, "13800138001", "86000001", home="460-00")
    f.registration(
        conn,
        "13800138001",
        t.now - timedelta(hours=1),
        "not_registered",
        network=None,
        roaming=False,
    )
    rome = f.complaint(
        "e-rome",
        41.9014,
        12.4789,
        "cannot_receive",
        t.now,
        msisdn="13800138001",
        description="I'm in Rome and no one can call me, can't make calls either",
    )
    d = diagnose(tmp_path, rome)["diagnosis"]
    assert d["primary_cause"] == "roaming_registration"
    switch = _check(d, "roaming_switch")
    assert switch["finding"] == "abnormal" and "another country" in switch["detail"]
    assert "漫游" in d["reply_script"]["zh"] and "roaming" in d["reply_script"]["en"]


def test_a_number_written_nationally_finds_its_international_profile_and_back(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """The CRM's national 13800138001 is the subscriber data's 8613800138001 (and the other way
    round) on a network in China (calling code 86 from the cells' country): the profile is read
    (gen 21: 10 of 20 Hong Kong numbers written as 8 digits lost their SIM and registration)."""
    t = f.town(conn)
    f.device(conn, "86000001")
    f.subscriber(conn, "8613800138001", "86000001", sim="3g")
    f.subscriber(conn, "13800138002", "86000001", sim="3g")
    for external_id, msisdn in (("e-nat", "13800138001"), ("e-intl", "+86 138 0013 8002")):
        complaint = f.complaint(external_id, *t.place, "no_data", t.now, msisdn=msisdn)
        sim = _check(diagnose(tmp_path, complaint)["diagnosis"], "sim_type")
        assert sim["finding"] == "abnormal" and "3G" in sim["detail"], sim
    # shown as agents know the number, nationally: 138****8002, not 861****8002
    masked = conn.execute(
        "SELECT msisdn_masked FROM complaints WHERE external_id = 'e-intl'"
    ).fetchone()
    assert masked == ("138****8002",)
    # a number nobody's data know keeps its own form
    stranger = f.complaint("e-none", *t.place, "no_data", t.now, msisdn="13900000009")
    sim = _check(diagnose(tmp_path, stranger)["diagnosis"], "sim_type")
    assert sim["finding"] == "unknown"


def test_profiles_and_registrations_written_differently_both_meet_the_complaint(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """The CRM's subscribers nationally (13800138001), the HLR's registrations internationally
    (8613800138001), the complaint in a third form: every intake hashes the one (international)
    form, so the complaint finds both (gens 25, 26: a complaint kept the form one of them knew
    and lost the other, 35 of 43 errors)."""
    t = f.town(conn)
    f.device(conn, "86000001")
    (tmp_path / "subs.csv").write_text(
        "msisdn,tac,sim_type\n138 0013 8001,86000001,3g\n+86 13800138002,86000001,3g\n"
    )
    seen = (t.now - timedelta(hours=1)).isoformat()
    (tmp_path / "regs.csv").write_text(
        "msisdn,observed_at,status,network,reject_cause\n"
        f"8613800138001,{seen},rejected,460-00,IMSI unknown in HLR\n"
        f"13800138002,{seen},rejected,460-00,IMSI unknown in HLR\n"
    )
    for kind, path in (("subscribers", "subs.csv"), ("registrations", "regs.csv")):
        loaded = runner.invoke(app, ["ingest", kind, str(tmp_path / path)])
        assert loaded.exit_code == 0 and "0 rows rejected" in loaded.output, loaded.output
    for external_id, msisdn in (("e-a", "+86 138-0013-8001"), ("e-b", "013800138002")):
        complaint = f.complaint(external_id, *t.place, "cannot_call", t.now, msisdn=msisdn)
        d = diagnose(tmp_path, complaint)["diagnosis"]
        sim, status = _check(d, "sim_type"), _check(d, "registration_status")
        assert sim["finding"] == "abnormal" and "3G" in sim["detail"], sim
        assert status["finding"] == "abnormal" and "IMSI unknown" in status["detail"], status
