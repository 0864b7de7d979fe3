"""``netcomplaint ingest kpis`` on 3GPP PM XML, end to end through the CLI and the database."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from netcomplaint.cli import app
from storage.db import Conn
from tests.test_ingest_pm_parser import REAL_PM

NS32 = "http://www.3gpp.org/ftp/specs/archive/32_series/32.435#measCollec"
NS28 = "http://www.3gpp.org/ftp/specs/archive/28_series/28.532#measData"


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def pm_xml(
    cells: dict[str, dict[str, str]],
    *,
    end: str = "2024-05-01T10:15:00+02:00",
    element: str = "SubNetwork=1,ManagedElement=ENB1",
    layout: str = "r",
    root: str = "measCollecFile",
    suspect: Sequence[str] = (),
    period: str = "PT900S",
) -> str:
    """One measInfo with the union of the cells' counters; ``cells`` maps LDN → {name: value}."""
    names = sorted({n for counters in cells.values() for n in counters})
    if layout == "r":
        types = "".join(f'<measType p="{i}">{n}</measType>' for i, n in enumerate(names, 1))
    else:
        types = f"<measTypes>{' '.join(names)}</measTypes>"
    values = []
    for ldn, counters in cells.items():
        if layout == "r":
            body = "".join(
                f'<r p="{i}">{counters[n]}</r>' for i, n in enumerate(names, 1) if n in counters
            )
        else:
            body = f"<measResults>{' '.join(counters.get(n, 'NIL') for n in names)}</measResults>"
        flag = "<suspect>true</suspect>" if ldn in suspect else ""
        values.append(f'<measValue measObjLdn="{ldn}">{body}{flag}</measValue>')
    ns = NS32 if root == "measCollecFile" else NS28
    entity = "managedElement" if root == "measCollecFile" else "measEntity"
    return (
        f'<?xml version="1.0"?><{root} xmlns="{ns}"><fileHeader fileFormatVersion="x" '
        f'vendorName="T"><fileSender localDn="OSS"/></fileHeader><measData>'
        f'<{entity} localDn="{element}"/><measInfo measInfoId="A"><job jobId="1"/>'
        f'<granPeriod duration="{period}" endTime="{end}"/><repPeriod duration="{period}"/>'
        f"{types}{''.join(values)}</measInfo></measData></{root}>"
    )


CELL1 = "ManagedElement=ENB1,ENodeBFunction=1,EUtranCellFDD=C1"
CELL2 = "ManagedElement=ENB1,ENodeBFunction=1,EUtranCellFDD=C2"
COUNTERS = {
    "RRC.ConnEstabAtt.mo-Data": "80",
    "RRC.ConnEstabAtt.mo-Signalling": "20",
    "RRC.ConnEstabSucc.mo-Data": "79",
    "RRC.ConnEstabSucc.mo-Signalling": "19",
    "RRU.PrbUsedDl": "30",
    "RRU.PrbAvailDl": "100",
    "RRU.PrbUsedUl": "5",
    "RRU.PrbAvailUl": "0",
    "DRB.UEThpDl": "25000",
    "RRC.ConnMean": "12.5",
    "CARR.WBCQIDist": "0,0,0,0,0,0,0,0,0,0,1,1",
}


def kpi_row(conn: Conn, cell: str) -> dict[str, Any]:
    cur = conn.execute("SELECT * FROM kpis WHERE cell_id = %s", (cell,))
    names = [d.name for d in cur.description or ()]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.usefixtures("nc_env")
def test_real_pm_folder_loads_or_rejects_each_file(real_data: Path, conn: Conn) -> None:
    result = cli("ingest", "kpis", str(real_data / "pm"))
    assert result.exit_code == 1  # pm-bulk-a3.xml is damaged
    out = result.stdout + result.stderr
    assert "pm-bulk-a3.xml:16: measTypes lists 5 counters but measResults has 4" in out
    assert f"ingest kpis: {len(REAL_PM)} file(s)" in out and "1 file(s) failed" in out
    assert "pm.xml:21: ...: not a number" in out
    assert "not cells" in out  # SGSN / node objects are kept raw, not mixed into KPIs
    stored = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE cell_id IS NULL), "
        "count(*) FILTER (WHERE suspect) FROM pm_counters"
    ).fetchone()
    assert stored is not None and stored[0] > 0 and stored[1] > 0 and stored[2] > 0
    cells = {r[0] for r in conn.execute("SELECT DISTINCT cell_id FROM pm_counters")}
    assert {"Gbg-997", "10896", "objLdn"} <= cells
    assert conn.execute("SELECT count(*) FROM ingested_files").fetchone() == (len(REAL_PM) - 1,)
    again = cli("ingest", "kpis", str(real_data / "pm"))
    assert f"{len(REAL_PM) - 1} already loaded" in again.stdout


@pytest.mark.usefixtures("nc_env")
@pytest.mark.parametrize(("layout", "root"), [("r", "measCollecFile"), ("list", "measDataFile")])
def test_28552_counters_become_kpis(tmp_path: Path, conn: Conn, layout: str, root: str) -> None:
    path = tmp_path / "A20240501.0800+0200-0815+0200_ENB1.xml.gz"
    path.write_bytes(
        gzip.compress(
            pm_xml(
                {CELL1: COUNTERS, CELL2: {"RRC.ConnEstabAtt": "0"}}, layout=layout, root=root
            ).encode()
        )
    )
    result = cli("ingest", "kpis", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    row = kpi_row(conn, "C1")
    assert row["ts"] == datetime(2024, 5, 1, 8, 0, tzinfo=UTC) and row["period_s"] == 900
    assert row["rrc_setup_sr_pct"] == pytest.approx(98.0)  # sub-counters summed
    assert row["prb_util_dl_pct"] == pytest.approx(30.0)
    assert row["prb_util_ul_pct"] is None  # PrbAvailUl = 0: NULL, not an error or a zero
    assert row["dl_user_thr_mbps"] == pytest.approx(25.0)
    assert row["rrc_users_avg"] == pytest.approx(12.5)
    assert row["avg_cqi"] == pytest.approx(10.5)
    assert row["availability_pct"] is None and row["ho_sr_pct"] is None
    # C2 has only a zero attempt counter: no KPI at all, so no row
    assert conn.execute("SELECT count(*) FROM kpis WHERE cell_id = 'C2'").fetchone() == (0,)
    raw = conn.execute(
        "SELECT s.counters, c.vals, c.arrays FROM pm_counters c JOIN "
        "pm_counter_sets s USING (set_id) WHERE c.cell_id = 'C1'"
    ).fetchone()
    assert raw is not None and "RRC.ConnEstabAtt.mo-Data" in raw[0]
    assert raw[2] == {"CARR.WBCQIDist": [0.0] * 10 + [1.0, 1.0]}


@pytest.mark.usefixtures("nc_env")
def test_recompute_after_a_formula_change(
    tmp_path: Path, conn: Conn, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.xml"
    path.write_text(pm_xml({CELL1: COUNTERS}))
    assert cli("ingest", "kpis", str(path)).exit_code == 0
    assert kpi_row(conn, "C1")["prb_util_dl_pct"] == pytest.approx(30.0)
    formulas = tmp_path / "formulas.toml"
    formulas.write_text(
        "[options]\ninclude_builtin = true\n[kpis]\n"
        'prb_util_dl_pct = "50 * RRU.PrbUsedDl / RRU.PrbAvailDl"\n'
        'rrc_setup_sr_pct = "100 * RRC.ConnEstabSucc / RRC.ConnEstabAtt / 0"\n'
    )
    monkeypatch.setenv("NETCOMPLAINT_KPI_FORMULAS", str(formulas))
    result = cli("ingest", "recompute-kpis", "--from", "2024-05-01T00:00:00Z")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "1 KPI rows changed" in result.stdout
    conn.commit()
    row = kpi_row(conn, "C1")
    assert row["prb_util_dl_pct"] == pytest.approx(15.0)
    assert row["rrc_setup_sr_pct"] == pytest.approx(98.0)  # own candidate NULL → built-in one
    assert cli("ingest", "recompute-kpis", "--from", "2024-06-01").stdout.startswith(
        "recompute-kpis: 0 KPI rows changed"
    )
    bad = tmp_path / "bad.toml"
    bad.write_text('[kpis]\nprb_util_dl_pct = "RRU.PrbUsedDl /"\n')
    monkeypatch.setenv("NETCOMPLAINT_KPI_FORMULAS", str(bad))
    result = cli("ingest", "recompute-kpis")
    assert result.exit_code == 1 and "prb_util_dl_pct" in result.stderr


@pytest.mark.usefixtures("nc_env")
def test_counters_split_over_files_and_idempotent_reingest(tmp_path: Path, conn: Conn) -> None:
    att = {k: v for k, v in COUNTERS.items() if "Att" in k}
    succ = {k: v for k, v in COUNTERS.items() if "Succ" in k}
    (tmp_path / "att.xml").write_text(pm_xml({CELL1: att}))
    (tmp_path / "succ.xml").write_text(pm_xml({CELL1: succ}))
    assert cli("ingest", "kpis", str(tmp_path / "att.xml")).exit_code == 0
    assert conn.execute("SELECT count(*) FROM kpis").fetchone() == (0,)
    conn.commit()
    assert cli("ingest", "kpis", str(tmp_path / "succ.xml")).exit_code == 0
    assert kpi_row(conn, "C1")["rrc_setup_sr_pct"] == pytest.approx(98.0)
    conn.commit()
    before = conn.execute("SELECT count(*) FROM pm_counters").fetchone()
    result = cli("ingest", "kpis", str(tmp_path))
    assert "2 already loaded" in result.stdout and "0 rows loaded" in result.stdout
    renamed = tmp_path / "copy.xml"
    renamed.write_text((tmp_path / "succ.xml").read_text() + "\n")
    assert cli("ingest", "kpis", str(renamed)).exit_code == 0  # new bytes, same counters
    conn.commit()
    assert conn.execute("SELECT count(*) FROM pm_counters").fetchone() == before
    assert conn.execute("SELECT count(*) FROM kpis").fetchone() == (1,)


@pytest.mark.usefixtures("nc_env")
def test_suspect_non_cells_and_cell_id_template(
    tmp_path: Path, conn: Conn, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = "ManagedElement=ENB1,Equipment=1,RiPort=A"
    path = tmp_path / "s.xml"
    path.write_text(
        pm_xml({CELL1: COUNTERS, CELL2: COUNTERS, port: {"IfInOctets": "5"}}, suspect=[CELL2])
    )
    result = cli("ingest", "kpis", str(path))
    assert result.exit_code == 0 and "1 measured object(s) are not cells" in result.stderr
    assert {r[0] for r in conn.execute("SELECT cell_id FROM kpis")} == {"C1"}  # C2 suspect
    assert conn.execute("SELECT count(*) FROM pm_counters WHERE ldn = %s", (port,)).fetchone() == (
        1,
    )
    conn.commit()
    monkeypatch.setenv("NETCOMPLAINT_PM_NON_CELL", "skip")
    monkeypatch.setenv("NETCOMPLAINT_PM_SUSPECT", "use")
    monkeypatch.setenv("NETCOMPLAINT_PM_CELL_ID_TEMPLATE", "{ManagedElement}-{cell}")
    result = cli("ingest", "kpis", str(path))  # settings are part of the file's identity
    assert result.exit_code == 0, result.stdout + result.stderr
    conn.commit()
    assert {r[0] for r in conn.execute("SELECT cell_id FROM kpis")} == {"C1", "ENB1-C1", "ENB1-C2"}


@pytest.mark.usefixtures("nc_env")
def test_values_problems_and_strict(tmp_path: Path, conn: Conn) -> None:
    path = tmp_path / "v.xml"
    path.write_text(pm_xml({CELL1: {**COUNTERS, "RRU.PrbUsedDl": "lots"}}))
    result = cli("ingest", "kpis", "--strict", str(path))
    assert result.exit_code == 1 and "RRU.PrbUsedDl: not a number: 'lots'" in result.stderr
    assert conn.execute("SELECT count(*) FROM pm_counters").fetchone() == (0,)
    result = cli("ingest", "kpis", str(path))
    assert result.exit_code == 0 and "1 rows rejected" in result.stdout
    conn.commit()
    assert kpi_row(conn, "C1")["prb_util_dl_pct"] is None


@pytest.mark.usefixtures("nc_env")
def test_out_of_range_kpi_is_null_and_noted(tmp_path: Path, conn: Conn) -> None:
    path = tmp_path / "o.xml"
    path.write_text(pm_xml({CELL1: {"RRC.ConnEstabAtt": "10", "RRC.ConnEstabSucc": "11"}}))
    result = cli("ingest", "kpis", str(path))
    assert result.exit_code == 0 and "out of range stored as NULL" in result.stderr
    assert "rrc_setup_sr_pct = 110" in result.stderr
    assert conn.execute("SELECT count(*) FROM kpis").fetchone() == (0,)


@pytest.mark.usefixtures("nc_env")
def test_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    corrupt = tmp_path / "c.xml.gz"
    corrupt.write_bytes(gzip.compress(pm_xml({CELL1: COUNTERS}).encode())[:80])
    truncated = tmp_path / "t.xml"
    truncated.write_text(pm_xml({CELL1: COUNTERS})[:300])
    result = cli("ingest", "kpis", str(corrupt), str(truncated), str(tmp_path / "missing.xml"))
    assert result.exit_code == 1
    assert "c.xml.gz: corrupt or truncated gzip" in result.stderr
    assert "t.xml:1: not well-formed XML" in result.stderr
    assert "missing.xml: no such file" in result.stderr
    assert "3 file(s) failed" in result.stdout
    assert cli("ingest", "kpis", "--tz", "Mars/Base", str(truncated)).exit_code == 1


@pytest.mark.usefixtures("nc_env")
def test_distributions_per_bin_and_kpis_no_formula_fills(
    tmp_path: Path, conn: Conn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """28.552 reports a distribution one counter per bin (CARR.WBCQIDist.BinX, or BinX.BinY.BinZ
    with rank and table): the CQI is their mean bin. A counter no formula knows (here a
    vendor's uplink interference) is named in the summary with the way to map it."""
    per_bin = {
        "RRU.PrbUsedDl": "30",
        "RRU.PrbAvailDl": "100",
        "CARR.WBCQIDist.Bin9": "1",
        "CARR.WBCQIDist.Bin11": "1",
        "VND.UlInterfPrbMean": "-101.5",
    }
    rank_table = {
        "CARR.WBCQIDist.Bin4.Bin1.Bin1": "2",
        "CARR.WBCQIDist.Bin4.Bin2.Bin1": "1",
        "CARR.WBCQIDist.Bin7.Bin1.Bin1": "3",
        "RRU.PrbUsedDl": "10",
        "RRU.PrbAvailDl": "100",
    }
    path = tmp_path / "bins.xml"
    path.write_text(pm_xml({CELL1: per_bin, CELL2: rank_table}))
    result = cli("ingest", "kpis", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert kpi_row(conn, "C1")["avg_cqi"] == pytest.approx(10.0)
    assert kpi_row(conn, "C2")["avg_cqi"] == pytest.approx((4 * 3 + 7 * 3) / 6)
    out = " ".join((result.stdout + result.stderr).split())
    assert "no formula gave a value for" in out and "ul_interference_dbm" in out
    assert "VND.UlInterfPrbMean" in out and "recompute-kpis" in out
    assert "avg_cqi" not in out.split("no formula gave a value for")[1].split(";")[0]

    formulas = tmp_path / "vendor.toml"
    formulas.write_text(
        '[options]\ninclude_builtin = true\n[kpis]\nul_interference_dbm = "VND.UlInterfPrbMean"\n'
    )
    monkeypatch.setenv("NETCOMPLAINT_KPI_FORMULAS", str(formulas))
    assert cli("ingest", "recompute-kpis").exit_code == 0
    conn.commit()
    assert kpi_row(conn, "C1")["ul_interference_dbm"] == pytest.approx(-101.5)


@pytest.mark.usefixtures("nc_env")
def test_an_oss_uplink_noise_counter_in_the_rru_family_is_read(tmp_path: Path, conn: Conn) -> None:
    """28.552 has no uplink noise counter; some OSS export one in its RRU family beside the PRB
    counters: it is read as the uplink noise per PRB, as Huawei's is."""
    path = tmp_path / "oss.xml"
    oss = {"RRU.PrbUsedDl": "10", "RRU.PrbAvailDl": "100", "RRU.UlInterfPrbMean": "-104.0"}
    path.write_text(pm_xml({CELL1: oss}))
    result = cli("ingest", "kpis", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert kpi_row(conn, "C1")["ul_interference_dbm"] == pytest.approx(-104.0)
    assert "ul_interference_dbm" not in " ".join(result.stdout.split())


@pytest.mark.usefixtures("nc_env")
def test_an_ericsson_statsfile_fills_every_kpi_it_has_counters_for(
    tmp_path: Path, conn: Conn
) -> None:
    """Ericsson names, as ENM writes them: the PRB load is the sum of its channel counters, the
    uplink noise and the CQI are distributions in one <r>. Nothing they carry is left unread."""
    ericsson = {
        "pmCellDowntimeAuto": "0",
        "pmCellDowntimeMan": "0",
        "pmRrcConnEstabAtt": "1049",
        "pmRrcConnEstabAttReatt": "49",
        "pmRrcConnEstabSucc": "990",
        "pmErabEstabAttInit": "1015",
        "pmErabEstabSuccInit": "1012",
        "pmErabRelAbnormalEnbAct": "3",
        "pmErabRelAbnormalMmeAct": "1",
        "pmErabRelAbnormalEnb": "4",
        "pmErabRelNormalEnb": "676",
        "pmErabRelMme": "320",
        "pmHoExeAttLteIntraF": "200",
        "pmHoExeSuccLteIntraF": "196",
        "pmPrbAvailDl": "90000000",
        "pmPrbUsedDlDtch": "69000000",
        "pmPrbUsedDlBcch": "900000",
        "pmPrbUsedDlPcch": "270000",
        "pmPrbUsedDlSrbFirstTrans": "330000",
        "pmPdcpVolDlDrb": "1100000",
        "pmPdcpVolDlDrbLastTTI": "100000",
        "pmUeThpTimeDl": "40000",
        "pmRrcConnLevSum": "7817",
        "pmRrcConnLevSamp": "180",
        "pmRadioRecInterferencePwr": "0,0,0,0,30,0,0,0,0,0,0,0,0,0,0,0",
        "pmRadioUeRepCqiDistr": "0,0,0,0,0,0,0,0,0,1,1,0,0,0,0,0",
    }
    path = tmp_path / "A20250327.0000+0100-0015+0100_VALENCIA_ERBS_statsfile.xml"
    path.write_text(pm_xml({"MeContext=VLC1,ENodeBFunction=1,EUtranCellFDD=VLC1_B3_1": ericsson}))
    result = cli("ingest", "kpis", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    out = " ".join((result.stdout + result.stderr).split())
    # the file has no uplink PRB counters
    assert "no formula gave a value for prb_util_ul_pct." in out
    assert "counters no formula reads" not in out
    row = kpi_row(conn, "VLC1_B3_1")
    assert row["prb_util_dl_pct"] == pytest.approx(78.333, abs=1e-3)
    assert row["rrc_setup_sr_pct"] == pytest.approx(99.0)
    assert row["call_drop_rate_pct"] == pytest.approx(0.4)
    assert row["ho_sr_pct"] == pytest.approx(98.0)
    assert row["dl_user_thr_mbps"] == pytest.approx(25.0)
    assert row["ul_interference_dbm"] == pytest.approx(-117.5)
    assert row["avg_cqi"] == pytest.approx(9.5)
    assert row["availability_pct"] == pytest.approx(100.0)


@pytest.mark.usefixtures("nc_env")
def test_a_huawei_file_with_cqi_reported_per_value(tmp_path: Path, conn: Conn) -> None:
    """Huawei reports the wideband CQI as one counter per value (L.ChMeas.CQI.DL.0 … .15) and the
    handovers per eNodeB and frequency relation: both are read through the built-in formulas."""
    huawei = {
        "L.ChMeas.PRB.DL.Used.Avg": "75",
        "L.ChMeas.PRB.DL.Avail": "100",
        "L.UL.Interference.Avg": "-103.5",
        "L.ChMeas.CQI.DL.7": "1",
        "L.ChMeas.CQI.DL.10": "2",
        "L.HHO.IntraeNB.IntraFreq.ExecAttOut": "60",
        "L.HHO.IntraeNB.IntraFreq.ExecSuccOut": "59",
        "L.HHO.IntereNB.IntraFreq.ExecAttOut": "40",
        "L.HHO.IntereNB.IntraFreq.ExecSuccOut": "37",
        "L.Thrp.bits.DL": "2000000",
        "L.Thrp.bits.DL.LastTTI": "200000",
        "L.Thrp.Time.DL": "100",
        "L.Thrp.Time.DL.RmvLastTTI": "60",
    }
    path = tmp_path / "huawei.xml"
    path.write_text(pm_xml({"ManagedElement=CD0101,EUtranCellTDD=CD0101_1": huawei}))
    result = cli("ingest", "kpis", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    row = kpi_row(conn, "CD0101_1")
    assert row["avg_cqi"] == pytest.approx(9.0)
    assert row["ho_sr_pct"] == pytest.approx(96.0)
    assert row["prb_util_dl_pct"] == pytest.approx(75.0)
    assert row["ul_interference_dbm"] == pytest.approx(-103.5)
    assert row["dl_user_thr_mbps"] == pytest.approx(30.0)  # not 20: the last TTIs left out


@pytest.mark.usefixtures("nc_env")
def test_a_suspect_period_still_gives_its_downtime(
    tmp_path: Path, conn: Conn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cell that went down in the period is flagged suspect: its traffic counts may be partial,
    but its downtime is what such a period measures. By default the period gives availability
    only (0 % here, the whole 15 minutes down), so the outage shows; "skip" gives nothing."""
    down = {**COUNTERS, "RRU.CellUnavailableTime": "900"}
    path = tmp_path / "down.xml"
    path.write_text(pm_xml({CELL1: COUNTERS, CELL2: down}, suspect=[CELL2]))
    result = cli("ingest", "kpis", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    row = conn.execute(
        "SELECT availability_pct, prb_util_dl_pct, rrc_setup_sr_pct FROM kpis WHERE cell_id = 'C2'"
    ).fetchone()
    assert row == (0.0, None, None)
    conn.execute("TRUNCATE kpis, pm_counters, ingested_files")
    conn.commit()
    monkeypatch.setenv("NETCOMPLAINT_PM_SUSPECT", "skip")
    assert cli("ingest", "kpis", str(path)).exit_code == 0
    assert conn.execute("SELECT count(*) FROM kpis WHERE cell_id = 'C2'").fetchone() == (0,)
