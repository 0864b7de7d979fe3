"""Reference-data ingest through the real CLI: formats, mapping, idempotency, bad input, privacy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from kpi_ingest.ves import classify
from tests.cli_helpers import invoke

UK_MAPPING = (
    "ECellID=cell_id,CellName=site_id,Longitude=lon,Latitude=lat,PCI=pci,EARFCN=earfcn,"
    "Azimuth=azimuth_deg"
)
CELLS_HEADER = "cell_id,site_id,lat,lon,technology,azimuth_deg,band,status\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def count(db_url: str, table: str, where: str = "true") -> int:
    with psycopg.connect(db_url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()
    assert row is not None
    return int(row[0])


def test_real_uk_cells_load_with_a_column_mapping(
    nc_env: dict[str, str], db_url: str, real_data: Path
) -> None:
    files = sorted(str(p) for p in (real_data / "uk_cells_nsg").glob("*.csv"))
    args = ["ingest", "cells", *files, "--columns", UK_MAPPING, "--set", "technology=LTE"]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "0 file(s) failed" in result.stdout
    # 3,237 rows; 4 ECellIDs appear under two operators, the later file's row wins.
    assert count(db_url, "cells") == 3233
    assert (
        count(db_url, "cells", "technology = 'LTE' AND azimuth_deg >= 0 AND azimuth_deg < 360")
        == 3233
    )
    again = invoke(*args)
    assert again.exit_code == 0 and "0 rows loaded" in again.stdout
    assert "4 already loaded" in again.stdout


def test_reingesting_a_changed_file_changes_only_what_changed(
    nc_env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    first = write(
        tmp_path / "a.csv",
        CELLS_HEADER + "C1,S1,31.2,121.4,LTE,120,B3,\nC2,S1,31.2,121.4,lte,240,,\n",
    )
    assert invoke("ingest", "cells", str(first)).exit_code == 0
    second = write(
        tmp_path / "b.csv",
        CELLS_HEADER + "C1,S1,31.2,121.4,LTE,120,B3,\nC2,S1,31.2,121.4,LTE,250,,\n",
    )
    result = invoke("ingest", "cells", str(second))
    assert "1 rows loaded" in result.stdout
    assert count(db_url, "cells") == 2
    assert count(db_url, "cells", "cell_id = 'C2' AND azimuth_deg = 250") == 1


def test_bad_rows_are_named_by_file_line_and_field(
    nc_env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "cells.csv",
        CELLS_HEADER
        + "C1,S1,31.2,121.4,LTE,120,,\n"
        + "C2,S1,95.0,121.4,LTE,120,,\n"  # latitude out of range, line 3
        + "C3,S1,abc,121.4,LTE,120,,\n"  # not a number, line 4
        + "C4,S1,31.2,121.4,6G,120,,\n",  # unknown technology, line 5
    )
    result = invoke("ingest", "cells", str(path))
    assert result.exit_code == 0
    assert f"{path}:3: lat: latitude out of range" in result.stderr
    assert f"{path}:4: lat: not a number: 'abc'" in result.stderr
    assert f"{path}:5: technology:" in result.stderr
    assert count(db_url, "cells") == 1
    strict = invoke("ingest", "cells", str(path), "--strict", "--tz", "UTC")
    assert strict.exit_code == 1


def test_a_failed_file_leaves_nothing_and_the_others_go_on(
    nc_env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    good = write(tmp_path / "good.csv", CELLS_HEADER + "C1,S1,31.2,121.4,LTE,120,,\n")
    no_tech = write(tmp_path / "no_tech.csv", "cell_id,site_id,lat,lon\nC9,S9,31,121\n")
    binary = tmp_path / "cells.xlsx"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    missing = tmp_path / "missing.csv"
    result = invoke("ingest", "cells", str(good), str(no_tech), str(binary), str(missing))
    assert result.exit_code == 1
    assert "missing required column(s) technology" in result.stderr
    assert "not a text CSV file" in result.stderr
    assert "no such file" in result.stderr
    assert count(db_url, "cells") == 1


def test_strict_file_rolls_back_every_row(
    nc_env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "c.csv", CELLS_HEADER + "C1,S1,31.2,121.4,LTE,,,\nC2,S1,x,121.4,LTE,,,\n"
    )
    assert invoke("ingest", "cells", "--strict", str(path)).exit_code == 1
    assert count(db_url, "cells") == 0


def test_alarms_from_csv_with_tz_and_from_ves_json(
    nc_env: dict[str, str], db_url: str, tmp_path: Path, real_data: Path
) -> None:
    path = write(
        tmp_path / "alarms.csv",
        "alarm_id,object_id,alarm_type,severity,raised_at,cleared_at,text\n"
        "A1,SITE1,site_down,critical,2026-03-01 08:00:00,2026-03-01 10:00:00,光缆被盗\n"
        "A2,C1,cell_unavailable,major,2026-03-01T09:00:00+00:00,,\n",
    )
    assert invoke("ingest", "alarms", str(path), "--tz", "Asia/Shanghai").exit_code == 0
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT raised_at AT TIME ZONE 'UTC', text FROM alarms WHERE alarm_id = 'A1'"
        ).fetchone()
    assert row is not None and row[0].hour == 0 and row[1] == "光缆被盗"  # 08:00 +08 = 00:00 UTC
    ves = real_data / "pm" / "onap-csit-ves-fault"
    result = invoke(
        "ingest",
        "alarms",
        str(ves / "ves_volte_fault_eventlist_batch.json"),
        str(ves / "ves_volte_single_fault_event.json"),
        str(ves / "fault_notification.json"),
    )
    assert result.exit_code == 0, result.output
    assert count(db_url, "alarms", "source = 'ves'") == 4  # 2 batched + 1 single + 1 PCI fault
    perf = real_data / "pm" / "onap-kpi-ms" / "ves_message_null.json"
    rejected = invoke("ingest", "alarms", str(perf))
    assert rejected.exit_code == 1 and "no fault events" in rejected.stderr


def test_alarm_severities_in_chinese_as_nms_exports_write_them(
    nc_env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "alarms.csv",
        "alarm_id,object_id,alarm_type,severity,raised_at,cleared_at,text\n"
        "A1,SITE1,power,紧急,2026-03-01T08:00:00+08:00,,市电停电\n"
        "A2,SITE1,transmission,严重,2026-03-01T08:01:00+08:00,,光缆中断\n"
        "A3,C1,hardware,重要,2026-03-01T08:02:00+08:00,,\n"
        "A4,C1,other,提示,2026-03-01T08:03:00+08:00,,\n"
        "A5,C1,other,很严重,2026-03-01T08:04:00+08:00,,\n",
    )
    result = invoke("ingest", "alarms", str(path))
    assert "'很严重' is not one of critical|major|minor|warning" in result.output
    with psycopg.connect(db_url) as conn:
        rows: dict[str, str] = dict(
            conn.execute("SELECT alarm_id, severity FROM alarms").fetchall()
        )
    assert rows == {"A1": "critical", "A2": "critical", "A3": "major", "A4": "warning"}


def test_subscribers_never_store_the_msisdn_in_clear(
    nc_env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "subs.csv",
        "msisdn,tac,sim_type,home_network,vip\n13800138000,35332509,4g,46000,true\n"
        "+86 139-0013-9000,35332509,5g,460-01,\n",
    )
    result = invoke("ingest", "subscribers", str(path))
    assert result.exit_code == 0, result.output
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT * FROM subscribers ORDER BY msisdn_masked").fetchall()
    flat = json.dumps([list(map(str, r)) for r in rows])
    assert "13800138000" not in flat and "13900139000" not in flat
    assert {r[1] for r in rows} == {"138****8000", "861****9000"}
    assert {r[4] for r in rows} == {"460-00", "460-01"}


def test_devices_registrations_and_areas(
    nc_env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    devices = write(
        tmp_path / "devices.csv",
        "tac,vendor,model,supports_lte,supports_nr,supports_volte,bands,known_issue\n"
        "35332509,Acme,Phone 1,true,false,false,B1 B3 B41,\n",
    )
    registrations = write(
        tmp_path / "reg.csv",
        "msisdn,observed_at,status,network,reject_cause,call_forwarding,roaming_enabled\n"
        "13800138000,2026-03-01T08:00:00+08:00,rejected,454-00,#13 roaming not allowed,"
        "false,true\n",
    )
    feature: dict[str, Any] = {
        "type": "Feature",
        "properties": {"kind": "planned_site", "name": "新建站 A", "planned_on_air": "2026-12-01"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[121.4, 31.2], [121.41, 31.2], [121.41, 31.21], [121.4, 31.2]]],
        },
    }
    bad = {"type": "Feature", "properties": {"kind": "lake"}, "geometry": feature["geometry"]}
    areas = write(
        tmp_path / "areas.geojson",
        json.dumps({"type": "FeatureCollection", "features": [feature, bad]}),
    )
    assert invoke("ingest", "devices", str(devices)).exit_code == 0
    assert invoke("ingest", "registrations", str(registrations)).exit_code == 0
    result = invoke("ingest", "areas", str(areas))
    assert result.exit_code == 0 and "property kind 'lake'" in result.stderr
    assert count(db_url, "devices", "bands = ARRAY['B1','B3','B41']") == 1
    assert count(db_url, "registrations", "status = 'rejected' AND network = '454-00'") == 1
    assert count(db_url, "areas", "kind = 'planned_site' AND min_lon = 121.4") == 1
    not_json = write(tmp_path / "x.geojson", "kind,name\n")
    assert invoke("ingest", "areas", str(not_json)).exit_code == 1


@pytest.mark.parametrize(
    ("texts", "kind"),
    [
        (
            ("BasebandUnitFaulty", "Baseband unit faulty, all cells disabled", "equipment"),
            "cell_unavailable",
        ),
        (
            ("SiteLockedPlannedWorks", "Site switched off for construction works", "operational"),
            "site_down",
        ),
        (("FanFailure", "Fan unit 2 speed low", "equipment"), "hardware"),
        (("BasebandUnitFaulty", "Baseband board reset", "equipment"), "hardware"),
        (
            ("MainsFailure", "Mains power failure, batteries exhausted - site down", "power"),
            "power",
        ),
    ],
)
def test_ves_alarm_kinds(texts: tuple[str, ...], kind: str) -> None:
    """What a VES fault's condition, problem and category say it is (vendors' own words)."""
    assert classify(*texts) == kind
