"""Diagnosis on real data: the Irish 5G drive tests (Cork) are the only feed, through the CLI.

No cell inventory, KPIs or alarms: the coverage checks must work from the drive-test MR alone,
and everything else must say ``unknown`` rather than guess.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from netcomplaint.cli import app
from tests.test_ingest_mr import IRISH_ARGS

runner = CliRunner()
# 15 weak-looking drive passes through a street in Cork (2019-11-24..27), and a well covered one
WEAK = (51.91878, -8.43274)
GOOD = (51.93095, -8.39802)


def diagnose(tmp_path: Path, name: str, place: tuple[float, float]) -> dict[str, Any]:
    complaint = {
        "external_id": f"REAL-{name}",
        "msisdn": "353870000001",
        "reported_at": "2019-11-28T12:00:00+00:00",
        "lat": place[0],
        "lon": place[1],
        "description": "signal is very weak, only one bar",
    }
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(complaint), encoding="utf-8")
    result = runner.invoke(app, ["diagnose", str(path)])
    assert result.exit_code == 0, result.output
    diagnosis: dict[str, Any] = json.loads(result.stdout)["diagnosis"]
    return diagnosis


@pytest.mark.slow
@pytest.mark.usefixtures("nc_env")
def test_drive_tests_alone_diagnose_coverage(real_data: Path, tmp_path: Path) -> None:
    folder = real_data / "irish5g" / "Netflix" / "Driving" / "Season3-StrangerThings"
    loaded = runner.invoke(app, ["ingest", "mr", str(folder), *IRISH_ARGS])
    assert loaded.exit_code == 0, loaded.output

    weak = diagnose(tmp_path, "weak", WEAK)
    checks = {e["check"]: e for e in weak["evidence"]}
    assert weak["primary_cause"] == "weak_coverage" and weak["attribution"] == "network"
    assert checks["mr_weak_share"]["finding"] == "abnormal"
    assert checks["mr_weak_share"]["value"] > 0.3  # measured: 38 % below -110 dBm
    assert weak["serving_cells"] == []  # no inventory: said, not invented
    assert checks["site_distance"]["finding"] == "unknown"
    assert checks["outage_alarms"]["finding"] == "unknown"

    good = diagnose(tmp_path, "good", GOOD)
    checks = {e["check"]: e for e in good["evidence"]}
    assert good["primary_cause"] == "no_fault_found"
    assert checks["mr_weak_share"]["finding"] == "normal" and checks["mr_weak_share"]["value"] == 0
    assert good["confidence"] < 0.5  # most checks could not run
    assert "no fault" in good["reply_script"]["en"]  # MR did measure the place
