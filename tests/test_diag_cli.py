"""End to end through the CLI: ``netcomplaint diagnose FILE.json`` for every cause, ``ingest
complaints`` in batch, idempotency, masking and one-line errors."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from diagnostics import complaints_cli
from diagnostics.parallel import diagnose_parts
from diagnostics.settings import DiagnosticsSettings
from netcomplaint.cli import app
from tests import test_diag_factories as f

runner = CliRunner()


def diagnose(tmp_path: Path, complaint: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / f"{complaint['external_id']}.json"
    path.write_text(json.dumps(complaint, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["diagnose", str(path)])
    assert result.exit_code == 0, result.output
    body: dict[str, Any] = json.loads(result.stdout)
    return body


def in_problem_hours(start_hour: float, end_hour: float) -> f.Fault:
    """A fault on the central site's cells in these hours of the second day."""

    def apply(cell: str, ts: Any, values: dict[str, float]) -> None:
        hours = (ts - f.T0).total_seconds() / 3600
        if cell.startswith("S003") and 24 + start_hour <= hours < 24 + end_hour:
            values.update(FAULT[0])

    return apply


FAULT: list[dict[str, float]] = [{}]


@pytest.mark.parametrize(
    ("cause", "symptom", "kpi_fault", "extra"),
    [
        (
            "congestion",
            "slow_data",
            {"prb_util_dl_pct": 96.0, "dl_user_thr_mbps": 2.0, "rrc_users_avg": 200.0},
            {},
        ),
        ("interference", "poor_voice", {"ul_interference_dbm": -97.0, "avg_cqi": 5.5}, {}),
        ("outage", "no_signal", {"availability_pct": 0.0}, {"alarm": "site_down"}),
    ],
)
def test_network_causes_end_to_end(
    nc_env: dict[str, str],
    conn: psycopg.Connection[Any],
    tmp_path: Path,
    cause: str,
    symptom: str,
    kpi_fault: dict[str, float],
    extra: dict[str, str],
) -> None:
    FAULT[0] = kpi_fault
    t = f.town(conn, fault=in_problem_hours(17, 21))
    if extra.get("alarm"):
        f.alarm(
            conn,
            "A1",
            t.site.site_id,
            extra["alarm"],
            t.now - timedelta(hours=3),
            None,
            text="fibre cut by road works",
        )
    body = diagnose(
        tmp_path, f.complaint(f"e-{cause}", *t.place, symptom, t.now, description="刚才开始的")
    )
    d = body["diagnosis"]
    assert d["primary_cause"] == cause, json.dumps(d, ensure_ascii=False, indent=1)[:3000]
    assert d["attribution"] == "network"
    assert d["serving_cells"][0].startswith(t.site.site_id)
    assert d["evidence"][0]["cause"] == cause and d["evidence"][0]["finding"] == "abnormal"
    assert d["reply_script"]["zh"] and d["reply_script"]["en"] and d["actions"]
    assert 0.5 < d["confidence"] <= 1.0
    assert d["causes"][0]["cause"] == cause and len(d["causes"]) == 7


def test_silent_outage_of_the_best_server_the_mr_do_not_show(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """No alarm, and the place's MR (taken while the central site was down) show another site
    serving: the central cell's own availability KPI, read as the geometry's best server, tells
    the outage."""
    FAULT[0] = {"availability_pct": 0.0}
    t = f.town(conn, fault=in_problem_hours(17, 21))
    stand_in = next(c for c in t.cells if not c.startswith(t.site.site_id))
    conn.execute(
        "INSERT INTO mr_grid (grid_id, cell_id, day, samples, rsrp_p50, weak_share) "
        "SELECT grid_id, %s, day, samples, rsrp_p50, weak_share FROM mr_grid WHERE cell_id = ''",
        (stand_in,),
    )
    conn.commit()
    body = diagnose(tmp_path, f.complaint("e-silent", *t.place, "no_signal", t.now))
    d = body["diagnosis"]
    assert d["serving_cells"][0] == stand_in  # what the MR show
    found = next(e for e in d["evidence"] if e["check"] == "availability")
    assert found["finding"] == "abnormal" and found["cell_id"].startswith(t.site.site_id)
    assert d["primary_cause"] == "outage", json.dumps(d, ensure_ascii=False, indent=1)[:3000]


def test_weak_coverage_end_to_end(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    t = f.town(conn)
    far = f.offset(t.site.lat, t.site.lon, -900.0, -1400.0)
    f.mr(conn, *far, rsrp=-119.0, seed=5, start=t.start, days=2)
    f.area(conn, "blind_spot", *far, name="Riverside lane")
    body = diagnose(
        tmp_path, f.complaint("e-weak", *far, None, t.now, description="家里信号不好，只有一两格")
    )
    d = body["diagnosis"]
    assert d["primary_cause"] == "weak_coverage" and d["attribution"] == "network"
    checks = {e["check"]: e for e in d["evidence"]}
    assert (
        checks["mr_weak_share"]["finding"] == "abnormal"
        and checks["known_weak_area"]["finding"] == "abnormal"
    )
    assert (
        "Riverside lane" in d["reply_script"]["zh"] and "Riverside lane" in d["reply_script"]["en"]
    )


def test_terminal_sim_end_to_end(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    t = f.town(conn)
    f.device(conn, "86000001", volte=False, model="OldPhone 3")
    f.subscriber(conn, "13800138000", "86000001")
    body = diagnose(
        tmp_path,
        f.complaint(
            "e-term", *t.place, "cannot_call", t.now, everywhere=True, neighbours_affected="no"
        ),
    )
    d = body["diagnosis"]
    assert d["primary_cause"] == "terminal_sim" and d["attribution"] == "user"
    assert "OldPhone 3" in d["reply_script"]["zh"] and "VoLTE" in d["reply_script"]["en"]
    assert "13800138000" not in json.dumps(body)


def test_roaming_registration_end_to_end(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    t = f.town(conn)
    f.device(conn, "86000002")
    f.subscriber(conn, "13900139000", "86000002")
    f.registration(
        conn, "13900139000", t.now - timedelta(hours=1), "rejected", network="454-00", reject="13"
    )
    body = diagnose(
        tmp_path,
        f.complaint(
            "e-roam",
            *t.place,
            None,
            t.now,
            msisdn="13900139000",
            description="在国外漫游打不了电话",
        ),
    )
    d = body["diagnosis"]
    assert d["primary_cause"] == "roaming_registration" and d["attribution"] == "network"
    assert "454-00" in d["reply_script"]["en"] and "454-00" in d["reply_script"]["zh"]


def test_no_fault_found_end_to_end(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    t = f.town(conn)
    f.device(conn, "86000003")
    f.subscriber(conn, "13700137000", "86000003")
    f.registration(conn, "13700137000", t.now - timedelta(hours=2))
    body = diagnose(
        tmp_path,
        f.complaint(
            "e-nff", *t.place, "weak_signal", t.now, msisdn="13700137000", frequency="occasional"
        ),
    )
    d = body["diagnosis"]
    assert d["primary_cause"] == "no_fault_found" and d["attribution"] == "unknown"
    assert d["work_order_id"] is None
    assert "未发现故障" in d["reply_script"]["zh"] and "no fault" in d["reply_script"]["en"]


def test_missing_data_lowers_confidence_but_never_fails(
    nc_env: dict[str, str], tmp_path: Path
) -> None:
    # an empty database: no cells, KPIs, MR, alarms, subscribers …
    body = diagnose(tmp_path, f.complaint("e-empty", 31.2, 121.4, "call_drop", f.T0))
    d = body["diagnosis"]
    assert d["primary_cause"] == "no_fault_found" and d["confidence"] < 0.6
    unknown = [e for e in d["evidence"] if e["finding"] == "unknown"]
    assert len(unknown) > 10 and all(e["detail"] for e in unknown)


def test_nothing_measured_is_no_confirmed_fault(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """A cell inventory without KPI, MR or alarm feeds (e.g. real cells alone): no alarm is no
    evidence, and "no fault found" must not tell the customer the network was checked."""
    sites = f.network(conn, rings=1)
    conn.commit()
    place = f.offset(sites[0].lat, sites[0].lon, 10.0, 150.0)
    body = diagnose(tmp_path, f.complaint("e-bare", *place, "weak_signal", f.T0))
    d = body["diagnosis"]
    assert d["primary_cause"] == "no_fault_found" and d["serving_cells"]
    assert d["confidence"] <= DiagnosticsSettings().nff_unmeasured_max_confidence
    found = {e["check"]: e for e in d["evidence"]}
    for check in ("outage_alarms", "neighbour_outage", "interference_alarm"):
        assert found[check]["finding"] == "unknown" and "no alarm feed" in found[check]["detail"]
    assert "未发现故障" not in d["reply_script"]["zh"] and "no fault" not in d["reply_script"]["en"]
    assert "enough network measurements" in d["reply_script"]["en"]
    assert any("no fault could be confirmed" in a for a in d["actions"])
    # one alarm anywhere makes a feed: the absence of alarms on these cells is evidence again
    raised = f.T0 - timedelta(days=1)
    f.alarm(conn, "FAR-1", "FAR-CELL", "site_down", raised, raised + timedelta(hours=1))
    again = diagnose(tmp_path, f.complaint("e-bare-2", *place, "weak_signal", f.T0))
    outage = next(e for e in again["diagnosis"]["evidence"] if e["check"] == "outage_alarms")
    assert outage["finding"] == "normal"


@pytest.mark.parametrize("grid", [True, False])
def test_sparse_mr_near_the_place_is_read_wider(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path, grid: bool
) -> None:
    """No MR within 100 m (a new feed, a quiet street), weak MR 180 m away: the coverage is read
    from the grids within ``mr_wide_radius_m`` rather than left unknown."""
    sites = f.network(conn, rings=1)
    f.kpis(conn, [s.cell(k) for s in sites for k in range(3)], f.T0, 48)
    place = f.offset(sites[0].lat, sites[0].lon, 10.0, 300.0)
    f.mr(conn, *f.offset(*place, 180.0, 0.0), rsrp=-118.0, spread_m=40.0, days=2, grid=grid)
    when = f.T0 + timedelta(hours=40)
    d = diagnose(tmp_path, f.complaint(f"e-wide-{grid}", *place, "weak_signal", when))["diagnosis"]
    share = next(e for e in d["evidence"] if e["check"] == "mr_weak_share")
    assert share["finding"] == "abnormal" and "within 250 m" in share["detail"]
    assert d["primary_cause"] == "weak_coverage"


def test_repeated_external_id_returns_the_stored_diagnosis(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    t = f.town(conn)
    first = diagnose(tmp_path, f.complaint("e-same", *t.place, "slow_data", t.now))
    second = diagnose(tmp_path, f.complaint("e-same", *t.place, "no_signal", t.now))
    assert first == second
    assert conn.execute("SELECT count(*) FROM complaints").fetchone() == (1,)


def test_msisdn_is_stored_hashed_and_masked(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    diagnose(
        tmp_path, f.complaint("e-pii", 31.2, 121.4, "call_drop", f.T0, msisdn="+86 138-0013-8000")
    )
    row = conn.execute("SELECT msisdn_hash, msisdn_masked FROM complaints").fetchone()
    assert row is not None and row[1] == "861****8000" and len(row[0]) == 64
    dump = json.dumps(conn.execute("SELECT row_to_json(c) FROM complaints c").fetchall())
    assert "8613800138000" not in dump


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (
            json.dumps(
                {
                    "external_id": "x",
                    "msisdn": "13800138000",
                    "reported_at": "2026-05-01T10:00:00+08:00",
                    "symptom": "weak_signal",
                }
            ),
            "cell_id: give lat+lon",
        ),
        (
            json.dumps(
                {
                    "external_id": "x",
                    "msisdn": "13800138000",
                    "reported_at": "2026-05-01T10:00:00+08:00",
                    "lat": 95,
                    "lon": 121,
                    "symptom": "weak_signal",
                }
            ),
            "lat:",
        ),
        (
            json.dumps(
                {
                    "external_id": "x",
                    "msisdn": "13800138000",
                    "reported_at": "2026-05-01T10:00:00+08:00",
                    "lat": 31,
                    "lon": 121,
                    "description": "hello",
                }
            ),
            "symptom:",
        ),
        (
            json.dumps(
                {
                    "external_id": "x",
                    "msisdn": "abc",
                    "reported_at": "2026-05-01T10:00:00+08:00",
                    "lat": 31,
                    "lon": 121,
                    "symptom": "no_signal",
                }
            ),
            "msisdn:",
        ),
    ],
)
def test_bad_complaint_file_is_one_line_error(
    nc_env: dict[str, str], tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "c.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["diagnose", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.stderr


@pytest.mark.parametrize(
    "processes", [[], ["--processes", "2"], ["auto"]], ids=["inline", "processes", "auto"]
)
def test_ingest_complaints_batch(
    nc_env: dict[str, str],
    conn: psycopg.Connection[Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    processes: list[str],
) -> None:
    monkeypatch.setenv("NETCOMPLAINT_DIAGNOSIS_BATCH_SIZE", "3")  # three parts for two processes
    parallel = bool(processes)
    if processes == ["auto"]:  # the default: one process per core for a file this big
        monkeypatch.setenv("NETCOMPLAINT_DIAGNOSIS_PARALLEL_MIN", "7")
        monkeypatch.setattr("os.cpu_count", lambda: 2)
        processes = []
    pools: list[tuple[int, int]] = []  # (complaints, processes) of each diagnose_parts call

    def recorded(conn: Any, url: str, ids: Any, settings: Any, n: int) -> Any:
        pools.append((len(ids), n))
        return diagnose_parts(conn, url, ids, settings, n)

    monkeypatch.setattr(complaints_cli, "diagnose_parts", recorded)
    FAULT[0] = {"availability_pct": 0.0}
    t = f.town(conn, fault=in_problem_hours(18, 22))
    f.alarm(conn, "A1", t.site.site_id, "power", t.now - timedelta(hours=2), None)
    path = tmp_path / "complaints.csv"
    columns = [
        "id",
        "msisdn",
        "reported_at",
        "lat",
        "lon",
        "cell_id",
        "symptom",
        "description",
        "everywhere",
    ]
    rows = []
    for k in range(6):  # six subscribers near the failed site in the same hour: one outage
        lat, lon = f.offset(*t.place, 30.0 * k, 0.0)
        rows.append(
            [
                f"B{k}",
                f"1390000000{k}",
                (t.now + timedelta(minutes=5 * k)).strftime("%Y-%m-%d %H:%M:%S"),
                f"{lat:.6f}",
                f"{lon:.6f}",
                "",
                "",
                "手机显示无服务，周围用户也一样",
                "",
            ]
        )  # no offset: --tz
    rows.append(
        ["B9", "13900000009", "not a time", "31", "121", "", "no_signal", "", ""]
    )  # bad row
    rows.append(
        [
            "B8",
            "13900000008",
            t.now.strftime("%Y-%m-%d %H:%M:%S"),
            "",
            "",
            "S003-0",
            "no_data",
            "",
            "yes",
        ]
    )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    ingest = ["ingest", "complaints", str(path), "--columns", "id=external_id", "--tz", "UTC"]
    result = runner.invoke(app, [*ingest, *processes])
    assert result.exit_code == 0, result.output
    assert "7 new" in result.stdout and "outage 7" in result.stdout, result.stdout
    assert pools == ([(7, 2)] if parallel else [])  # stored first, then diagnosed in processes
    assert "reported_at" in result.stderr  # the bad row is reported with its field
    assert "6 complaint(s) gave no symptom of the contract's" in result.stderr
    causes = conn.execute(
        "SELECT primary_cause, count(*), count(DISTINCT mass_event_id) FROM diagnoses GROUP BY 1"
    ).fetchall()
    assert causes == [("outage", 7, 1)]
    assert conn.execute("SELECT count(*) FROM work_orders").fetchone() == (1,)
    inferred = conn.execute(
        "SELECT symptom, symptom_inferred FROM complaints WHERE external_id = 'B0'"
    ).fetchone()
    assert inferred == ("no_signal", True)
    again = runner.invoke(app, [*ingest, *processes])
    assert again.exit_code == 0 and "already loaded" in again.stdout
    assert conn.execute("SELECT count(*) FROM complaints").fetchone() == (7,)


def test_diagnose_pending_retries_failed_ones(
    nc_env: dict[str, str],
    conn: psycopg.Connection[Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from diagnostics import engine, service

    t = f.town(conn)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("KPI store offline")

    monkeypatch.setattr(service, "diagnose", broken)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(f.complaint("P1", *t.place, "slow_data", t.now)), encoding="utf-8")
    failed = runner.invoke(app, ["diagnose", str(path)])
    assert failed.exit_code == 1 and "will be retried" in failed.stderr
    monkeypatch.setattr(service, "diagnose", engine.diagnose)
    retried = runner.invoke(app, ["diagnose", "--pending"])
    assert retried.exit_code == 0 and "diagnosed 1" in retried.stdout, retried.output
    assert conn.execute("SELECT diagnosis_status FROM complaints").fetchone() == ("done",)
    assert runner.invoke(app, ["diagnose"]).exit_code == 1  # neither a file nor --pending


def test_a_complaint_repeated_in_its_file(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """The same row twice is one complaint, counted as repeated; the same external_id with other
    values is rejected naming the line kept (the first, as the API keeps it): never dropped
    unsaid."""
    t = f.town(conn)
    when = t.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    lat, lon = (f"{x:.6f}" for x in t.place)
    first = ["R1", "13900000001", when, lat, lon, "weak_signal", "家里信号不好"]
    path = tmp_path / "complaints.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["external_id", "msisdn", "reported_at", "lat", "lon", "symptom", "description"]
        )
        writer.writerows([first, first, [*first[:5], "no_data", "上不了网"]])
    result = runner.invoke(app, ["ingest", "complaints", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 rows loaded, 1 rows rejected" in result.stdout, result.stdout
    assert "1 repeated rows loaded once" in result.stdout, result.stdout
    assert "complaints.csv:4: external_id: 'R1' repeats line 2 with other values" in result.stderr
    stored = conn.execute("SELECT external_id, symptom FROM complaints").fetchall()
    assert stored == [("R1", "weak_signal")]
