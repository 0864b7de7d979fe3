"""``netcomplaint ingest kpis`` on KPI CSV files: the three ways in, errors, idempotency."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from kpi_ingest.csvsource import FileReport
from kpi_ingest.kpi_csv import KpiCsvOptions, Way, load_kpi_csv
from kpi_ingest.values import zone
from netcomplaint.cli import app
from storage.db import Conn

HEADER = "ts,cell_id,period_s,rrc_setup_sr_pct,prb_util_dl_pct,ul_interference_dbm\n"
MLMATT = (
    "Time=ts,CellName=cell_id,PRBUsageUL=prb_util_ul_pct,PRBUsageDL=prb_util_dl_pct,"
    "meanThr_DL=dl_user_thr_mbps,meanUE_DL=rrc_users_avg"
)


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def rows(conn: Conn) -> list[tuple[object, ...]]:
    conn.commit()
    return conn.execute(
        "SELECT cell_id, ts, period_s, rrc_setup_sr_pct, prb_util_dl_pct, ul_interference_dbm "
        "FROM kpis ORDER BY cell_id, ts"
    ).fetchall()


def load(
    conn: Conn,
    path: Path,
    force: Way = "auto",
    tz: str = "UTC",
    rename: dict[str, str] | None = None,
    day: date | None = None,
) -> tuple[FileReport, KpiCsvOptions, int]:
    report = FileReport(str(path))
    options = KpiCsvOptions(rename or {}, tz, zone(tz), day, force)
    with conn.transaction():
        loaded = load_kpi_csv(conn, path, report, options)
    return report, options, loaded


CLEAN = HEADER + (
    "2024-05-01T10:00:00Z,C1,900,99.5,40,-110.5\n"
    "2024-05-01T10:15:00+02:00,C1,900,98,,\n"
    "2024-05-01 10:30:00,C2,300,97.25,12.5,-118\n"
)
EXPECTED = [
    ("C1", datetime(2024, 5, 1, 8, 15, tzinfo=UTC), 900, 98.0, None, None),
    ("C1", datetime(2024, 5, 1, 10, 0, tzinfo=UTC), 900, 99.5, 40.0, -110.5),
    ("C2", datetime(2024, 5, 1, 10, 30, tzinfo=UTC), 300, 97.25, 12.5, -118.0),
]


@pytest.mark.parametrize("force", ["auto", "staged", "python"])
def test_each_way_loads_the_same_rows(tmp_path: Path, conn: Conn, force: Way) -> None:
    path = write(tmp_path, "k.csv", CLEAN)
    report, options, loaded = load(conn, path, force)
    assert loaded == 3 and report.rows_read == 3 and not report.errors
    assert list(options.paths_used) == [{"auto": "direct"}.get(force, force)]
    assert rows(conn) == EXPECTED


@pytest.mark.parametrize("force", ["auto", "python"])
def test_bad_rows_are_reported_with_line_and_field(tmp_path: Path, conn: Conn, force: Way) -> None:
    path = write(
        tmp_path,
        "bad.csv",
        HEADER
        + (
            "2024-05-01T10:00:00Z,C1,900,99.5,40,-110\n"
            "2024-05-01T10:00:00Z,,900,99.5,40,-110\n"
            "yesterday,C3,900,99,40,-110\n"
            "2024-05-01T10:00:00Z,C4,900,101,40,-110\n"
            "2024-05-01T10:00:00Z,C5,900,NaN,abc,-110\n"
            "2024-05-01T10:00:00Z,C6,-5,99,40,-110\n"
            "2024-13-01T10:00:00Z,C7,900,99,40,-110\n"
            ",,,,,\n"
            '"2024-05-01T10:00:00Z","C8","900","NA","-",""\n'
        ),
    )
    report, options, loaded = load(conn, path, force)
    assert loaded == 2
    assert [(e.line, e.field) for e in report.errors] == [
        (3, "cell_id"),
        (4, "ts"),
        (5, "rrc_setup_sr_pct"),
        (6, "prb_util_dl_pct"),
        (7, "period_s"),
        (8, "ts"),
    ]
    assert "out of range [0, 100]: '101'" in report.errors[2].reason
    assert "not a number: 'abc'" in report.errors[3].reason
    assert force == "python" or list(options.paths_used) == ["staged"]
    assert [r[0] for r in rows(conn)] == ["C1", "C8"]


def test_blank_line_and_wide_rows_fall_back_to_python(tmp_path: Path, conn: Conn) -> None:
    path = write(
        tmp_path,
        "b.csv",
        HEADER + "2024-05-01T10:00:00Z,C1,900,99,40,-110\n\n"
        "2024-05-01T10:00:00Z,C2,900,99,40,-110,extra\n",
    )
    report, options, loaded = load(conn, path)
    assert list(options.paths_used) == ["python"] and loaded == 2 and not report.errors


def test_foreign_columns_tz_semicolons_crlf_and_quoted_newlines(tmp_path: Path, conn: Conn) -> None:
    text = (
        'Zeit;Zelle;Extra;RRC\r\n2024-05-01 10:00;Z1;"a\r\nb";99\r\n'
        "2024-05-01 10:15;Z1;x;bad\r\n\r\n\r\n"
    )
    path = write(tmp_path, "f.csv", text)
    rename = {"Zeit": "ts", "Zelle": "cell_id", "RRC": "rrc_setup_sr_pct"}
    report, options, loaded = load(conn, path, tz="Asia/Shanghai", rename=rename)
    assert list(options.paths_used) == ["staged"] and loaded == 1
    assert [(e.line, e.field) for e in report.errors] == [(4, "rrc_setup_sr_pct")]
    assert rows(conn)[0][:4] == ("Z1", datetime(2024, 5, 1, 2, 0, tzinfo=UTC), 900, 99.0)


def test_duplicate_keys_keep_the_last_row(tmp_path: Path, conn: Conn) -> None:
    """A later row with the key of an earlier one wins and the earlier is reported; a row
    delivered twice (same values) is loaded once and only counted."""
    path = write(
        tmp_path,
        "d.csv",
        HEADER + "2024-05-01T10:00:00Z,C1,900,90,,\n"
        "2024-05-01T10:00:00Z,C1,900,91,,\n2024-05-01T10:00:00Z,C1,300,92,,\n"
        "2024-05-01T10:00:00Z,C1,300,92,,\n",
    )
    for force in ("auto", "python"):
        conn.execute("DELETE FROM kpis")
        report, _, loaded = load(conn, path, force)
        assert loaded == 2 and report.repeated == 1
        assert [(e.line, e.reason) for e in report.errors] == [
            (2, "superseded by line 3 (same cell_id, ts, period_s; other values)")
        ]
        assert [r[3] for r in rows(conn)] == [92.0, 91.0]


def test_update_keeps_columns_the_file_lacks(tmp_path: Path, conn: Conn) -> None:
    load(conn, write(tmp_path, "a.csv", CLEAN))
    second = write(tmp_path, "b.csv", "ts,cell_id,prb_util_dl_pct\n2024-05-01T10:00:00Z,C1,55\n")
    _, options, loaded = load(conn, second)
    assert loaded == 1 and list(options.paths_used) == ["staged"]  # the key exists: upsert
    assert rows(conn)[1][3:] == (99.5, 55.0, -110.5)
    _, _, loaded = load(conn, second)
    assert loaded == 0  # nothing differs


def test_time_only_values_need_date(tmp_path: Path, conn: Conn) -> None:
    path = write(tmp_path, "t.csv", "Time,Cell,RRC\n7:45,A,99\n23:30,A,98\n")
    rename = {"Time": "ts", "Cell": "cell_id", "RRC": "rrc_setup_sr_pct"}
    report, _, loaded = load(conn, path, rename=rename)
    assert loaded == 0 and "give the date with --date" in report.errors[0].reason
    for force in ("auto", "python"):
        conn.execute("DELETE FROM kpis")
        report, _, loaded = load(
            conn,
            path,
            force,
            "Europe/Dublin",
            rename,
            date(2019, 11, 25),
        )
        assert loaded == 2 and not report.errors
        assert [r[1] for r in rows(conn)] == [
            datetime(2019, 11, 25, 7, 45, tzinfo=UTC),
            datetime(2019, 11, 25, 23, 30, tzinfo=UTC),
        ]


def test_gzip_csv_and_missing_columns(tmp_path: Path, conn: Conn) -> None:
    path = tmp_path / "k.csv.gz"
    path.write_bytes(gzip.compress(CLEAN.encode()))
    _, _, loaded = load(conn, path)
    assert loaded == 3
    result_path = write(tmp_path, "m.csv", "when,cell_id\n2024-05-01T10:00:00Z,C1\n")
    report = FileReport(str(result_path))
    with pytest.raises(Exception, match="missing required column"):
        load_kpi_csv(conn, result_path, report, KpiCsvOptions({}, "UTC", zone("UTC")))
    # a time and a cell and no KPI (a --columns mapping that missed them all): not empty rows
    no_kpi = write(tmp_path, "n.csv", "START_TIME,ENODEB_CELL,DL_PRB\n2024-05-01T10:00:00Z,C1,3\n")
    rename = {"START_TIME": "ts", "ENODEB_CELL": "cell_id"}
    with pytest.raises(Exception, match="no KPI column; header has START_TIME"):
        load_kpi_csv(
            conn, no_kpi, FileReport(str(no_kpi)), KpiCsvOptions(rename, "UTC", zone("UTC"))
        )


@pytest.mark.usefixtures("nc_env")
def test_cli_mixed_directory_is_idempotent(tmp_path: Path, conn: Conn) -> None:
    write(tmp_path, "a.csv", CLEAN)
    write(tmp_path, "notes.txt", "ignored")
    (tmp_path / "empty.csv").write_text("")
    result = cli("ingest", "kpis", str(tmp_path))
    assert result.exit_code == 1
    assert "empty.csv: empty file" in result.stderr
    assert (
        "ingest kpis: 2 file(s), 3 rows loaded, 0 rows rejected, 1 file(s) failed" in result.stdout
    )
    again = cli("ingest", "kpis", str(tmp_path / "a.csv"))
    assert again.exit_code == 0 and "1 already loaded" in again.stdout
    tz_again = cli("ingest", "kpis", "--tz", "Asia/Shanghai", str(tmp_path / "a.csv"))
    assert "1 already loaded" not in tz_again.stdout  # read differently: loads again
    assert cli("ingest", "kpis", "--date", "2019-02-30", str(tmp_path)).exit_code == 1
    assert cli("ingest", "kpis", "--columns", "a", str(tmp_path)).exit_code == 1


@pytest.mark.slow
@pytest.mark.usefixtures("nc_env")
def test_real_mlmatt_kpis(real_data: Path, conn: Conn) -> None:
    folder = real_data / "lte_cell_kpi_anomaly_mlmatt"
    result = cli(
        "ingest",
        "kpis",
        str(folder / "ML-MATT-CompetitionQT1920_train.csv"),
        "--columns",
        MLMATT,
        "--date",
        "2019-03-01",
        "--tz",
        "Europe/Dublin",
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    # 36,904 rows but times without days: 3,168 (cell, time) pairs; later rows win, and 41 rows
    # repeat an earlier one value for value (counted, not rejected)
    assert "3,168 rows loaded, 33,695 rows rejected" in result.stdout
    assert "41 repeated rows loaded once" in result.stdout
    assert "superseded by line" in result.stderr
    stats = conn.execute(
        "SELECT count(*), count(DISTINCT cell_id), min(ts), max(ts), max(prb_util_dl_pct), "
        "count(dl_user_thr_mbps) FROM kpis"
    ).fetchone()
    assert stats is not None and stats[:2] == (3168, 33)
    assert stats[2] == datetime(2019, 3, 1, 0, 0, tzinfo=UTC)
    assert stats[3] == datetime(2019, 3, 1, 23, 45, tzinfo=UTC)
    assert 0 < stats[4] <= 100 and stats[5] == 3168
    test = cli(
        "ingest",
        "kpis",
        str(folder / "ML-MATT-CompetitionQT1920_test.csv"),
        "--columns",
        MLMATT,
        "--date",
        "2019-03-02",
    )
    assert test.exit_code == 0 and "rows loaded" in test.stdout


@pytest.mark.usefixtures("nc_env")
def test_cli_load_leaves_kpis_readable_index_only(tmp_path: Path, conn: Conn) -> None:
    """After ``ingest kpis`` the pages are all-visible, so the diagnosis's KPI read (a range of
    the covering index) touches no table rows."""
    body = "".join(
        f"2024-01-01T{h:02d}:{m:02d}:00Z,C{c},900,99.0,{c + m},-110\n"
        for c in range(30)
        for h in range(24)
        for m in (0, 15, 30, 45)
    )
    result = cli("ingest", "kpis", str(write(tmp_path, "k.csv", HEADER + body)))
    assert result.exit_code == 0, result.output
    conn.commit()
    plan = "\n".join(
        str(r[0])
        for r in conn.execute(
            "EXPLAIN (ANALYZE, COSTS OFF) SELECT ts, prb_util_dl_pct FROM kpis "
            "WHERE cell_id = 'C7' AND ts >= '2024-01-01T06:00:00Z' AND ts < '2024-01-01T12:00Z'"
        ).fetchall()
    )
    assert "Index Only Scan using kpis_cell_ts_covering" in plan, plan
    assert "Heap Fetches: 0" in plan, plan


# Europe/London goes back on 2026-10-25: 01:00–02:00 local happens twice (00:00Z BST, 01:00Z GMT)
AUTUMN = HEADER + (
    "2026-10-25 00:00,C1,3600,99,30,-118\n"
    "2026-10-25 01:00,C1,3600,99,40,-118\n"
    "2026-10-25 01:00,C2,3600,99,41,-118\n"
    "2026-10-25 01:00,C1,3600,90,50,-118\n"
    "2026-10-25 02:00,C1,3600,99,60,-118\n"
)


@pytest.mark.parametrize("force", ["auto", "staged", "python"])
def test_hour_the_clocks_go_back_is_two_hours(tmp_path: Path, conn: Conn, force: Way) -> None:
    # a cell's two rows at the repeated wall-clock hour are both hours (the first the earlier),
    # not one row superseding the other; a time given once is the later hour on every way
    report, _, loaded = load(conn, write(tmp_path, "k.csv", AUTUMN), force, tz="Europe/London")
    assert loaded == 5 and not report.errors and report.repeated == 0
    got = [(cell, ts, prb) for cell, ts, _, _, prb, _ in rows(conn)]
    assert got == [
        ("C1", datetime(2026, 10, 24, 23, tzinfo=UTC), 30.0),
        ("C1", datetime(2026, 10, 25, 0, tzinfo=UTC), 40.0),
        ("C1", datetime(2026, 10, 25, 1, tzinfo=UTC), 50.0),
        ("C1", datetime(2026, 10, 25, 2, tzinfo=UTC), 60.0),
        ("C2", datetime(2026, 10, 25, 1, tzinfo=UTC), 41.0),
    ]


def test_repeated_hour_with_offsets_or_without_dst_is_one_hour(tmp_path: Path, conn: Conn) -> None:
    # explicit offsets are instants: the same one twice is a superseded row, as in any zone
    text = HEADER + (
        "2026-10-25T01:00:00+01:00,C1,3600,99,40,-118\n"
        "2026-10-25T01:00:00+01:00,C1,3600,90,50,-118\n"
    )
    report, _, loaded = load(conn, write(tmp_path, "o.csv", text), "staged", tz="Europe/London")
    assert loaded == 1 and "superseded by line 3" in report.errors[0].reason
    report, _, _ = load(conn, write(tmp_path, "s.csv", AUTUMN), "staged", tz="Asia/Shanghai")
    assert [e.line for e in report.errors] == [3]
