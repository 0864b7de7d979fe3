"""The embedded default: one data dir shared by several processes, which see the same data."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.cli_helpers import ROOT, run_cli

HOLDER = """
import sys, psycopg
from storage.server import embedded_url
url = embedded_url(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()                       # the other process ingests meanwhile
with psycopg.connect(url) as conn:
    print(conn.execute("SELECT count(*) FROM cells").fetchone()[0], flush=True)
"""


def embedded_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETCOMPLAINT_")}
    env["NETCOMPLAINT_DATA_DIR"] = str(data_dir)
    env["NETCOMPLAINT_PII_KEY"] = "test"
    return env


def test_two_processes_share_one_embedded_server(tmp_path: Path) -> None:
    data_dir = tmp_path / "nc"
    env = embedded_env(data_dir)
    cells = tmp_path / "cells.csv"
    cells.write_text(
        "cell_id,site_id,lat,lon,technology\nC1,S1,31.2,121.4,LTE\nC2,S1,31.2,121.4,NR\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    ) as holder:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "ready"
        assert run_cli("db", "init", env=env).returncode == 0
        ingest = run_cli("ingest", "cells", str(cells), env=env)
        assert ingest.returncode == 0, ingest.stderr
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "2"  # the holder sees the other's rows
        holder.stdin.close()
        holder.wait(timeout=60)
    # the last process out stopped the server; a new command starts it again with the data kept
    assert not (data_dir / "pg" / "postmaster.pid").exists()
    status = run_cli("db", "status", "--json", env=env)
    assert status.returncode == 0 and '"cells": 2' in status.stdout


def test_a_killed_process_does_not_keep_the_server_up_for_ever(tmp_path: Path) -> None:
    """A process killed outright never takes its pid off the wheel's handle list; the next one
    forgets it, so the last one out still stops the server (gen 25: a server ran on for good)."""
    data_dir = tmp_path / "nc"
    env = embedded_env(data_dir)
    assert run_cli("db", "init", env=env).returncode == 0
    pgdata = data_dir / "pg"
    assert not (pgdata / "postmaster.pid").exists()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (pgdata / ".handle_pids.json").write_text(f"[{gone.pid}]")  # killed while it held the server
    try:
        assert run_cli("db", "status", env=env).returncode == 0
        assert not (pgdata / "postmaster.pid").exists()  # stopped by the last one out
        assert (pgdata / ".handle_pids.json").read_text() == "[]"
    finally:  # without the fix the server is still up: stop it (immediate shutdown)
        pid_file = pgdata / "postmaster.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)


def test_a_terminated_single_process_server_stops_the_embedded_database(tmp_path: Path) -> None:
    """``serve --workers 1`` on the embedded default, then SIGTERM (systemd, docker stop): uvicorn
    re-raised the signal after its shutdown, which ended the process before the wheel's atexit
    stopped the database, left running for good (gen 28)."""
    data_dir = tmp_path / "nc"
    env = {**embedded_env(data_dir), "NETCOMPLAINT_API_KEYS": "k:admin"}
    assert run_cli("db", "init", env=env).returncode == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    command = [sys.executable, "-m", "netcomplaint", "serve", "--port", str(port), "--workers", "1"]
    pid_file = data_dir / "pg" / "postmaster.pid"
    server = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _ready(port):
            assert server.poll() is None and time.monotonic() < deadline, "server not ready"
            time.sleep(0.2)
        assert pid_file.exists()
        server.terminate()
        assert server.wait(timeout=30) == 128 + signal.SIGTERM
        assert not pid_file.exists()
    finally:
        if server.poll() is None:
            server.kill()
        if pid_file.exists():  # without the fix: stop it (immediate shutdown)
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
