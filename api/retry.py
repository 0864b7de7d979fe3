"""Background work while the service runs: retry failed diagnoses, and keep the loop turning.

Every round also verifies resolved work orders whose verification period has passed and raises
overdue warnings (超时预警, each once); every ``WARNINGS_EVERY`` rounds it re-evaluates the
complaint-surge warnings, so they stay current even when nobody reads ``GET /v1/warnings``.

A thread started by the app's lifespan wakes every ``NETCOMPLAINT_API_RETRY_INTERVAL_S``, picks
complaints whose diagnosis is not done, that are older than a minute (so a request still
diagnosing its own complaint is left alone) and have attempts left, and diagnoses each through
``diagnostics.service.diagnose_stored`` (which takes the complaint's row lock, so a complaint is
never diagnosed twice at once). A database outage only delays the next round.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import ConnectionPool

from api.metrics import record_diagnosis
from diagnostics.service import diagnose_stored
from diagnostics.settings import get_diag_settings

_log = logging.getLogger("api.retry")
PENDING_SQL = """
SELECT complaint_id FROM complaints
WHERE diagnosis_status <> 'done' AND diagnosis_attempts < %s
  AND created_at < now() - make_interval(secs => %s)
ORDER BY created_at LIMIT %s
"""


def retry_round(pool: ConnectionPool[Any], *, min_age_s: float = 60.0, batch: int = 200) -> int:
    """Diagnose up to ``batch`` stale complaints; returns how many are now done."""
    settings = get_diag_settings()
    done = 0
    with pool.connection(timeout=5.0) as conn:
        rows = conn.execute(
            PENDING_SQL, (settings.diagnosis_max_attempts, min_age_s, batch)
        ).fetchall()
        conn.commit()
        for (complaint_id,) in rows:
            body = diagnose_stored(conn, str(complaint_id), settings=settings)
            diagnosis = body.get("diagnosis")
            cause = diagnosis.get("primary_cause") if isinstance(diagnosis, dict) else None
            record_diagnosis(cause)
            done += cause is not None
    if rows:
        _log.info("retried %d diagnoses: %d done", len(rows), done)
    return done


WARNINGS_EVERY = 10


def _verify(conn: Any, now: datetime) -> int:
    from workorders.settings import get_wo_settings
    from workorders.verification import verify_due

    return sum(verify_due(conn, now=now, settings=get_wo_settings()).values())


def _overdue(conn: Any, now: datetime) -> int:
    from workorders.overdue import raise_warnings

    return len(raise_warnings(conn, now=now))


def _surges(conn: Any, now: datetime) -> int:
    from reports.warnings import refresh_warnings

    refresh_warnings(conn, as_of=now)
    return 1


# one round at a time across the worker processes of ``serve --workers N`` (each runs this loop):
# a step another process is running is skipped, not done twice
ROUND_LOCK = 0x6E63_726E  # "ncrn"


def closed_loop_round(pool: ConnectionPool[Any], *, warnings: bool) -> dict[str, int]:
    """Verification, overdue warnings and (optionally) surge warnings; each in its own
    transaction so one failing does not stop the others, each skipped while another process
    runs one (``ROUND_LOCK``). Returns what was done."""
    now = datetime.now(UTC)
    steps: list[tuple[str, Callable[[Any, datetime], int]]] = [
        ("verified", _verify),
        ("overdue_warnings", _overdue),
    ]
    if warnings:
        steps.append(("surge_refresh", _surges))
    done: dict[str, int] = {}
    for name, step in steps:
        try:
            with pool.connection(timeout=5.0) as conn:
                row = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (ROUND_LOCK,)).fetchone()
                if row is not None and row[0]:
                    done[name] = step(conn, now)
        except Exception as exc:  # one step failing (e.g. database down) skips to the next
            _log.warning("%s failed: %s: %s", name, type(exc).__name__, exc)
    return done


class Retrier:
    """Runs ``retry_round`` every ``interval_s`` seconds until ``stop()``."""

    def __init__(self, pool: ConnectionPool[Any], interval_s: float) -> None:
        self.pool = pool
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nc-diagnosis-retry", daemon=True)

    def start(self) -> None:
        if self.interval_s > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        rounds = 0
        while not self._stop.wait(self.interval_s):
            try:
                retry_round(self.pool)
            except Exception as exc:  # database down, a bug in one diagnosis: try next round
                _log.warning("diagnosis retry round failed: %s: %s", type(exc).__name__, exc)
            closed_loop_round(self.pool, warnings=rounds % WARNINGS_EVERY == 0)
            rounds += 1
