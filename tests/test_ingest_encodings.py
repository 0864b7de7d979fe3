"""CSV files in the legacy encodings operators' tools export (GB18030/GBK, Windows-1252), through
the real CLI: read as such, never rejected as "not UTF-8" nor loaded as mojibake."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import psycopg
import pytest

from kpi_ingest.encodings import UTF8, sniff_encoding
from netcomplaint.errors import FileFormatError
from tests import test_diag_factories as f
from tests.cli_helpers import invoke


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)  # Excel's line endings
    return text.getvalue().encode(encoding)


@pytest.mark.parametrize(
    ("text", "encoding", "found"),
    [
        ("id,描述\n1,家里信号不好只有一两格\n", "gbk", "gb18030"),
        ("id,描述\n1,信号差\n", "gb18030", "gb18030"),
        ("id,ort\n1,München Straße\n2,Köln Hbf\n", "cp1252", "cp1252"),
        ("id,描述\n1,信号差\n", "utf-8-sig", UTF8),
        ("id,desc\n1,plain ascii\n", "ascii", UTF8),
    ],
)
def test_sniffed_encoding(tmp_path: Path, text: str, encoding: str, found: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode(encoding))
    assert sniff_encoding(path) == found


def test_bytes_of_no_encoding_are_refused_naming_those_tried(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"id,desc\n1,\x81,\n")  # 0x81 then a comma: nothing in any of the three
    with pytest.raises(FileFormatError, match="not UTF-8 text \\(nor GB18030 or Windows-1252\\)"):
        sniff_encoding(path)


def test_gbk_complaints_export_is_read_and_diagnosed(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    # a CRM export in GBK with Chinese headers mapped by --columns and no symptom column value:
    # the symptom is read from the Chinese description, which is only possible if it was decoded
    t = f.town(conn)
    lat, lon = (f"{x:.6f}" for x in t.place)
    path = tmp_path / "投诉.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["工单号", "号码", "受理时间", "纬度", "经度", "现象", "投诉内容"],
                [
                    "G1",
                    "13900000001",
                    t.now.strftime("%Y-%m-%d %H:%M:%S"),
                    lat,
                    lon,
                    "",
                    "家里信号不好，只有一两格",
                ],
            ],
            "gbk",
        )
    )
    columns = (
        "工单号=external_id,号码=msisdn,受理时间=reported_at,纬度=lat,经度=lon,"
        "现象=symptom,投诉内容=description"
    )
    result = invoke("ingest", "complaints", str(path), "--columns", columns, "--tz", "UTC")
    assert result.exit_code == 0, result.output
    assert "1 rows loaded, 0 rows rejected" in result.stdout and "1 new" in result.stdout
    stored = conn.execute("SELECT symptom, description FROM complaints").fetchone()
    assert stored == ("weak_signal", "家里信号不好，只有一两格")


@pytest.mark.parametrize("extra", [[], ["厂家"]])
def test_gb18030_kpi_export_loads_by_copy(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path, extra: list[str]
) -> None:
    # without the extra column the file maps onto kpis exactly (the direct COPY); with it, the
    # staged COPY: both must be told the encoding, and a bad value's line is still named
    header = ["时间", "小区", "可用率", *extra]
    rows = [
        [*header],
        ["2024-05-01T10:00:00Z", "西安-雁塔-1", "99.5", *(["华为"] if extra else [])],
        ["2024-05-01T11:00:00Z", "西安-雁塔-1", "坏", *(["华为"] if extra else [])],
        ["2024-05-01T12:00:00Z", "西安-雁塔-2", "100", *(["华为"] if extra else [])],
    ]
    path = tmp_path / "kpi.csv"
    path.write_bytes(csv_bytes(rows, "gb18030"))
    result = invoke(
        "ingest", "kpis", str(path), "--columns", "时间=ts,小区=cell_id,可用率=availability_pct"
    )
    assert result.exit_code == 0, result.output
    assert "kpi.csv:3: availability_pct: not a number: '坏'" in result.stderr
    got = conn.execute("SELECT cell_id, availability_pct FROM kpis ORDER BY ts").fetchall()
    assert got == [("西安-雁塔-1", 99.5), ("西安-雁塔-2", 100.0)]


def test_windows_1252_cells_keep_their_accents(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    path = tmp_path / "cells.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["cell_id", "site_id", "lat", "lon", "technology", "azimuth_deg", "name"],
                ["C1", "Créteil-Préfecture", "48.79", "2.45", "LTE", "120", "Créteil"],
            ],
            "cp1252",
        )
    )
    result = invoke("ingest", "cells", str(path))
    assert result.exit_code == 0 and "1 rows loaded, 0 rows rejected" in result.stdout
    assert conn.execute("SELECT site_id FROM cells").fetchone() == ("Créteil-Préfecture",)
