"""Load test of ``POST /v1/complaints``: N concurrent clients for D seconds, then exactly-once.

Client and server on this machine. By default it starts ``netcomplaint serve`` itself on a free
port against the database of ``NETCOMPLAINT_DATA_DIR`` / ``NETCOMPLAINT_DATABASE_URL`` (load a
scenario there first, e.g. ``bench/bench_api_setup.sh``); ``--url`` uses a running server.
Without ``--complaints`` (``make bench``) it uses ``bench/out/api``, loading it first with
``bench/bench_api_setup.sh`` (a 10 k-cell, 2-day scenario; minutes) unless that was done before.

Payloads are the scenario's complaints (``--complaints complaints.csv``) under fresh external_ids,
each (``--workload distinct``, the default) under a scenario subscriber who has no complaint yet,
or (``--workload repeat``) under the complaint's own subscriber, which makes every post a repeat
complaint of one already stored (the work-order rules' worst case). ``--repeat-share`` of the
posts resend an external_id already acknowledged (must answer 200 with the same complaint).
Afterwards every acknowledged complaint must be in the database exactly once. Baseline, measured
in the same run: the same clients on ``GET /healthz`` (the HTTP stack alone).

Clients post back to back by default (closed loop: with 50 clients, mean latency = 50 /
throughput, so p99 ≤ 100 ms needs ≥ 500 complaints/s); ``--rate R`` paces them to R complaints/s
offered in total, each latency counted from the post's scheduled time. ``--server-workers N``
starts ``serve --workers N``. CPU seconds of client, server and database per complaint are
printed (from /proc), which says where the machine's cores went.

Targets (issue 6): ≥ 200 complaints/s, p99 ≤ 100 ms, zero errors, exactly once.

The machine's load average is printed before and after (other work on it skews the figures).
``--batch-timings S`` has the server it starts log its diagnosis batches every S seconds
(``NETCOMPLAINT_API_BATCH_TIMING_LOG_S``: sizes, time in lock/evidence/store/commit per batch)
and prints those lines afterwards. A database holding complaints never diagnosed (pending) keeps
the service's retry loop busy during the run: ``NETCOMPLAINT_API_RETRY_INTERVAL_S=0`` turns it off.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import itertools
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg

from api.settings import ApiSettings
from netcomplaint.settings import CoreSettings
from storage.db import resolve_url

ROOT = Path(__file__).resolve().parents[1]
BENCH_KEY = os.environ.get("NETCOMPLAINT_BENCH_KEY", "bench-agent-" + uuid.uuid4().hex[:8])


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    acknowledged: dict[str, str] = field(default_factory=dict)  # external_id → complaint_id
    repeats_ok: int = 0
    repeats_bad: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Subscribers:
    """MSISDNs to post under (``--workload distinct``): the scenario's subscribers without a
    complaint of their own, in a shuffled cycle, so a post is a new subscriber's complaint, not
    the scenario subscriber complaining again (a repeat complaint, 重复投诉, every time)."""

    def __init__(self, complaints: Path, payloads: list[dict[str, Any]]) -> None:
        path = complaints.with_name("subscribers.csv")
        if not path.exists():
            raise SystemExit(f"--workload distinct needs {path} (or use --workload repeat)")
        taken = {p.get("msisdn") for p in payloads}
        with path.open(encoding="utf-8", newline="") as handle:
            free = [r["msisdn"] for r in csv.DictReader(handle) if r["msisdn"] not in taken]
        if not free:
            raise SystemExit(f"every subscriber in {path} has a complaint already")
        random.Random(7).shuffle(free)
        self._cycle = itertools.cycle(free)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            return next(self._cycle)


def load_payloads(path: Path, limit: int = 5000) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            {k: v for k, v in row.items() if v not in ("", None)}
            for _, row in zip(range(limit), csv.DictReader(handle), strict=False)
        ]
    if not rows:
        raise SystemExit(f"no complaints in {path}")
    return rows


class Client:
    """One keep-alive HTTP/1.1 connection (http.client: light enough not to be the bottleneck)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.headers = {"Authorization": f"Bearer {BENCH_KEY}"}

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            raise


def post_loop(
    url: str,
    payloads: list[dict[str, Any]],
    run: Run,
    deadline: float,
    prefix: str,
    repeat_share: float,
    interval: float,
    subscribers: Subscribers | None,
    seed: int,
) -> None:
    """Post until the deadline: back to back, or one every ``interval`` s (paced) where each
    latency counts from the post's scheduled time, so a slow server can't hide its queue
    (no coordinated omission)."""
    client = Client(url)
    rng = random.Random(seed)
    scheduled = time.perf_counter() + rng.random() * interval  # clients out of phase
    while (now := time.perf_counter()) < deadline:
        if interval > 0:
            if scheduled > now:
                time.sleep(scheduled - now)
            started, scheduled = scheduled, scheduled + interval
            if started >= deadline:
                break
        else:
            started = now
        with run.lock:
            known = list(run.acknowledged) if rng.random() < repeat_share else []
        repeat = bool(known)
        external_id = rng.choice(known) if repeat else f"{prefix}-{uuid.uuid4().hex[:16]}"
        body = {**rng.choice(payloads), "external_id": external_id}
        if subscribers is not None and not repeat:
            body["msisdn"] = subscribers.next()
        try:
            status, raw = client.request("POST", "/v1/complaints", body)
        except (OSError, http.client.HTTPException) as exc:
            with run.lock:
                run.errors[type(exc).__name__] = run.errors.get(type(exc).__name__, 0) + 1
            continue
        elapsed = time.perf_counter() - started
        with run.lock:
            run.latencies.append(elapsed)
            run.statuses[status] = run.statuses.get(status, 0) + 1
            if status not in (200, 201):
                run.errors[f"HTTP {status}"] = run.errors.get(f"HTTP {status}", 0) + 1
                continue
            complaint_id = json.loads(raw)["complaint_id"]
            if repeat:
                good = status == 200 and run.acknowledged[external_id] == complaint_id
                run.repeats_ok += good
                run.repeats_bad += not good
            else:
                run.acknowledged[external_id] = complaint_id


def get_loop(url: str, path: str, deadline: float, out: list[float]) -> None:
    client = Client(url)
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        status, _ = client.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path}: {status}")
        out.append(time.perf_counter() - started)


def in_threads(count: int, target: Any, *args: Any) -> None:
    threads = [threading.Thread(target=target, args=(*args, i)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def baseline(url: str, concurrency: int, seconds: float) -> float:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    in_threads(concurrency, lambda d, i: get_loop(url, "/healthz", d, latencies), deadline)
    return len(latencies) / seconds


def load(
    args: argparse.Namespace, url: str, payloads: list[dict[str, Any]], meter: CpuMeter
) -> Run:
    warm = time.perf_counter() + args.warmup
    subscribers = Subscribers(args.complaints, payloads) if args.workload == "distinct" else None
    in_threads(10, post_loop, url, payloads, Run(), warm, "warm", 0.0, 0.0, subscribers)
    meter.begin()
    run = Run()
    deadline = time.perf_counter() + args.duration
    interval = args.concurrency / args.rate if args.rate else 0.0
    in_threads(
        args.concurrency,
        post_loop,
        url,
        payloads,
        run,
        deadline,
        args.prefix,
        args.repeat_share,
        interval,
        subscribers,
    )
    return run


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def exactly_once(db_url: str, run: Run, prefix: str) -> tuple[bool, str]:
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT external_id, complaint_id, diagnosis_status FROM complaints"
            " WHERE external_id LIKE %s",
            (prefix + "-%",),
        ).fetchall()
    stored: dict[str, list[str]] = {}
    statuses: dict[str, int] = {}
    for external_id, complaint_id, status in rows:
        stored.setdefault(external_id, []).append(complaint_id)
        statuses[status] = statuses.get(status, 0) + 1
    missing = [e for e in run.acknowledged if e not in stored]
    doubled = [e for e, ids in stored.items() if len(ids) > 1]
    wrong = [e for e, c in run.acknowledged.items() if e in stored and stored[e] != [c]]
    ok = not missing and not doubled and not wrong
    return ok, (
        f"acknowledged {len(run.acknowledged)}, stored {len(rows)} ({statuses}); "
        f"missing {len(missing)}, duplicated {len(doubled)}, other id {len(wrong)}"
    )


def default_scenario() -> Path:
    """``bench/out/api``, loaded by ``bench_api_setup.sh`` once; this run uses its database."""
    directory = ROOT / "bench" / "out" / "api"
    if not (directory / ".loaded").exists():
        print(f"loading the benchmark scenario into {directory} (once; takes minutes)")
        subprocess.run(
            ["bash", str(ROOT / "bench" / "bench_api_setup.sh"), str(directory)], check=True
        )
    os.environ["NETCOMPLAINT_DATA_DIR"] = str(directory / "data")
    os.environ.setdefault("NETCOMPLAINT_PII_KEY", "bench-pii-key")  # the setup script's default
    os.environ.pop("NETCOMPLAINT_DATABASE_URL", None)
    return directory / "scn" / "complaints.csv"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    port: int, log_path: Path, batch_timings: float, workers: int
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["NETCOMPLAINT_API_KEYS"] = f"{BENCH_KEY}:agent"
    if batch_timings > 0:
        env["NETCOMPLAINT_API_BATCH_TIMING_LOG_S"] = str(batch_timings)
    env.setdefault("NETCOMPLAINT_LOG_LEVEL", "WARNING")
    command = [sys.executable, "-m", "netcomplaint", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(command, env=env, stderr=log_path.open("wb"), cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited ({server.returncode}); see {log_path}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"server not ready after 120 s; see {log_path}")


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int, children: bool = False) -> float:
    """CPU seconds of a live process (and of its reaped children), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / _TICK


def tree_cpu(pid: int, *, reaped: bool = False) -> float:
    """CPU seconds of a process and its live children (and, ``reaped``, its exited ones)."""
    total = _proc_cpu(pid, children=reaped)
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                total += _proc_cpu(int(proc.name))
    return total


def database_cpu(data_dir: str | None) -> float:
    """CPU seconds of the embedded PostgreSQL of ``data_dir``: postmaster + backends."""
    if not data_dir:
        return 0.0
    marker = str(Path(data_dir).resolve() / "pg").encode()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                args = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if args and args[0].endswith(b"/postgres") and marker in b" ".join(args):
                return tree_cpu(int(proc.name), reaped=True)
    return 0.0


@dataclass
class CpuMeter:
    """CPU seconds used by the load client, the server and the database during the load."""

    server_pid: int | None
    data_dir: str | None = field(default_factory=lambda: os.environ.get("NETCOMPLAINT_DATA_DIR"))
    start: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def now(self) -> tuple[float, float, float]:
        usage = os.times()
        server = tree_cpu(self.server_pid) if self.server_pid else 0.0
        return usage.user + usage.system, server, database_cpu(self.data_dir)

    def begin(self) -> None:
        self.start = self.now()

    def report(self, done: int) -> str:
        used = [after - before for after, before in zip(self.now(), self.start, strict=True)]
        per = [
            f"{name} {s:.1f} s ({s / max(done, 1) * 1000:.2f} ms)"
            for name, s in zip(("client", "server", "database"), used, strict=True)
        ]
        return "; ".join(per)


def _loadavg(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def print_batch_timings(log_path: Path) -> None:
    """The server's diagnosis-batch lines (logger api.batcher), one per interval."""
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") == "api.batcher" and "batches" in str(entry.get("msg")):
            print(f"  {entry.get('ts', '')[11:19]} {entry['msg']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--complaints", type=Path, help="scenario complaints.csv (default: bench/out/api's)"
    )
    parser.add_argument("--url", help="a running server (its keys must include --key)")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument("--repeat-share", type=float, default=0.05)
    parser.add_argument("--prefix", default=f"BENCH{int(time.time())}")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="paced: complaints/s offered by all clients together (0: each posts back to back)",
    )
    parser.add_argument(
        "--workload",
        choices=("distinct", "repeat"),
        default="distinct",
        help="distinct: each post under a scenario subscriber without a complaint yet (cycling);"
        " repeat: under the scenario complaint's own subscriber (every post a repeat complaint)",
    )
    parser.add_argument(
        "--server-workers",
        type=int,
        default=None,
        help="serve --workers (server processes; default: serve's, one per CPU core)",
    )
    parser.add_argument(
        "--batch-timings", type=float, default=0.0, help="server logs its batches every S s"
    )
    args = parser.parse_args()
    if args.complaints is None:
        args.complaints = default_scenario()

    payloads = load_payloads(args.complaints)
    server = None
    url = args.url
    log_path = ROOT / "bench" / "out" / "serve.log"
    load_before = os.getloadavg()
    if url is None:
        port = free_port()
        args.server_workers = ApiSettings().server_processes(args.server_workers)
        server = start_server(port, log_path, args.batch_timings, args.server_workers)
        url = f"http://127.0.0.1:{port}"
    try:
        base_rps = baseline(url, args.concurrency, args.baseline_seconds)
        meter = CpuMeter(server.pid if server is not None else None)
        started = time.perf_counter()
        run = load(args, url, payloads, meter)
        elapsed = time.perf_counter() - started - args.warmup
        done = sum(run.statuses.get(s, 0) for s in (200, 201))
        cpu = meter.report(done)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    rate = done / args.duration
    p50, p99 = pct(run.latencies, 0.50), pct(run.latencies, 0.99)
    errors = sum(run.errors.values()) + run.repeats_bad
    once, detail = exactly_once(resolve_url(CoreSettings()), run, args.prefix)
    mode = f"paced at {args.rate:.0f}/s offered" if args.rate else "each posting back to back"
    mode += f", {args.workload} subscribers"
    print(
        f"load: {args.concurrency} clients {mode} × {args.duration:.0f} s (wall {elapsed:.1f} s),"
        f" server processes: {args.server_workers if server is not None else 'as running'}"
    )
    print(f"  complaints/s     {rate:8.1f}   (target ≥ 200)")
    print(f"  latency p50      {p50:8.1f} ms  p95 {pct(run.latencies, 0.95):.1f} ms")
    print(f"  latency p99      {p99:8.1f} ms  (target ≤ 100)  max {pct(run.latencies, 1):.1f} ms")
    print(f"  statuses         {dict(sorted(run.statuses.items()))}")
    print(f"  errors           {errors} {run.errors or ''} (repeats ok {run.repeats_ok})")
    print(f"  exactly once     {'yes' if once else 'NO'}: {detail}")
    print(f"  CPU (per complaint) {cpu}")
    print(f"baseline GET /healthz: {base_rps:.0f} req/s; ratio {rate / base_rps:.3f}")
    print("load average     " + " → ".join(_loadavg(v) for v in (load_before, os.getloadavg())))
    if server is not None and args.batch_timings > 0:
        print_batch_timings(log_path)
    passed = rate >= 200 and p99 <= 100 and errors == 0 and once
    print("RESULT", "PASS" if passed else "FAIL")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
