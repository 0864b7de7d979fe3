"""The schema's two backends: plain PostgreSQL here, real TimescaleDB through the check tool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg

from storage.timescale_files import timescale_files

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ROOT / "storage" / "sql" / "checks"
CHECK_TOOL = ROOT.parent / "shared" / "tools" / "timescaledb-sql" / "check"


def test_plain_rollups_give_the_expected_rows(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute((CHECKS / "rollups_same_results.sql").read_text().encode())


def test_timescale_ddl_runs_on_real_timescaledb() -> None:
    assert shutil.which("node"), "node is needed for the TimescaleDB check tool"
    files = [str(p) for p in timescale_files()]
    files += [str(CHECKS / "rollups_same_results.sql"), str(CHECKS / "timescale_info.sql")]
    result = subprocess.run([str(CHECK_TOOL), *files], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "'kpis'" in result.stdout and "'mr_samples'" in result.stdout
