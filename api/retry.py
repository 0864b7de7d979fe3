"""Background retry of diagnoses that failed (or were interrupted) while the service runs.

A thread started by the app's lifespan wakes every ``NETCOMPLAINT_API_RETRY_INTERVAL_S``, picks
complaints whose diagnosis is not done, that are older than a minute (so a request still
diagnosing its own complaint is left alone) and have attempts left, and diagnoses each through
``diagnostics.service.diagnose_stored`` (which takes the complaint's row lock, so a complaint is
never diagnosed twice at once). A database outage only delays the next round.
"""

from __future__ import annotations

import logging
import threading
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
        while not self._stop.wait(self.interval_s):
            try:
                retry_round(self.pool)
            except Exception as exc:  # database down, a bug in one diagnosis: try next round
                _log.warning("diagnosis retry round failed: %s: %s", type(exc).__name__, exc)
