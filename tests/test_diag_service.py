"""The service interface: submit (store first, then diagnose), repeated external_id under
concurrency, failed diagnoses and their retry, reads, mass events and the work-order hook."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from diagnostics import engine, service
from diagnostics.mass_events import Member, assign
from diagnostics.models import parse_complaint
from diagnostics.service import (
    ComplaintFilters,
    diagnose_pending,
    get_complaint,
    list_complaints,
    submit_complaint,
)
from diagnostics.settings import DiagnosticsSettings
from netcomplaint.errors import InputError, NotFoundError
from storage.migrate import migrate
from tests import test_diag_factories as f
from workorders import hooks as workorder_hooks

KEY = f.PII_KEY
S = DiagnosticsSettings()


def outage_town(conn: psycopg.Connection[Any]) -> f.Town:
    def down(cell: str, ts: Any, values: dict[str, float]) -> None:
        if cell.startswith("S003") and ts >= f.T0 + timedelta(hours=40):
            values["availability_pct"] = 0.0

    t = f.town(conn, fault=down)
    f.alarm(conn, "A1", t.site.site_id, "site_down", f.T0 + timedelta(hours=40))
    return t


def submit(
    conn: psycopg.Connection[Any],
    external_id: str,
    lat: float,
    lon: float,
    symptom: str,
    at: Any,
    msisdn: str,
) -> service.SubmitResult:
    return submit_complaint(
        conn,
        parse_complaint(f.complaint(external_id, lat, lon, symptom, at, msisdn=msisdn)),
        key=KEY,
    )


def test_mass_event_groups_complaints_of_one_outage(conn: psycopg.Connection[Any]) -> None:
    t = outage_town(conn)
    ids = []
    for k in range(4):
        place = f.offset(*t.place, 40.0 * k, -20.0 * k)
        r = submit(
            conn, f"M{k}", *place, "no_signal", t.now + timedelta(minutes=10 * k), f"1380000000{k}"
        )
        ids.append(r.body["diagnosis"]["mass_event_id"])
        assert r.body["diagnosis"]["primary_cause"] == "outage"
    assert ids[0] is None  # alone, the first complaint has no company yet …
    assert (
        ids[1] is not None and len(set(ids[1:])) == 1
    )  # … the second opens the event, the rest join it
    first = conn.execute(
        "SELECT d.complaint_id, d.mass_event_id, d.result::jsonb ? 'mass_event_id' "
        "FROM diagnoses d JOIN complaints c USING (complaint_id) WHERE external_id = 'M0'"
    ).fetchone()
    assert first is not None and first[1:] == (ids[1], False)  # linked when the event opened
    assert get_complaint(conn, first[0])["diagnosis"]["mass_event_id"] == ids[1]
    event = conn.execute("SELECT cause, complaints, cells FROM mass_events").fetchall()
    assert len(event) == 1 and event[0][0] == "outage" and event[0][1] == 4


def test_one_site_down_is_one_event_whichever_sector_serves(
    conn: psycopg.Connection[Any],
) -> None:
    # complaints all round the site are served by its three different sectors (no cell in
    # common): the site's fault is still one event (gen 22's outage was split by sector)
    t = outage_town(conn)
    ids, served = [], []
    for k, (east, north) in enumerate([(0.0, 200.0), (173.0, -100.0), (-173.0, -100.0)]):
        place = f.offset(t.site.lat, t.site.lon, east, north)
        r = submit(
            conn, f"S{k}", *place, "no_signal", t.now + timedelta(minutes=5 * k), f"1390000000{k}"
        )
        assert r.body["diagnosis"]["primary_cause"] == "outage"
        ids.append(r.body["diagnosis"]["mass_event_id"])
        served.append(set(r.body["diagnosis"]["serving_cells"]))
    assert not served[0] & served[1] and not served[1] & served[2]
    assert ids[1] is not None and ids[1] == ids[2]
    event = conn.execute("SELECT complaints FROM mass_events").fetchall()
    assert event == [(3,)]


def test_a_late_report_of_the_outage_joins_its_event(conn: psycopg.Connection[Any]) -> None:
    # reported the next morning, the problem given as last night's (occurred_from): the same
    # outage's event, not a new one or none (gen 24: 20 of 22 late reports were split off)
    t = outage_town(conn)
    ids = []
    for k, (reported, began) in enumerate(
        [(t.now, None), (t.now + timedelta(minutes=10), None), (t.now + timedelta(hours=10), t.now)]
    ):
        lat, lon = f.offset(*t.place, 30.0 * k, 0.0)
        complaint = f.complaint(f"L{k}", lat, lon, "no_signal", reported, f"1370000000{k}")
        if began is not None:
            complaint["occurred_from"] = began.isoformat()
        r = submit_complaint(conn, parse_complaint(complaint), key=KEY)
        assert r.body["diagnosis"]["primary_cause"] == "outage"
        ids.append(r.body["diagnosis"]["mass_event_id"])
    assert ids[1] is not None and ids[2] == ids[1]


def test_a_report_the_next_morning_without_times_joins_the_outage_by_its_alarm(
    conn: psycopg.Connection[Any],
) -> None:
    # told 10 h later, no times given: the outage began when its alarm was raised, so the report
    # is of that outage's event (gen 26: 14 such reports had made an event of their own)
    t = outage_town(conn)
    ids = []
    for k, reported in enumerate(
        [t.now, t.now + timedelta(minutes=10), t.now + timedelta(hours=10)]
    ):
        lat, lon = f.offset(*t.place, 30.0 * k, 0.0)
        r = submit(conn, f"N{k}", lat, lon, "no_signal", reported, f"1360000000{k}")
        assert r.body["diagnosis"]["primary_cause"] == "outage"
        ids.append(r.body["diagnosis"]["mass_event_id"])
    assert ids[1] is not None and ids[2] == ids[1]


def test_one_power_cut_of_two_sites_is_one_event(conn: psycopg.Connection[Any]) -> None:
    # the central site and its eastern neighbour go down together: complaints served by either
    # (no cell, no site in common) are one event, since each sees the other site down nearby
    # (gens 25, 26: a cut of 7 sites made 8 events)
    def down(cell: str, ts: Any, values: dict[str, float]) -> None:
        if cell.startswith(("S003", "S004")) and ts >= f.T0 + timedelta(hours=40):
            values["availability_pct"] = 0.0

    t = f.town(conn, fault=down)
    east = next(s for s in t.sites if s.site_id == "S004")
    for k, site in enumerate((t.site, east)):
        f.alarm(conn, f"P{k}", site.site_id, "site_down", f.T0 + timedelta(hours=40))
    ids, sites = [], []
    one_site = DiagnosticsSettings(serving_sites=1)
    for k, (site, north) in enumerate(
        [(t.site, 150.0), (east, 150.0), (t.site, 180.0), (east, 180.0)]
    ):
        place = f.offset(site.lat, site.lon, 10.0, north)
        complaint = f.complaint(
            f"P{k}", *place, "no_signal", t.now + timedelta(minutes=5 * k), f"1350000000{k}"
        )
        # one serving site each: the two sites' complaints have no cell in common
        r = submit_complaint(conn, parse_complaint(complaint), settings=one_site, key=KEY)
        d = r.body["diagnosis"]
        assert d["primary_cause"] == "outage"
        ids.append(d["mass_event_id"])
        sites.append({c.split("-")[0] for c in d["serving_cells"]})
    assert sites[0] == {"S003"} and sites[1] == {"S004"}
    assert ids[1] is not None and len(set(ids[1:])) == 1
    assert conn.execute("SELECT complaints FROM mass_events").fetchall() == [(4,)]


def test_mass_event_rules(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        "INSERT INTO complaints (complaint_id, external_id, msisdn_hash, msisdn_masked, "
        "reported_at,"
        " lat, lon) SELECT 'c' || g, 'e' || g, 'h' || g, 'm', now(), 31.2, 121.4 FROM "
        "generate_series(1, 10) g"
    )
    at = f.T0
    near = (31.2300, 121.4700)
    members = [
        Member("c1", "h1", "outage", at, *near, ("X-1",)),
        Member(
            "c2", "h2", "outage", at + timedelta(hours=1), *f.offset(*near, 200, 0), ("X-1", "X-2")
        ),
        Member("c3", "h3", "congestion", at, *near, ("X-1",)),  # another cause: not grouped
        Member("c4", "h4", "outage", at + timedelta(days=2), *near, ("X-1",)),  # too late
        Member("c5", "h5", "outage", at, *f.offset(*near, 30_000, 0), ("X-1",)),  # too far
        Member("c6", "h1", "outage", at, *near, ("X-1",)),  # same subscriber as c1
        Member("c7", "h7", "terminal_sim", at, *near, ("X-1",)),  # user side: never
        Member("c8", "h8", "outage", at, *near, ("Y-1",)),  # no shared serving cell
        # a cell down is the common cause kilometres apart (a rural site, gens 27 and 28) …
        Member("c9", "h9", "outage", at, *f.offset(*near, 5000, 0), ("X-1",)),
        # … a busy cell's footprint is wider than one problem's place (c3's company)
        Member("c10", "h10", "congestion", at, *f.offset(*near, 5000, 0), ("X-1",)),
    ]
    got = assign(conn, members, S)
    assert got["c1"] == got["c2"] == got["c6"] == got["c9"]
    assert not {"c3", "c4", "c5", "c7", "c8", "c10"} & set(got)


def test_an_earlier_complaint_joins_by_its_own_cells(conn: psycopg.Connection[Any]) -> None:
    """The first caller of a power cut (served by site Y, which saw X down beside it) keeps the
    next one company though the next one's cells (site X's) don't include Y's (gen 27)."""
    conn.execute(
        "INSERT INTO complaints (complaint_id, external_id, msisdn_hash, msisdn_masked, "
        "reported_at, lat, lon) SELECT 'c' || g, 'e' || g, 'h' || g, 'm', now(), 31.2, 121.4 "
        "FROM generate_series(1, 2) g"
    )
    conn.execute(
        "INSERT INTO diagnoses (complaint_id, primary_cause, attribution, confidence, "
        "serving_cells, event_cells, result) VALUES ('c1', 'outage', 'network', 0.9, "
        "'{Y-1}', '{Y-1,Y-2,X-1,X-2}', '{}')"
    )
    conn.execute("UPDATE complaints SET reported_at = %s WHERE complaint_id = 'c1'", (f.T0,))
    later = Member("c2", "h2", "outage", f.T0 + timedelta(hours=1), 31.2, 121.4, ("X-1", "X-2"))
    got = assign(conn, [later], S)
    linked = conn.execute("SELECT mass_event_id FROM diagnoses WHERE complaint_id = 'c1'")
    assert got["c2"] and linked.fetchone() == (got["c2"],)


def test_repeated_external_id_concurrently(db_url: str, nc_env: dict[str, str]) -> None:
    with psycopg.connect(db_url) as setup:
        t = f.town(setup)
    results: list[service.SubmitResult] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            with psycopg.connect(db_url) as conn:
                results.append(submit(conn, "SAME", *t.place, "slow_data", t.now, "13800138000"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len({r.complaint_id for r in results}) == 1 and sum(r.created for r in results) == 1
    assert all(r.body == results[0].body for r in results)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM diagnoses").fetchone() == (1,)


def test_failed_diagnosis_is_kept_and_retried(
    conn: psycopg.Connection[Any], nc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    t = f.town(conn)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("evidence store offline")

    monkeypatch.setattr(service, "diagnose", broken)
    r = submit(conn, "F1", *t.place, "slow_data", t.now, "13800138000")
    assert r.created and r.body["diagnosis"] is None and r.body["diagnosis_status"] == "failed"
    row = conn.execute(
        "SELECT diagnosis_status, diagnosis_attempts, diagnosis_error FROM complaints"
    ).fetchone()
    assert row is not None and row[0] == "failed" and row[1] == 1 and "offline" in row[2]
    monkeypatch.setattr(service, "diagnose", engine.diagnose)
    retried = diagnose_pending(conn, settings=S)
    conn.commit()
    assert retried.diagnosed == 1 and retried.failed == 0
    assert get_complaint(conn, r.complaint_id)["diagnosis_status"] == "done"
    again = submit(conn, "F1", *t.place, "slow_data", t.now, "13800138000")
    assert not again.created and again.body["diagnosis"]["primary_cause"]


def test_get_and_list_complaints(conn: psycopg.Connection[Any], nc_env: dict[str, str]) -> None:
    t = outage_town(conn)
    made = [
        submit(
            conn,
            f"L{k}",
            *f.offset(*t.place, 30.0 * k, 0),
            "no_signal",
            t.now + timedelta(minutes=k),
            f"1370000000{k}",
        )
        for k in range(5)
    ]
    body = get_complaint(conn, made[0].complaint_id)
    assert (
        body["complaint"]["msisdn"] == "137****0000"
        and body["diagnosis"]["primary_cause"] == "outage"
    )
    with pytest.raises(NotFoundError):
        get_complaint(conn, "nope")
    page = list_complaints(conn, ComplaintFilters(limit=2, cause="outage"))
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = list_complaints(conn, ComplaintFilters(limit=10, cursor=page["next_cursor"]))
    seen = [i["external_id"] for i in page["items"] + rest["items"]]
    assert seen == [f"L{k}" for k in range(5)] and rest["next_cursor"] is None
    boxed = list_complaints(conn, ComplaintFilters(bbox=(0.0, 0.0, 1.0, 1.0)))
    assert boxed["items"] == []
    assert list_complaints(conn, ComplaintFilters(cause="congestion"))["items"] == []
    with pytest.raises(InputError):
        list_complaints(conn, ComplaintFilters(cursor="garbage!"))
    with pytest.raises(InputError):
        list_complaints(conn, ComplaintFilters(limit=0))


def test_work_order_id_from_the_hook_is_stored(
    conn: psycopg.Connection[Any], nc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    t = outage_town(conn)
    seen: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def hook(c: Any, complaint: Any, diagnosis: Any) -> str | None:
        seen.append((dict(complaint), dict(diagnosis)))
        return "WO-TEST-1" if diagnosis["attribution"] == "network" else None

    monkeypatch.setattr(workorder_hooks, "on_diagnosis", hook)
    r = submit(conn, "W1", *t.place, "no_signal", t.now, "13600136000")
    assert r.body["diagnosis"]["work_order_id"] == "WO-TEST-1"
    stored = conn.execute("SELECT work_order_id, result::jsonb ? 'work_order_id' FROM diagnoses")
    assert stored.fetchone() == ("WO-TEST-1", False)  # a column, merged into the JSON on read
    assert get_complaint(conn, r.complaint_id)["diagnosis"]["work_order_id"] == "WO-TEST-1"
    complaint, diagnosis = seen[0]
    assert "msisdn" not in complaint and complaint["msisdn_masked"] == "136****6000"
    assert diagnosis["primary_cause"] == "outage"


def test_diagnoses_stored_before_the_ids_were_columns_keep_their_work_order(
    conn: psycopg.Connection[Any], db_url: str, nc_env: dict[str, str]
) -> None:
    t = outage_town(conn)
    r = submit(conn, "OLD1", *t.place, "no_signal", t.now, "13600136001")
    conn.execute(  # as migrations up to 021 stored it: the ids in the JSON only
        "UPDATE diagnoses SET work_order_id = NULL,"
        " result = (result::jsonb"
        ' || \'{"work_order_id": "WO-OLD-1", "mass_event_id": null}\')::json'
    )
    conn.execute("DELETE FROM schema_migrations WHERE version = 22")
    conn.commit()
    with psycopg.connect(db_url, autocommit=True) as admin:
        assert migrate(admin) == ["022_diagnosis_ids"]
    assert get_complaint(conn, r.complaint_id)["diagnosis"]["work_order_id"] == "WO-OLD-1"
    assert conn.execute("SELECT work_order_id FROM diagnoses").fetchone() == ("WO-OLD-1",)


def test_a_failing_hook_does_not_lose_the_diagnosis(
    conn: psycopg.Connection[Any], nc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    t = f.town(conn)

    def hook(c: psycopg.Connection[Any], complaint: Any, diagnosis: Any) -> str | None:
        c.execute("SELECT * FROM no_such_table")
        return "never"

    monkeypatch.setattr(workorder_hooks, "on_diagnosis", hook)
    r = submit(conn, "H1", *t.place, "slow_data", t.now, "13500135000")
    assert r.body["diagnosis"]["primary_cause"] and r.body["diagnosis"]["work_order_id"] is None
    assert conn.execute("SELECT diagnosis_status FROM complaints").fetchone() == ("done",)


def test_the_diagnosis_transaction_reuses_generic_plans(
    conn: psycopg.Connection[Any], nc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Evidence, storing and the hook run with plan_cache_mode forced generic, for that
    transaction only: the connection's later work plans as usual."""
    t = outage_town(conn)
    modes: list[str] = []

    def hook(c: psycopg.Connection[Any], complaint: Any, diagnosis: Any) -> str | None:
        row = c.execute("SHOW plan_cache_mode").fetchone()
        modes.append(str(row[0]) if row else "")
        return None

    monkeypatch.setattr(workorder_hooks, "on_diagnosis", hook)
    submit(conn, "G1", *t.place, "no_signal", t.now, "13600136001")
    assert modes == ["force_generic_plan"]
    conn.commit()
    assert conn.execute("SHOW plan_cache_mode").fetchone() == ("auto",)
