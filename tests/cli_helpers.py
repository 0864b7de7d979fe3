"""Running the real ``netcomplaint`` command in tests (in process, or as a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from netcomplaint.cli import app
from netcomplaint.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str) -> Result:
    """The CLI in this process (settings re-read from the environment set by ``nc_env``)."""
    get_settings.cache_clear()
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The CLI as a separate process, exactly as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "netcomplaint", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
