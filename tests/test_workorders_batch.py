"""A batch through ``on_diagnoses`` decides exactly as the same diagnoses one by one.

Each equivalence test builds the same history twice, on two fresh databases: earlier complaints
handled one at a time (orders, some fixed, verified or closed since, a mass event forming over
two orders), then a batch stored as diagnostics stores it (complaints and diagnoses first, the
mass event relinked) and handed to the hook — once as one ``on_diagnoses`` call, once as one
``on_diagnosis`` call per complaint in batch order. Orders (every column), their complaints,
history, repeat links and the diagnoses' JSON must come out identical, ids included.

And when the batch fails, diagnostics rolls it back and hands the complaints over one by one.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from netcomplaint.cli import app
from storage.migrate import migrate
from tests import test_diag_factories as factories
from tests.test_workorders_batch_support import (
    FIELD,
    NOW,
    PARK,
    T0,
    TOWER,
    Conn,
    Items,
    _complaint,
    _move,
    _network,
    _one_at_a_time,
    _relink,
    _same_outcome,
    _store,
    counters_match,
    other_conn,
)
from tests.test_workorders_support import _fresh_wo_settings, diagnosis, mass_event
from workorders import hook_load, hooks

__all__ = ["_fresh_wo_settings", "other_conn"]  # fixtures


def _history(conn: Conn) -> Items:
    """Earlier complaints one at a time, then work on their orders; the batch's mass event."""
    factories.kpis(conn, ["CELL-A", "CELL-M1", "CELL-R"], T0 - timedelta(days=2), 72)
    conn.execute(
        "INSERT INTO subscribers (msisdn_hash, msisdn_masked, tac, sim_type, vip)"
        " VALUES ('hash-SV', '138****0000', '35000000', '4g', true)"
    )
    h = timedelta(hours=1)
    _one_at_a_time(
        conn,
        [
            (_complaint(conn, "A1", "SA", T0 - 5 * h), _network("weak_coverage", "CELL-A")),
            (_complaint(conn, "B1", "SB", T0 - 5 * h), _network("interference", "CELL-B")),
            (_complaint(conn, "C1", "SC", T0 - 5 * h), _network("congestion", "CELL-C")),
            (_complaint(conn, "U1", "SU", T0 - 4 * h), diagnosis("terminal_sim")),
            (_complaint(conn, "M1", "SM1", T0 - 2 * h, TOWER), _network("outage", "CELL-M1")),
            (_complaint(conn, "M2", "SM2", T0 - 2 * h, TOWER), _network("outage", "CELL-M2")),
            (_complaint(conn, "M3", "SM2", T0 - 1.5 * h, TOWER), _network("outage", "CELL-M2")),
            (_complaint(conn, "N1", "SN1", T0 - 2 * h, FIELD), _network("outage", None)),
            (_complaint(conn, "R1", "SR1", T0 - h), _network("congestion", "CELL-R")),
        ],
    )
    _move(conn, "A1", ["dispatched", "in_progress", "resolved"], T0 - 3 * h)
    _move(conn, "B1", ["dispatched", "in_progress", "resolved", "verified"], T0 - 3 * h)
    _move(conn, "C1", ["dispatched", "in_progress", "resolved", "verified", "closed"], T0 - h)
    mass_event(conn, "ME-1", "outage", ["CELL-M1", "CELL-M2", "CELL-M3"])
    mass_event(conn, "ME-2", "interference", ["CELL-X0", "CELL-X1"])
    _relink(conn, "ME-1", ["M1", "M2", "M3"])
    conn.commit()
    return _batch(conn)


def _batch(conn: Conn) -> Items:
    m = timedelta(minutes=1)
    items: Items = [
        (_complaint(conn, "A2", "SA2", T0), _network("weak_coverage", "CELL-A")),  # after fix
        (_complaint(conn, "B2", "SB", T0 + m), _network("interference", "CELL-B")),  # repeat
        (_complaint(conn, "C2", "SC2", T0 + 2 * m), _network("congestion", "CELL-C")),
        (_complaint(conn, "U2", "SU", T0 + 3 * m), diagnosis("terminal_sim")),  # repeat: opens
        (_complaint(conn, "U3", "SU", T0 + 4 * m), diagnosis("terminal_sim")),  # repeat of U2
        (_complaint(conn, "D1", "SD", T0 + 4 * m), _network("weak_coverage", "CELL-D")),
        (_complaint(conn, "D2", "SD", T0 + 4 * m), _network("weak_coverage", "CELL-D")),
    ]
    for k in range(12):  # the outage of ME-1 (two orders before it formed)
        row = _complaint(conn, f"E{k:02d}", f"SE{k}", T0 + (5 + k) * m, TOWER)
        items.append((row, _network("outage", f"CELL-M{1 + 2 * (k % 2)}", "ME-1")))
    items += [
        (_complaint(conn, "N2", "SN2", T0 + 20 * m, FIELD), _network("outage", None)),  # near
        (
            _complaint(conn, "R2", "SR2", T0 + 21 * m, channel="regulator"),
            _network("congestion", "CELL-R"),
        ),
        (_complaint(conn, "F1", "SF1", T0 + 22 * m, PARK), diagnosis("no_fault_found")),
        (_complaint(conn, "V1", "SV", T0 + 23 * m), _network("congestion", "CELL-R")),
    ]
    for k in range(5):  # a mass event new with this batch
        row = _complaint(conn, f"X{k}", f"SX{k}", T0 + (24 + k) * m, PARK)
        items.append((row, _network("interference", f"CELL-X{k % 2}", "ME-2")))
    for row, diag in items:
        _store(conn, row, diag)
    conn.commit()
    again = conn.execute("SELECT result FROM diagnoses WHERE complaint_id = 'R1'").fetchone()
    assert again is not None
    r1 = {"complaint_id": "R1", "reported_at": T0 - timedelta(hours=1), "msisdn_hash": "hash-SR1"}
    return [*items, (r1, again[0])]  # diagnosed again: keeps its order


def test_a_batch_decides_as_its_diagnoses_one_by_one(conn: Conn, other_conn: Conn) -> None:
    outcome = _same_outcome(conn, other_conn, _history)
    notes = [note or "" for _, _, _, _, _, note in outcome["history"]]
    moves = {(order, old, new) for order, _, _, old, new, _ in outcome["history"] if new}
    orders = {row["work_order_id"]: row for row in outcome["orders"]}
    by_complaint = {c: o for o, c, _ in outcome["links"]}
    assert by_complaint["A2"] == by_complaint["A1"]
    assert (by_complaint["A1"], "resolved", "in_progress") in moves  # reported after the fix
    assert (by_complaint["B1"], "verified", "reopened") in moves  # a repeat after verification
    assert by_complaint["C2"] != by_complaint["C1"]  # closed: a new order
    assert by_complaint["U2"] == by_complaint["U3"]
    assert orders[by_complaint["U2"]]["route"] == "repeat.user_side"
    outage = {by_complaint[c] for c in ["M1", "M2", "M3"] + [f"E{k:02d}" for k in range(12)]}
    assert len(outage) == 1
    merged = orders[outage.pop()]
    assert merged["mass_event_id"] == "ME-1" and merged["repeat_count"] == 1 and merged["urgent"]
    assert merged["cells"] == ["CELL-M1", "CELL-M2", "CELL-M3"]  # CELL-M2 came with the merge
    assert {e["cell_id"] for e in merged["evidence"]} == {"CELL-M1", "CELL-M2", "CELL-M3"}
    assert orders[by_complaint["C2"]]["updated_at"] == merged["updated_at"] == NOW
    moved = {c: o for c, o in outcome["diagnoses"] if c in ("M2", "M3")}
    assert moved == {"M2": merged["work_order_id"], "M3": merged["work_order_id"]}
    assert orders[by_complaint["R2"]]["due_at"] == NOW + timedelta(hours=4)  # 紧急投诉
    assert any(note.startswith("merged order") for note in notes)
    assert len({by_complaint[f"X{k}"] for k in range(5)}) == 1
    assert by_complaint["N2"] == by_complaint["N1"] and by_complaint["V1"] == by_complaint["R1"]
    assert "urgent complaint attached (紧急投诉)" in notes
    assert "F1" not in by_complaint
    assert {(c, of) for c, of, *_ in outcome["repeats"]} == {
        ("B2", "B1"),
        ("U2", "U1"),
        ("U3", "U2"),
        ("D1", "D2"),  # the same moment: the first one handled repeats the other, not both
        ("M3", "M2"),
    }
    assert {c: o for c, _, o, *_ in outcome["repeats"]}["M3"] == by_complaint["M1"]
    assert any(row["vip"] for row in outcome["orders"])  # the counters' cases are all there
    assert max(row["complaint_count"] for row in outcome["orders"]) > max(
        row["complainant_count"] for row in outcome["orders"]
    )


def test_the_counters_migration_counts_existing_orders(conn: Conn, other_conn: Conn) -> None:
    _same_outcome(conn, other_conn, _history)  # checks the counters the hook kept
    conn.execute("UPDATE work_orders SET complaint_count = 0, complainant_count = 0, vip = false")
    conn.execute("DELETE FROM work_order_complainants")
    conn.execute("DELETE FROM schema_migrations WHERE version = 32")
    conn.commit()
    with psycopg.connect(conn.info.dsn, autocommit=True) as admin:
        assert migrate(admin) == ["032_work_order_counters"]
    counters_match(conn)
    counted = conn.execute("SELECT count(*) FROM work_order_complainants").fetchone()
    assert counted is not None and counted[0] > 0


def _adopt_then_merge(conn: Conn) -> Items:
    """An order found by cell takes a mass event; a repeat's order holding one of the event's
    complaints is then merged into it — the batch needs that order's complaints, which its
    first read didn't load (``NeedsMembers``)."""
    _one_at_a_time(
        conn,
        [
            (_complaint(conn, "Z1", "SZ1", T0 - timedelta(hours=2)), _network("outage", "Z")),
            (_complaint(conn, "S1", "SS", T0 - timedelta(hours=2)), diagnosis("terminal_sim")),
        ],
    )
    mass_event(conn, "ME-3", "outage", ["Z", "Z2"])
    user_side = diagnosis("terminal_sim", mass_event_id="ME-3")
    items: Items = [
        (_complaint(conn, "Z2", "SZ2", T0), _network("outage", "Z", "ME-3")),
        (_complaint(conn, "S2", "SS", T0 + timedelta(minutes=1)), user_side),
        (
            _complaint(conn, "Z3", "SZ3", T0 + timedelta(minutes=2)),
            _network("outage", "Z2", "ME-3"),
        ),
    ]
    for row, diag in items:
        _store(conn, row, diag)
    conn.commit()
    return items


def test_a_batch_loads_what_a_merge_needs_and_decides_again(
    conn: Conn, other_conn: Conn, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[Sequence[str]] = []
    add_members = hook_load.add_members

    def counting(c: Conn, snapshot: Any, order_ids: Sequence[str]) -> None:
        asked.append(order_ids)
        add_members(c, snapshot, order_ids)

    monkeypatch.setattr(hook_load, "add_members", counting)
    outcome = _same_outcome(conn, other_conn, _adopt_then_merge)
    # an event's orders come without their complaints: the merge asks for those it lacks (both
    # at once), so the batch and the one-by-one call that merges each decide again once
    assert len(asked) == 2
    assert len(outcome["orders"]) == 1
    assert {c for _, c, _ in outcome["links"]} == {"Z1", "Z2", "S2", "Z3"}
    assert outcome["orders"][0]["mass_event_id"] == "ME-3"


PAST = datetime(2001, 1, 1, tzinfo=UTC)


def _outage(cell: str, ts: datetime, values: dict[str, float]) -> None:
    """The central site down in the evening of the town's second day."""
    hours = (ts - factories.T0).total_seconds() / 3600
    if cell.startswith("S003") and 24 + 18 <= hours < 24 + 22:
        values["availability_pct"] = 0.0


@pytest.mark.parametrize("failure", ["database", "bug"])
def test_a_failing_batch_is_rolled_back_and_handed_over_one_by_one(
    nc_env: dict[str, str],
    conn: Conn,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    town = factories.town(conn, fault=_outage)
    batches = []
    real = hooks.on_diagnoses

    def failing(c: Conn, items: Items, **kwargs: Any) -> list[str | None]:
        if len(items) == 1:  # on_diagnosis, one by one: the real thing
            return real(c, items, **kwargs)
        batches.append(len(items))
        real(c, items[:2], now=PAST)  # orders written, then it fails
        if failure == "database":
            c.execute("SELECT 1 / 0")
        raise RuntimeError("a bug in the hook")

    monkeypatch.setattr(hooks, "on_diagnoses", failing)
    path = tmp_path / "complaints.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "msisdn", "reported_at", "lat", "lon", "symptom"])
        for k in range(6):
            lat, lon = factories.offset(*town.place, 30.0 * k, 0.0)
            at = (town.now + timedelta(minutes=5 * k)).strftime("%Y-%m-%d %H:%M:%S")
            writer.writerow(
                [f"F{k}", f"1390000000{k}", at, f"{lat:.6f}", f"{lon:.6f}", "no_signal"]
            )
    result = CliRunner().invoke(
        app, ["ingest", "complaints", str(path), "--columns", "id=external_id", "--tz", "UTC"]
    )
    assert result.exit_code == 0, result.output
    assert batches == [6]
    orders = conn.execute("SELECT work_order_id, cause FROM work_orders").fetchall()
    assert len(orders) == 1 and orders[0][1] == "outage"  # the failed batch's orders are gone
    named = conn.execute("SELECT DISTINCT work_order_id FROM diagnoses").fetchall()
    assert named == [(orders[0][0],)]
    assert conn.execute("SELECT count(*) FROM work_order_complaints").fetchone() == (6,)
    opened = "SELECT count(*) FROM work_order_events WHERE to_status = 'new'"
    assert conn.execute(opened).fetchone() == (1,)
    written = "SELECT min(attached_at) > %s FROM work_order_complaints"
    assert conn.execute(written, (PAST,)).fetchone() == (True,)
    counters_match(conn)  # the failed batch's counts were rolled back with its links
