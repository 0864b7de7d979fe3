"""End to end through ``netcomplaint diagnose``: when and where the problem was, as the
complaint tells it without saying so (``test_diag_checks_borderline`` has them check by check):
a loss of service reported after the outage ended, an outage on when the customer calls,
"every evening" told the next night, "since yesterday evening" told the next morning, the day
after the match at the venue, inside a mall with its own system, a cell named alone on a sparse
MR feed, and one of our subscribers on a foreign network within our coverage."""

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


def test_no_signal_reported_after_the_site_came_back_is_that_outage(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """The central site was down from 11:00 to 16:00 UTC; the customer, who could not call while
    it lasted, reports 'no signal' at 20:00 without a time: the outage, already repaired."""
    t = f.town(conn)
    f.alarm(conn, "ALM-down", t.site.site_id, "site_down", t.now - timedelta(hours=9),
            t.now - timedelta(hours=4))  # fmt: skip
    body = diagnose(tmp_path, f.complaint("e-restored", *t.place, "no_signal", t.now))
    d = body["diagnosis"]
    assert d["primary_cause"] == "outage", json.dumps(d, ensure_ascii=False, indent=1)[:3000]
    assert "restored 2.0 h before" in _check(d, "outage_alarms")["detail"]
    assert "repaired" in d["reply_script"]["en"]
    told = f.complaint(
        "e-restored-told", *t.place, "no_signal", t.now,
        occurred_from=t.now - timedelta(hours=1), occurred_to=t.now,
    )  # fmt: skip
    later = diagnose(tmp_path, told)["diagnosis"]  # the customer's own time: after the repair
    assert _check(later, "outage_alarms")["finding"] == "normal"


def test_every_evening_told_in_the_small_hours_is_judged_on_the_evening(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """The central cells are saturated 10:00–14:00 UTC, 18:00–22:00 in Shanghai. 'Every evening
    the internet is very slow', reported at 20:00Z (04:00 there, stamped in UTC): the evening is
    Shanghai's, before the report, and its busy hour is the finding."""
    FAULT[0] = {"prb_util_dl_pct": 96.0, "dl_user_thr_mbps": 2.0}
    t = f.town(conn, fault=in_problem_hours(10, 14))
    said = f.complaint(
        "e-evenings", *t.place, "slow_data", t.now, description="每天晚上网速特别慢，视频一直卡"
    )
    d = diagnose(tmp_path, said)["diagnosis"]
    assert d["primary_cause"] == "congestion", json.dumps(d, ensure_ascii=False, indent=1)[:3000]
    prb = _check(d, "prb_busy_hour")
    assert prb["finding"] == "abnormal"
    assert prb["window"][0].startswith((t.now - timedelta(hours=10)).strftime("%Y-%m-%dT%H"))
    plain = f.complaint("e-no-time", *t.place, "slow_data", t.now, description="网速特别慢")
    assert diagnose(tmp_path, plain)["diagnosis"]["primary_cause"] != "congestion"


def test_since_yesterday_evening_told_the_next_morning_reads_that_evening(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """The central cells are saturated 10:00–14:00 UTC, 18:00–22:00 in Shanghai. 'Slow since
    yesterday evening', reported at 02:00Z (10:00 there): the problem's KPIs are read from that
    evening on, not only the last 12 hours before the call, which miss it."""
    FAULT[0] = {"prb_util_dl_pct": 96.0, "dl_user_thr_mbps": 2.0}
    t = f.town(conn, fault=in_problem_hours(10, 14))
    morning = t.now + timedelta(hours=6)
    said = f.complaint(
        "e-since-evening", *t.place, "slow_data", morning, description="网速很慢，从昨天晚上开始"
    )
    d = diagnose(tmp_path, said)["diagnosis"]
    assert d["primary_cause"] == "congestion", json.dumps(d, ensure_ascii=False, indent=1)[:3000]
    prb = _check(d, "prb_busy_hour")
    assert prb["finding"] == "abnormal"
    assert prb["window"][0].startswith((t.now - timedelta(hours=10)).strftime("%Y-%m-%dT%H"))
    plain = f.complaint("e-no-onset", *t.place, "slow_data", morning, description="网速很慢")
    assert diagnose(tmp_path, plain)["diagnosis"]["primary_cause"] != "congestion"


def test_an_outage_on_when_the_customer_calls_counts_whatever_hours_they_name(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """'Calls drop every evening', told at 10:00 in Shanghai (02:00Z): the time of the problem is
    last evening, but the central site has been down since 08:00 and still is: the customer is
    calling during an outage, which counts."""
    t = f.town(conn)
    call = t.now + timedelta(hours=6)
    f.alarm(conn, "ALM-now", t.site.site_id, "site_down", call - timedelta(hours=2), None)
    said = f.complaint(
        "e-during", *t.place, "call_drop", call, description="calls drop every evening"
    )
    d = diagnose(tmp_path, said)["diagnosis"]
    assert d["primary_cause"] == "outage", json.dumps(d, ensure_ascii=False, indent=1)[:3000]
    assert _check(d, "outage_alarms")["finding"] == "abnormal"
    # the customer's own times, last evening: this morning's outage is not their problem
    told = f.complaint(
        "e-during-told", *t.place, "call_drop", call, description="calls drop every evening",
        occurred_from=t.now - timedelta(hours=9), occurred_to=t.now - timedelta(hours=7),
    )  # fmt: skip
    then = diagnose(tmp_path, told)["diagnosis"]
    assert _check(then, "outage_alarms")["finding"] == "normal"


def test_a_subscriber_of_ours_on_a_foreign_network_where_we_serve(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """At a border our cells reach, one of our subscribers (home 460-00, the most common home
    network here: ours) is registered on the neighbour's 452-04 and can't call. The phone has no
    VoLTE and only LTE of ours serves the place, but it isn't on our cells: the foreign
    registration is the cause, not the handset."""
    t = f.town(conn)
    f.device(conn, "86000002", volte=False)
    f.subscriber(conn, "13800138001", "86000001")
    f.subscriber(conn, "13800138002", "86000002")
    f.registration(conn, "13800138002", t.now - timedelta(hours=1), network="452-04")
    said = f.complaint("e-latched", *t.place, "cannot_call", t.now, msisdn="13800138002")
    d = diagnose(tmp_path, said)["diagnosis"]
    assert d["primary_cause"] == "roaming_registration", json.dumps(d, indent=1)[:3000]
    assert "latched onto a foreign network" in _check(d, "visited_network")["detail"]
    assert "on a foreign network" in _check(d, "device_capability")["detail"]


def test_a_cell_named_alone_is_judged_on_a_month_of_its_mr(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """A sparse feed: the named cell's 40 MR, all weak, lie 10 to 20 days back, beyond the week
    read around a place. A complaint that gives only that cell is judged on them."""
    t = f.town(conn)
    cell = t.cells[0]
    with conn.cursor().copy(
        "COPY mr_samples (ts, lat, lon, rsrp_dbm, sinr_db, grid_id, cell_id) FROM STDIN"
    ) as copy:
        for k in range(40):
            at = t.now - timedelta(days=10, hours=6 * k)
            copy.write_row((at, *t.place, -118.0 - k % 3, 2.0, "8b309a2a0000fff", cell))
    conn.commit()
    said = f.complaint("e-cell-only", None, None, "weak_signal", t.now, cell_id=cell)
    d = diagnose(tmp_path, said)["diagnosis"]
    weak = _check(d, "mr_weak_share")
    assert weak["finding"] == "abnormal", json.dumps(d, indent=1)[:3000]
    assert d["primary_cause"] == "weak_coverage"


def test_slow_data_at_the_stadium_after_the_match_is_the_match_crowd(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """The central cells are saturated by a match 10:00–14:00 (the venue's note says when); a
    fan at the stadium reports slow data at 20:00 without a time: the match was the time of the
    problem, and its crowd the cause."""
    FAULT[0] = {"prb_util_dl_pct": 96.0, "dl_user_thr_mbps": 2.0, "rrc_users_avg": 300.0}
    t = f.town(conn, fault=in_problem_hours(10, 14))
    day = t.now.date().isoformat()
    f.area(conn, "event_venue", *t.place, name="Stadium", note=f"cup final {day} 10:00-14:00")
    said = f.complaint("e-match", *t.place, "slow_data", t.now, description="at the stadium")
    d = diagnose(tmp_path, said)["diagnosis"]
    assert d["primary_cause"] == "congestion", json.dumps(d, ensure_ascii=False, indent=1)[:3000]
    assert _check(d, "event_venue")["finding"] == "abnormal"
    assert _check(d, "prb_busy_hour")["finding"] == "abnormal"


def test_inside_the_mall_its_own_system_serves(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """The place's MR, taken in the street, show a macro cell; the complaint is from inside the
    mall, whose in-building cell (20 m away) is saturated. The in-building system serves there,
    MR or not, and its load is the finding."""
    t = f.town(conn)
    mall = f.offset(*t.place, 20.0, 0.0)
    conn.execute(
        "INSERT INTO cells (cell_id, site_id, lat, lon, technology, band, indoor, status) "
        "VALUES ('MALL-1', 'MALL', %s, %s, 'LTE', 'B3', true, 'active')",
        mall,
    )
    conn.execute(
        "INSERT INTO mr_grid (grid_id, cell_id, day, samples, rsrp_p50, weak_share) "
        "SELECT grid_id, %s, day, samples, rsrp_p50, weak_share FROM mr_grid WHERE cell_id = ''",
        (t.cells[0],),
    )
    conn.commit()

    def saturated(cell: str, ts: Any, values: dict[str, float]) -> None:
        if cell == "MALL-1" and t.now - timedelta(hours=3) <= ts < t.now:
            values.update(prb_util_dl_pct=97.0, dl_user_thr_mbps=1.5, rrc_users_avg=250.0)

    f.kpis(conn, ["MALL-1"], t.start, 48, fault=saturated)
    said = f.complaint("e-mall", *t.place, "slow_data", t.now, indoor=True)
    d = diagnose(tmp_path, said)["diagnosis"]
    assert d["serving_cells"][0] == "MALL-1", d["serving_cells"]
    assert d["primary_cause"] == "congestion", json.dumps(d, ensure_ascii=False, indent=1)[:3000]
    street = diagnose(tmp_path, f.complaint("e-street", *t.place, "slow_data", t.now))
    assert street["diagnosis"]["serving_cells"][0] == t.cells[0]  # outside: what the MR show


def test_a_phone_without_the_band_of_the_buildings_own_system(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """A tower block served inside by its own B40 system (healthy), the street by B3 macros. An
    imported phone with B1/B3 only has a weak signal in the flat, where the neighbours are fine:
    the handset, which can't use the building's system. A phone with B40 there is no case."""
    t = f.town(conn)
    conn.execute(
        "INSERT INTO cells (cell_id, site_id, lat, lon, technology, band, indoor, status) "
        "VALUES ('TOWER-1', 'TOWER', %s, %s, 'LTE', 'B40', true, 'active')",
        f.offset(*t.place, 15.0, 0.0),
    )
    conn.execute(
        "INSERT INTO mr_grid (grid_id, cell_id, day, samples, rsrp_p50, weak_share) "
        "SELECT grid_id, %s, day, samples, rsrp_p50, weak_share FROM mr_grid WHERE cell_id = ''",
        (t.cells[0],),
    )
    conn.commit()
    f.kpis(conn, ["TOWER-1"], t.start, 48)
    f.device(conn, "35274010", bands=("B1", "B3"), model="Xperia (JP)")
    f.device(conn, "35274011", bands=("B1", "B3", "B40"), model="Xperia")
    f.subscriber(conn, "6281100000001", "35274010")
    f.subscriber(conn, "6281100000002", "35274011")
    said = f.complaint(
        "e-tower", *t.place, "weak_signal", t.now, indoor=True, floor=24, msisdn="6281100000001",
        neighbours_affected="no",
    )  # fmt: skip
    d = diagnose(tmp_path, said)["diagnosis"]
    assert d["primary_cause"] == "terminal_sim", json.dumps(d, ensure_ascii=False, indent=1)[:3000]
    assert "building's own indoor system" in _check(d, "device_capability")["detail"]
    assert "indoor system" in d["reply_script"]["en"] and "室内分布系统" in d["reply_script"]["zh"]
    other = f.complaint(
        "e-tower-b40", *t.place, "weak_signal", t.now, indoor=True, floor=24,
        msisdn="6281100000002", neighbours_affected="no",
    )  # fmt: skip
    fine = diagnose(tmp_path, other)["diagnosis"]
    assert _check(fine, "device_capability")["finding"] == "normal"
    assert fine["primary_cause"] != "terminal_sim"
