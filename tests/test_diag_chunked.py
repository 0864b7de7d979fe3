"""Diagnosing in chunks (``diagnostics.chunked``): the checks of one chunk run in a worker thread
while the next chunk's evidence is read. Chunking must not change any answer, and a chunk that
fails (reading or checking) is marked failed while the other chunks are stored."""

from __future__ import annotations

import gc
import re
import threading
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from diagnostics import chunked, engine
from diagnostics.evidence import Context, gather
from diagnostics.models import ComplaintRecord, parse_complaint
from diagnostics.service import records_of, submit_batch
from diagnostics.settings import DiagnosticsSettings
from diagnostics.sqlparams import queries
from tests import test_diag_factories as f

KEY = f.PII_KEY


def complaints(t: f.Town, n: int) -> list[Any]:
    """n complaints around the town's place, a few minutes and metres apart."""
    return [
        parse_complaint(
            f.complaint(
                f"K{k}",
                *f.offset(*t.place, 15.0 * k, -10.0 * k),
                ("no_signal", "call_drop", "slow_data")[k % 3],
                t.now + timedelta(minutes=5 * k),
                msisdn=f"1390000{k:04d}",
            )
        )
        for k in range(n)
    ]


def bodies(conn: psycopg.Connection[Any]) -> dict[str, tuple[str, str, float, list[str]]]:
    rows = conn.execute(
        "SELECT c.external_id, d.primary_cause, d.attribution, d.confidence, d.serving_cells "
        "FROM diagnoses d JOIN complaints c USING (complaint_id)"
    ).fetchall()
    return {str(r[0]): (str(r[1]), str(r[2]), float(r[3]), list(r[4])) for r in rows}


def test_chunks_give_the_answers_of_one_batch(
    conn: psycopg.Connection[Any], nc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    t = f.town(conn)
    batch = complaints(t, 7)
    threads: list[str] = []
    original = engine.diagnose_contexts

    def spy(*args: Any) -> list[engine.Result]:
        threads.append(threading.current_thread().name)
        return original(*args)

    monkeypatch.setattr(engine, "diagnose_contexts", spy)
    one = submit_batch(conn, batch, settings=DiagnosticsSettings(), key=KEY)
    whole, evidence = bodies(conn), evidence_of(conn)
    assert threads == [threading.current_thread().name]  # one chunk: inline, no thread
    conn.rollback()
    threads.clear()
    three = submit_batch(conn, batch, settings=DiagnosticsSettings(diagnosis_batch_size=3), key=KEY)
    assert one.diagnosed == three.diagnosed == 7 and three.failed == 0
    assert bodies(conn) == whole and evidence_of(conn) == evidence
    assert len(threads) == 3 and all(name.startswith("nc-checks") for name in threads)


def test_batches_run_with_the_collector_threshold_and_restore_it(
    conn: psycopg.Connection[Any], nc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    t = f.town(conn)
    before = gc.get_threshold()
    seen: list[int] = []
    original = engine.diagnose_contexts

    def spy(*args: Any) -> list[engine.Result]:
        seen.append(gc.get_threshold()[0])
        return original(*args)

    monkeypatch.setattr(engine, "diagnose_contexts", spy)
    settings = DiagnosticsSettings(diagnosis_batch_size=2, diagnosis_gc_threshold=12_345)
    out = submit_batch(conn, complaints(t, 4), settings=settings, key=KEY)
    assert out.diagnosed == 4 and seen == [12_345, 12_345]  # in the checks worker too
    assert gc.get_threshold() == before
    conn.rollback()
    seen.clear()
    submit_batch(
        conn, complaints(t, 2), settings=DiagnosticsSettings(diagnosis_gc_threshold=0), key=KEY
    )
    assert seen == [before[0]]  # 0: the interpreter's own


def test_the_collector_setting_is_kept_until_the_last_batch_ends() -> None:
    before = gc.get_threshold()
    settings = DiagnosticsSettings(diagnosis_gc_threshold=23_456)
    with engine.batch_collector(settings):
        with engine.batch_collector(settings):  # another thread's batch, e.g. the API's retries
            assert gc.get_threshold()[0] == 23_456
        assert gc.get_threshold()[0] == 23_456  # the first batch still runs
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), engine.batch_collector(settings):
        raise RuntimeError("a failing batch")
    assert gc.get_threshold() == before


def evidence_of(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    rows = conn.execute(
        "SELECT c.external_id, d.result->'evidence' FROM diagnoses d JOIN complaints c "
        "USING (complaint_id)"
    ).fetchall()
    return dict(rows)


def test_engine_diagnose_in_chunks_keeps_order(
    conn: psycopg.Connection[Any], nc_env: dict[str, str]
) -> None:
    t = f.town(conn)
    submit_batch(conn, complaints(t, 5), settings=DiagnosticsSettings(), key=KEY)
    ids = [str(r[0]) for r in conn.execute("SELECT complaint_id FROM complaints ORDER BY 1")]
    records = records_of(conn, ids)
    whole = engine.diagnose(conn, records, DiagnosticsSettings())
    pairs = engine.diagnose(conn, records, DiagnosticsSettings(diagnosis_batch_size=2))
    assert [r.complaint.complaint_id for r in pairs] == [r.complaint_id for r in records]
    assert [r.diagnosis.as_json() for r in pairs] == [r.diagnosis.as_json() for r in whole]


def test_a_chunk_whose_checks_raise_is_failed_alone(
    conn: psycopg.Connection[Any], nc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    t = f.town(conn)
    original = engine.diagnose_contexts

    def broken_for_k3(contexts: list[Context], *args: Any) -> list[engine.Result]:
        if any(c.complaint.external_id == "K3" for c in contexts):
            raise RuntimeError("check bug")
        return original(contexts, *args)

    monkeypatch.setattr(engine, "diagnose_contexts", broken_for_k3)
    out = submit_batch(
        conn, complaints(t, 6), settings=DiagnosticsSettings(diagnosis_batch_size=2), key=KEY
    )
    assert (out.created, out.diagnosed, out.failed) == (6, 4, 2)
    assert out.errors == ["RuntimeError: check bug"]
    status = dict(conn.execute("SELECT external_id, diagnosis_status FROM complaints").fetchall())
    assert status == {
        "K0": "done",
        "K1": "done",
        "K2": "failed",
        "K3": "failed",
        "K4": "done",
        "K5": "done",
    }
    assert len(bodies(conn)) == 4


def test_a_chunk_whose_evidence_read_fails_is_failed_alone(
    conn: psycopg.Connection[Any], nc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error while reading rolls back to the chunk's savepoint: the transaction goes
    on with the next chunks, and the complaints of the failed one stay stored."""
    t = f.town(conn)

    def broken_for_k0(
        c: psycopg.Connection[Any], part: list[ComplaintRecord], settings: DiagnosticsSettings
    ) -> list[Context]:
        if any(r.external_id == "K0" for r in part):
            c.execute("SELECT 1 / 0")
        return gather(c, part, settings)

    monkeypatch.setattr(chunked, "gather", broken_for_k0)
    out = submit_batch(
        conn, complaints(t, 5), settings=DiagnosticsSettings(diagnosis_batch_size=2), key=KEY
    )
    assert (out.diagnosed, out.failed) == (3, 2)
    assert "DivisionByZero" in out.errors[0]
    failed = conn.execute(
        "SELECT external_id FROM complaints WHERE diagnosis_status = 'failed' ORDER BY 1"
    ).fetchall()
    assert failed == [("K0",), ("K1",)]


def test_each_evidence_query_reads_one_set_of_requests() -> None:
    """Under the generic plans of the diagnosis transaction the planner can't see how many
    requests a batch has (it guesses ten), so a query joining two unnest sets got a nested loop
    that unnests the inner one again for every outer row: 110 ms instead of 3 ms for 1,000
    complaints. Every element row carries its request's values instead: one set per query."""
    for name, text in queries().items():
        assert len(re.findall(r"\bunnest\(", text)) <= 1, name
