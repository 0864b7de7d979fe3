"""Complaint-surge early warning: detect, link, grade, keep up to date, clear.

``refresh_warnings`` evaluates every step ``T`` (multiples of ``warn_step_min``) since the last
run, and finally ``as_of`` itself, so a warning appears as soon as complaints arrive and at most
one detection interval after a surge starts. At each step, per area (h3 cell at
``warn_area_h3_res``) and per serving cell:

1. the detection window ``[T - interval, T)``, and a ``warn_long_window_factor`` times longer
   one for slower surges, are tested against the seasonal baseline (``reports.surge``);
2. a surge without an active warning opens one, or joins the warning it belongs to
   (``reports.warning_update.join_target``);
3. every active warning is updated: complaints so far, VIP complaints, linked cells, KPI
   degradations and alarms on them since the surge began (``reports.evidence``), estimated
   affected users, and its level (``reports.levels``);
4. a warning clears when its detection window is no longer elevated (tail probability above
   ``warn_alpha_clear``) AND no linked degradation is still going on (an alarm open, or a KPI
   breach in the window).

The state lives in ``surge_warnings``; re-running with the same data and ``as_of`` changes
nothing (idempotent), and concurrent refreshes are serialised by an advisory lock (a refresh
that finds it taken returns at once and the caller reads the stored state).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from netcomplaint.errors import InputError
from reports import warning_store
from reports.settings import WarningSettings
from reports.surge import WEEK_S, KeyTest, WindowTest, evaluate_windows
from reports.warning_context import Context, load_context, ts
from reports.warning_store import SurgeWarning
from reports.warning_update import (
    attach_subscribers,
    combined,
    join_target,
    open_warning,
    resume,
    update_warning,
)
from storage.db import Conn

_LOCK_ID = 0x6E63_7767  # "ncwg"


def _most_significant(item: tuple[str, KeyTest]) -> tuple[float, str]:
    surge = item[1].surge
    return (surge.p_value if surge else 1.0, item[0])


def _trigger(scope: str, key: str, test: KeyTest, at: float, ctx: Context) -> WindowTest | None:
    """The window that opens a warning. A longer window opens one only while the detection
    window is still elevated (else the warning would clear at once), and not when it reaches
    back into a warning that cleared meanwhile (those complaints were that warning's)."""
    surge = test.surge
    if surge is None or surge.width_s <= test.base.width_s:
        return surge
    if test.base.observed == 0 or test.base.p_value > ctx.settings.warn_alpha_clear:
        return None  # the recent hour is back to normal: nothing to warn about any more
    if ctx.cleared.get((scope, key), float("-inf")) > at - surge.width_s:
        return test.base if test.base.significant else None
    return surge


def _remember_cleared(w: SurgeWarning, at: float, ctx: Context) -> None:
    """Its areas / cells and linked cells: complaints before ``at`` were this warning's."""
    ctx.cleared.update({(w.scope, key): at for key in w.area_keys})
    ctx.cleared.update({("cell", cell): at for cell in w.cells})


def _step(conn: Conn, at: float, active: list[SurgeWarning], ctx: Context) -> list[SurgeWarning]:
    """One evaluation of ``active`` (updated in place); returns the warnings touched."""
    touched: list[SurgeWarning] = []
    for scope in ("area", "cell"):
        watched = [k for w in active if w.scope == scope for k in w.area_keys]
        tests = evaluate_windows(
            ctx.index(scope), at, ctx.params, also=watched, factors=ctx.factors()
        )
        owned = set(watched)
        for key, test in sorted(tests.items(), key=_most_significant):
            surge = _trigger(scope, key, test, at, ctx)
            if surge is None or key in owned:
                continue
            target = join_target(scope, key, active, tests, at, ctx)
            if target is None:
                active.append(open_warning(scope, surge, at, ctx))
            elif target.scope == scope:
                target.area_keys.append(key)
            owned.add(key)
        for w in [w for w in active if w.scope == scope]:
            update_warning(conn, w, combined(w, tests, ctx), at, ctx)
            touched.append(w)
            if w.status == "cleared":
                _remember_cleared(w, at, ctx)
        active[:] = [w for w in active if w.status == "active"]
    return touched


@dataclass
class RefreshResult:
    as_of: datetime
    steps: int
    opened: list[str]
    cleared: list[str]
    active: int
    skipped: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "steps": self.steps,
            "opened": self.opened,
            "cleared": self.cleared,
            "active": self.active,
            "skipped": self.skipped,
        }


def _steps(
    last: datetime | None, as_of: datetime, since: datetime | None, s: WarningSettings
) -> list[float]:
    step = s.warn_step_min * 60.0
    end = as_of.timestamp()
    if since is not None:
        lo = since.timestamp()
    elif last is not None:
        lo = max(last.timestamp() + step, end - s.warn_max_catchup_h * 3600.0)
    else:
        lo = end - s.warn_interval_min * 60.0
    t = -(-lo // step) * step  # first multiple of the step at or after lo
    times: list[float] = []
    while t < end:
        times.append(t)
        t += step
    return [*times, end]


def refresh_warnings(
    conn: Conn,
    *,
    as_of: datetime | None = None,
    since: datetime | None = None,
    rebuild: bool = False,
    settings: WarningSettings | None = None,
) -> RefreshResult:
    """Evaluate every step since the last run up to ``as_of`` (default now) and store the result.

    ``since`` replays from that time (after the last evaluation, or with ``rebuild``, which
    drops the stored warnings first).
    """
    settings = settings or WarningSettings()
    as_of = (as_of or datetime.now(UTC)).astimezone(UTC)
    got = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (_LOCK_ID,)).fetchone()
    if not got or not got[0]:
        return RefreshResult(as_of, 0, [], [], 0, skipped=True)
    if rebuild:
        conn.execute("DELETE FROM surge_warnings")
        conn.execute("DELETE FROM surge_warning_runs")
    last = warning_store.last_step(conn)
    if since is not None and last is not None and since <= last:
        raise InputError("a replay from before the last evaluation needs rebuild (--rebuild)")
    if since is None and last is not None and as_of < last:
        return RefreshResult(as_of, 0, [], [], len(warning_store.load_active(conn)), skipped=True)
    times = _steps(last, as_of, since, settings)
    longest = max(1, settings.warn_long_window_factor) * settings.warn_interval_min * 60.0
    lookback = settings.warn_baseline_weeks * WEEK_S + 2 * longest
    ctx = load_context(conn, ts(times[0] - lookback), as_of, settings)
    active = warning_store.load_active(conn)
    for warning in active:
        resume(warning, ctx)
    for warning in warning_store.query(conn, active=False, cleared_from=ts(times[0] - longest)):
        if warning.cleared_at is not None:
            _remember_cleared(warning, warning.cleared_at.timestamp(), ctx)
    known = {w.warning_id for w in active}
    changed: dict[str, SurgeWarning] = {}
    for at in times:
        for warning in _step(conn, at, active, ctx):
            changed[warning.warning_id] = warning
    for warning in changed.values():
        if warning.status == "active" or warning.warning_id not in known:
            attach_subscribers(conn, warning, ctx)
    warning_store.save(conn, list(changed.values()))
    aligned = [t for t in times if t % (settings.warn_step_min * 60.0) == 0]
    if aligned and (last is None or ts(aligned[-1]) > last):
        warning_store.set_last_step(conn, ts(aligned[-1]))
    return RefreshResult(
        as_of=as_of,
        steps=len(times),
        opened=sorted(w for w in changed if w not in known),
        cleared=sorted(w.warning_id for w in changed.values() if w.status == "cleared"),
        active=len(active),
    )
