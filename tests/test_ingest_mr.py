"""``netcomplaint ingest mr``: samples, coverage grid, foreign layouts, the Irish drive tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import h3
import pytest
from typer.testing import CliRunner, Result

from netcomplaint.cli import app
from storage.db import Conn

IRISH_COLUMNS = (
    "Timestamp=ts,Latitude=lat,Longitude=lon,RSRP=rsrp_dbm,RSRQ=rsrq_db,SNR=sinr_db,"
    "RAWCELLID=cell_id"
)
IRISH_ARGS = (
    "--columns",
    IRISH_COLUMNS,
    "--time-format",
    "%Y.%m.%d_%H.%M.%S",
    "--tz",
    "Europe/Dublin",
    "--source",
    "irish5g",
)
LAT, LON = 31.2304, 121.4737


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def grid(conn: Conn, cell: str = "") -> list[tuple[object, ...]]:
    conn.commit()
    return conn.execute(
        "SELECT grid_id, day, samples, rsrp_mean, rsrp_p10, rsrp_p50, rsrp_p90, weak_share, "
        "sinr_mean, poor_sinr_share FROM mr_grid WHERE cell_id = %s ORDER BY grid_id, day",
        (cell,),
    ).fetchall()


@pytest.mark.usefixtures("nc_env")
def test_samples_and_grid_statistics(tmp_path: Path, conn: Conn) -> None:
    path = tmp_path / "mr.csv"
    path.write_text(
        "ts,lat,lon,rsrp_dbm,sinr_db,cell_id,rsrq_db\n"
        f"2024-05-01T10:00:00Z,{LAT},{LON},-100,5,A,-10\n"
        f"2024-05-01T10:00:01Z,{LAT},{LON},-112,-5,A,\n"
        f"2024-05-01T10:00:02Z,{LAT},{LON},-120,,B,-\n"
        f"2024-05-01T23:59:59-01:00,{LAT},{LON},-90,10,,\n"
    )
    result = cli("ingest", "mr", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "4 rows loaded, 0 rows rejected" in result.stdout
    cell = h3.latlng_to_cell(LAT, LON, 11)
    rows = grid(conn)
    assert [r[:3] for r in rows] == [(cell, date(2024, 5, 1), 3), (cell, date(2024, 5, 2), 1)]
    _, _, _, mean, p10, p50, p90, weak, sinr, poor = rows[0]
    assert mean == pytest.approx(-110.6666667)
    assert (p10, p50, p90) == (pytest.approx(-118.4), -112.0, pytest.approx(-102.4))
    assert weak == pytest.approx(2 / 3) and sinr == 0.0 and poor == pytest.approx(0.5)
    assert [(r[2], r[3]) for r in grid(conn, "A")] == [(2, -106.0)]
    assert [(r[2], r[7]) for r in grid(conn, "B")] == [(1, 1.0)]
    stored = conn.execute(
        "SELECT count(*), count(rsrq_db), count(cell_id), min(grid_id) FROM mr_samples"
    ).fetchone()
    assert stored == (4, 1, 3, cell)


@pytest.mark.usefixtures("nc_env")
def test_second_file_merges_and_reingest_adds_nothing(tmp_path: Path, conn: Conn) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(f"ts,lat,lon,rsrp_dbm\n2024-05-01T10:00:00Z,{LAT},{LON},-100\n")
    second.write_text(f"ts,lat,lon,rsrp_dbm\n2024-05-01T11:00:00Z,{LAT},{LON},-120\n")
    assert cli("ingest", "mr", str(first)).exit_code == 0
    assert cli("ingest", "mr", str(second), str(first)).exit_code == 0
    rows = grid(conn)
    assert [(r[2], r[3], r[7]) for r in rows] == [(2, -110.0, 0.5)]
    assert conn.execute("SELECT count(*) FROM mr_samples").fetchone() == (2,)
    again = cli("ingest", "mr", str(tmp_path))
    assert "2 already loaded" in again.stdout and "0 rows loaded" in again.stdout


@pytest.mark.usefixtures("nc_env")
def test_foreign_layout_dashes_and_bad_rows(tmp_path: Path, conn: Conn) -> None:
    path = tmp_path / "drive.csv"
    path.write_text(
        "Timestamp,Longitude,Latitude,RSRP,RSRQ,SNR,RAWCELLID,Other\n"
        "2019.12.01_12.11.21,-8.49,51.89,-79,-12,10.0,124546051,x\n"  # 2: good
        "2019.12.01_12.11.22,-8.49,51.89,-,-12,10.0,124546051,x\n"  # 3: no RSRP
        "2019-12-01 12:11:23,-8.49,51.89,-80,-12,10.0,124546051,x\n"  # 4: wrong layout
        "2019.12.01_12.11.24,0,0,-80,-12,10.0,124546051,x\n"  # 5: no GPS fix
        "2019.12.01_12.11.25,-8.49,91,-80,-12,10.0,124546051,x\n"  # 6: latitude
        "2019.12.01_12.11.26,-8.49,51.89,-200,-,-,124546051,x\n"  # 7: RSRP sentinel
        "2019.12.01_12.11.27,-8.49,51.89,-81,abc,-,-,x\n"  # 8: RSRQ not a number
        ",,,,,,,\n"  # blank
        "2019.12.01_12.11.28,-8.49,51.89,-82,-,-,-,x\n"  # 10: good, optional missing
        "2019.03.31_01.30.00,-8.49,51.89,-83,-,-,-,x\n"  # 11: a time the clocks skip
    )
    result = cli("ingest", "mr", str(path), *IRISH_ARGS)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "3 rows loaded, 6 rows rejected" in result.stdout
    err = result.stderr
    assert "drive.csv:3: rsrp_dbm: required value is empty" in err
    assert "drive.csv:4: ts: does not match --time-format '%Y.%m.%d_%H.%M.%S'" in err
    assert "drive.csv:5: lat: no GPS fix (0, 0)" in err
    assert "drive.csv:6: lat: out of range [-90, 90]: '91'" in err
    assert "drive.csv:7: rsrp_dbm: out of range [-160, -20]: '-200'" in err
    assert "drive.csv:8: rsrq_db: not a number: 'abc'" in err
    assert "drive.csv:11" not in err  # read an hour on, as PostgreSQL and Python read it
    got = conn.execute("SELECT ts, cell_id, source, rsrq_db FROM mr_samples ORDER BY ts").fetchall()
    assert got == [
        (datetime(2019, 3, 31, 1, 30, tzinfo=UTC), None, "irish5g", None),
        (datetime(2019, 12, 1, 12, 11, 21, tzinfo=UTC), "124546051", "irish5g", -12.0),
        (datetime(2019, 12, 1, 12, 11, 28, tzinfo=UTC), None, "irish5g", None),
    ]
    strict = cli("ingest", "mr", str(path), "--strict", "--source", "x", *IRISH_ARGS[:4])
    assert strict.exit_code == 1 and "(--strict)" in strict.stderr


@pytest.mark.usefixtures("nc_env")
def test_iso_times_with_and_without_offsets_and_bad_files(tmp_path: Path, conn: Conn) -> None:
    path = tmp_path / "iso.csv"
    path.write_text(
        "ts;lat;lon;rsrp_dbm\n2024-05-01 10:00:00;1;2;-90\n2024-05-01T10:00:00+08:00;1;2;-91\n"
        "2024-05-01T10:00:00Z;1;2;-92\nyesterday;1;2;-93\n"
    )
    result = cli("ingest", "mr", "--tz", "Asia/Shanghai", str(path))
    assert result.exit_code == 0 and "iso.csv:5: ts: not an ISO 8601 timestamp" in result.stderr
    times = [r[0] for r in conn.execute("SELECT ts FROM mr_samples ORDER BY rsrp_dbm DESC")]
    assert times == [datetime(2024, 5, 1, 2, tzinfo=UTC)] * 2 + [
        datetime(2024, 5, 1, 10, tzinfo=UTC)
    ]
    missing = tmp_path / "m.csv"
    missing.write_text("ts,lat,lon\n2024-05-01T10:00:00Z,1,2\n")
    ragged = tmp_path / "r.csv"
    # 0x81 then a comma: no character in UTF-8, GB18030 or Windows-1252
    ragged.write_bytes(b"ts,lat,lon,rsrp_dbm\n2024-05-01T10:00:00Z,1,2,-90\n\x81,1,2,-90\n")
    result = cli("ingest", "mr", str(missing), str(ragged))
    assert result.exit_code == 1
    assert "missing required column(s) rsrp_dbm" in result.stderr
    assert "r.csv: not UTF-8 text (nor GB18030 or Windows-1252)" in result.stderr
    assert cli("ingest", "mr", "--time-format", "YYYY", str(path)).exit_code == 1


@pytest.mark.usefixtures("nc_env")
def test_regrid_after_threshold_change(
    tmp_path: Path, conn: Conn, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mr.csv"
    path.write_text(f"ts,lat,lon,rsrp_dbm\n2024-05-01T10:00:00Z,{LAT},{LON},-105\n")
    assert cli("ingest", "mr", str(path)).exit_code == 0
    assert grid(conn)[0][7] == 0.0
    monkeypatch.setenv("NETCOMPLAINT_WEAK_RSRP_DBM", "-100")
    result = cli("ingest", "regrid-mr")
    assert result.exit_code == 0 and "1 grid rows written" in result.stdout
    assert grid(conn)[0][7] == 1.0


@pytest.mark.slow
@pytest.mark.usefixtures("nc_env")
def test_all_irish_5g_samples(real_data: Path, conn: Conn) -> None:
    result = cli("ingest", "mr", str(real_data / "irish5g"), *IRISH_ARGS)
    assert result.exit_code == 0, result.stdout + result.stderr
    # 188,711 rows; 73 carry RSRP -200 (the app's "no value") and are rejected with the line
    assert "83 file(s), 188,638 rows loaded, 73 rows rejected, 0 file(s) failed" in result.stdout
    assert "rsrp_dbm: out of range [-160, -20]: '-200'" in result.stderr
    stats = conn.execute(
        "SELECT count(*), min(lat), max(lat), min(lon), max(lon), count(DISTINCT cell_id), "
        "min(ts), max(ts) FROM mr_samples WHERE source = 'irish5g'"
    ).fetchone()
    assert stats is not None and stats[0] == 188638
    assert 51.5 < stats[1] < stats[2] < 52.2 and -8.9 < stats[3] < stats[4] < -8.0  # Cork
    assert stats[6] >= datetime(2019, 11, 1, tzinfo=UTC)
    assert stats[7] < datetime(2020, 3, 1, tzinfo=UTC)
    totals = conn.execute(
        "SELECT sum(samples), count(*), min(rsrp_p10), max(weak_share) FROM mr_grid "
        "WHERE cell_id = ''"
    ).fetchone()
    assert totals is not None and totals[0] == 188638 and totals[1] > 1000
    per_cell = conn.execute("SELECT sum(samples) FROM mr_grid WHERE cell_id <> ''").fetchone()
    with_cell = conn.execute("SELECT count(cell_id) FROM mr_samples").fetchone()
    assert per_cell == with_cell


@pytest.mark.usefixtures("nc_env")
def test_local_times_across_the_clock_changes_are_all_kept(tmp_path: Path, conn: Conn) -> None:
    # samples in time order through the hour the clocks go back are the two hours; a time the
    # clocks skip is read an hour on: none is rejected for the change (they were, as NaT)
    path = tmp_path / "dst.csv"
    path.write_text(
        "ts,lat,lon,rsrp_dbm\n2026-10-25 01:10,1,2,-90\n2026-10-25 01:50,1,2,-91\n"
        "2026-10-25 01:10,1,2,-92\n2026-10-25 02:10,1,2,-93\n2026-03-29 01:30,1,2,-94\n"
    )
    result = cli("ingest", "mr", "--tz", "Europe/London", str(path))
    assert result.exit_code == 0 and "rejected" not in result.stderr, result.stderr
    times = [r[0] for r in conn.execute("SELECT ts FROM mr_samples ORDER BY rsrp_dbm DESC")]
    assert times == [
        datetime(2026, 10, 25, 0, 10, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 50, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 10, tzinfo=UTC),
        datetime(2026, 10, 25, 2, 10, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    ]
