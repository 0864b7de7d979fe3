"""SQL factories for the report and warning tests (no tests here: shared helpers).

Rows go straight into the real schema, as the product's loaders would leave them; complaints
in bulk go through COPY so a month of a city's complaints loads in well under a second.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from netcomplaint.privacy import hash_msisdn, mask_msisdn
from reports.warnings import refresh_warnings
from storage.db import Conn
from tests.conftest import _with_db

PII_KEY = b"test-pii-key"
NETWORK_CAUSES = ("weak_coverage", "interference", "congestion", "outage")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def msisdn(n: int) -> str:
    return f"138{n:08d}"


def add_cell(
    conn: Conn,
    cell_id: str,
    lat: float,
    lon: float,
    *,
    site_id: str | None = None,
    status: str = "active",
    technology: str = "LTE",
) -> None:
    conn.execute(
        """INSERT INTO cells (cell_id, site_id, lat, lon, technology, status)
           VALUES (%s, %s, %s, %s, %s, %s)""",
        (cell_id, site_id or cell_id.split("-")[0], lat, lon, technology, status),
    )


def add_subscriber(conn: Conn, number: str, *, vip: bool = False) -> str:
    digest = hash_msisdn(number, PII_KEY)
    conn.execute(
        """INSERT INTO subscribers (msisdn_hash, msisdn_masked, tac, sim_type, vip)
           VALUES (%s, %s, '35328311', '4g', %s) ON CONFLICT DO NOTHING""",
        (digest, mask_msisdn(number), vip),
    )
    return digest


@dataclass
class Complaint:
    external_id: str
    number: str
    reported_at: datetime
    lat: float | None = None
    lon: float | None = None
    cell_id: str | None = None
    symptom: str = "weak_signal"
    channel: str = "hotline"
    urgent: bool = False
    cause: str | None = "weak_coverage"  # None: not diagnosed yet
    serving_cells: Sequence[str] = ()
    description: str | None = None


def add_complaints(conn: Conn, complaints: Iterable[Complaint]) -> int:
    """Bulk insert complaints (and their diagnoses when a cause is given) with COPY."""
    items = list(complaints)
    with conn.cursor() as cur:
        with cur.copy(
            """COPY complaints (complaint_id, external_id, msisdn_hash, msisdn_masked, reported_at,
                   lat, lon, cell_id, symptom, channel, urgent, description, diagnosis_status)
               FROM STDIN"""
        ) as copy:
            for c in items:
                copy.write_row(
                    (
                        f"C-{c.external_id}",
                        c.external_id,
                        hash_msisdn(c.number, PII_KEY),
                        mask_msisdn(c.number),
                        c.reported_at,
                        c.lat,
                        c.lon,
                        c.cell_id,
                        c.symptom,
                        c.channel,
                        c.urgent,
                        c.description,
                        "done" if c.cause else "pending",
                    )
                )
        with cur.copy(
            """COPY diagnoses (complaint_id, primary_cause, attribution, confidence,
                   serving_cells, result, diagnosed_at) FROM STDIN"""
        ) as copy:
            for c in items:
                if c.cause is None:
                    continue
                attribution = "network" if c.cause in NETWORK_CAUSES else "user"
                if c.cause == "no_fault_found":
                    attribution = "unknown"
                cells = list(c.serving_cells) or ([c.cell_id] if c.cell_id else [])
                result = {"primary_cause": c.cause, "attribution": attribution, "confidence": 0.8}
                copy.write_row(
                    (
                        f"C-{c.external_id}",
                        c.cause,
                        attribution,
                        0.8,
                        cells,
                        json.dumps(result),
                        c.reported_at + timedelta(seconds=5),
                    )
                )
    return len(items)


def add_kpis(
    conn: Conn,
    cell_id: str,
    start: datetime,
    end: datetime,
    *,
    period_s: int = 900,
    overrides: Sequence[tuple[datetime, datetime, dict[str, float]]] = (),
    **values: float,
) -> None:
    """15-min KPI rows from ``start`` to ``end``; ``overrides`` change values in sub-ranges."""
    base = {
        "availability_pct": 100.0,
        "rrc_setup_sr_pct": 99.6,
        "call_drop_rate_pct": 0.4,
        "prb_util_dl_pct": 40.0,
        "rrc_users_avg": 120.0,
    }
    base.update(values)
    columns = sorted(base)
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY kpis (ts, cell_id, period_s, {', '.join(columns)}) FROM STDIN") as copy,
    ):
        ts = start
        while ts < end:
            row = dict(base)
            for lo, hi, changed in overrides:
                if lo <= ts < hi:
                    row.update(changed)
            copy.write_row((ts, cell_id, period_s, *(row[c] for c in columns)))
            ts += timedelta(seconds=period_s)


def add_alarm(
    conn: Conn,
    alarm_id: str,
    object_id: str,
    raised_at: datetime,
    cleared_at: datetime | None,
    *,
    alarm_type: str = "cell_unavailable",
    severity: str = "critical",
) -> None:
    conn.execute(
        """INSERT INTO alarms (alarm_id, object_id, alarm_type, severity, raised_at, cleared_at)
           VALUES (%s, %s, %s, %s, %s, %s)""",
        (alarm_id, object_id, alarm_type, severity, raised_at, cleared_at),
    )


def add_registration(conn: Conn, number: str, observed_at: datetime, status: str) -> None:
    conn.execute(
        "INSERT INTO registrations (msisdn_hash, observed_at, status) VALUES (%s, %s, %s)",
        (hash_msisdn(number, PII_KEY), observed_at, status),
    )


def add_work_order(
    conn: Conn,
    work_order_id: str,
    *,
    created_at: datetime,
    due_at: datetime,
    status: str = "new",
    cause: str = "weak_coverage",
    department: str = "optimisation",
    grade: str = "B",
    resolved_at: datetime | None = None,
    verified_at: datetime | None = None,
    cells: Sequence[str] = (),
) -> None:
    conn.execute(
        """INSERT INTO work_orders (work_order_id, status, cause, department, grade, priority,
               cells, created_at, updated_at, due_at, resolved_at, verified_at)
           VALUES (%s, %s, %s, %s, %s, 2, %s, %s, %s, %s, %s, %s)""",
        (
            work_order_id,
            status,
            cause,
            department,
            grade,
            list(cells),
            created_at,
            created_at,
            due_at,
            resolved_at,
            verified_at,
        ),
    )


def poisson_times(
    rng: random.Random, start: datetime, hourly_rates: Sequence[float]
) -> list[datetime]:
    """Event times of a Poisson process with a piecewise-constant hourly rate."""
    out: list[datetime] = []
    for hour, rate in enumerate(hourly_rates):
        t = 0.0
        while True:
            t += rng.expovariate(rate / 3600.0) if rate > 0 else 3600.0
            if t >= 3600.0:
                break
            out.append(start + timedelta(hours=hour, seconds=t))
    return out


def rows(conn: Conn, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    return list(conn.execute(sql, params).fetchall())


CITY_LAT, CITY_LON = 45.46, 9.16
SITE_STEP_LAT, SITE_STEP_LON = 0.0135, 0.019  # about 1.5 km
SYMPTOMS = ("weak_signal", "no_signal", "call_drop", "slow_data", "no_data", "poor_voice")
CHANNELS = ("hotline", "hotline", "hotline", "app", "web", "store", "social")
CAUSES = (
    "weak_coverage",
    "weak_coverage",
    "congestion",
    "interference",
    "terminal_sim",
    "no_fault_found",
    "outage",
)


def milan_week_profile(real_data: Any, power: float = 2.0) -> list[float]:
    """168 hourly factors (Monday 00:00 first, mean 1) from the Milan traffic subset: the real
    daily and weekly load pattern, raised to ``power`` (complaints grow faster than load)."""
    path = real_data / "milan_traffic_subset" / "matrixTS.csv"
    series = [
        [float(v) for v in line.split(",")]
        for line in path.read_text().splitlines()
        if line.count(",") == 1487
    ]
    totals = [sum(col) for col in zip(*series, strict=True)]
    offset = 72  # the data start on Friday 2013-11-01; Monday 2013-11-04 is hour 72
    weeks = (len(totals) - offset) // 168
    profile = [sum(totals[offset + w * 168 + h] for w in range(weeks)) / weeks for h in range(168)]
    raised = [p**power for p in profile]
    mean = sum(raised) / len(raised)
    return [r / mean for r in raised]


def site_id(i: int, j: int) -> str:
    return f"S{i}{j}" if i < 10 and j < 10 else f"S{i:02d}{j:02d}"


def seed_city(
    conn: Conn,
    rng: random.Random,
    start: datetime,
    end: datetime,
    profile: Sequence[float],
    *,
    grid: int = 6,
    per_site_per_day: float = 2.0,
    subscribers: int = 3000,
    vip_every: int = 40,
) -> list[Complaint]:
    """A grid of 3-sector sites and Poisson background complaints following ``profile``."""
    for i in range(grid):
        for j in range(grid):
            lat = CITY_LAT + i * SITE_STEP_LAT
            lon = CITY_LON + j * SITE_STEP_LON
            for sector in (1, 2, 3):
                add_cell(conn, f"{site_id(i, j)}-{sector}", lat, lon, site_id=site_id(i, j))
    for n in range(subscribers):
        add_subscriber(conn, msisdn(n), vip=n % vip_every == 0)
    hours = int((end - start).total_seconds() // 3600)
    out: list[Complaint] = []
    for i in range(grid):
        for j in range(grid):
            rates = [per_site_per_day / 24 * profile[h % 168] for h in range(hours)]
            for ts in poisson_times(rng, start, rates):
                sector = rng.randint(1, 3)
                cause = rng.choice(CAUSES)
                out.append(
                    Complaint(
                        external_id=f"bg-{len(out)}",
                        number=msisdn(rng.randrange(subscribers)),
                        reported_at=ts,
                        lat=CITY_LAT + i * SITE_STEP_LAT + rng.uniform(-0.004, 0.004),
                        lon=CITY_LON + j * SITE_STEP_LON + rng.uniform(-0.005, 0.005),
                        cell_id=f"{site_id(i, j)}-{sector}",
                        symptom=rng.choice(SYMPTOMS),
                        channel=rng.choice(CHANNELS),
                        urgent=rng.random() < 0.03,
                        cause=cause,
                    )
                )
    add_complaints(conn, out)
    return out


START = at("2024-04-01T00:00:00")  # the report period used by the report tests
END = at("2024-04-08T00:00:00")
SURGE = at("2024-04-03T17:10:00")


def seed_report_city(conn: Conn, real_data: Path) -> None:
    """Two weeks of a city's complaints, an outage surge with its alarm and KPIs, a planned
    site, work orders, and the warnings evaluated over the period."""
    rng = random.Random(3)
    profile = milan_week_profile(real_data)
    seed_city(conn, rng, START - timedelta(days=28), END, profile)
    surge_lat, surge_lon = 45.46 + 3 * 0.0135, 9.16 + 3 * 0.019
    add_complaints(
        conn,
        [
            Complaint(
                f"surge-{k}",
                msisdn(900_000 + k),
                SURGE + timedelta(minutes=3 * k),
                surge_lat + rng.uniform(-0.003, 0.003),
                surge_lon + rng.uniform(-0.003, 0.003),
                f"S33-{k % 3 + 1}",
                "no_signal",
                cause="outage",
                description="信号不好，周围用户也一样",
            )
            for k in range(60)
        ],
    )
    add_cell(conn, "P7-1", surge_lat + 0.004, surge_lon + 0.006, site_id="P7", status="planned")
    for sector in (1, 2, 3):
        add_kpis(
            conn,
            f"S33-{sector}",
            SURGE - timedelta(days=2),
            SURGE + timedelta(days=1),
            overrides=[(SURGE, SURGE + timedelta(hours=2), {"availability_pct": 0.0})],
        )
    add_alarm(conn, "ALM-7", "S33", SURGE, SURGE + timedelta(hours=2), alarm_type="site_down")
    base = START + timedelta(hours=8)
    for k in range(12):
        created = base + timedelta(hours=11 * k)
        add_work_order(
            conn,
            f"WO-{k}",
            created_at=created,
            due_at=created + timedelta(hours=24),
            status=("new", "resolved", "verified", "closed")[k % 4],
            department=("optimisation", "transmission", "core")[k % 3],
            resolved_at=created + timedelta(hours=10 if k % 2 else 30) if k % 4 in (1, 2) else None,
            verified_at=created + timedelta(hours=40) if k % 4 == 2 else None,
        )
    conn.commit()
    refresh_warnings(conn, since=START, as_of=END)
    conn.commit()


@pytest.fixture(scope="module")
def seeded_template(pg_admin_url: str, template_db: str, real_data: Path) -> Iterator[str]:
    """A database seeded once per module by ``seed_report_city``, used as a template."""
    name = f"nc_report_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template_db)
            )
        )
    with psycopg.connect(_with_db(pg_admin_url, name)) as conn:
        seed_report_city(conn, real_data)
    yield name
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def db_url(pg_admin_url: str, seeded_template: str) -> Iterator[str]:
    """Overrides conftest's: a fresh copy of the seeded database for each test."""
    name = f"nc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(seeded_template)
            )
        )
    yield _with_db(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
