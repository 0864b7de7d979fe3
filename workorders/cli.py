"""``netcomplaint workorders …``: verification, overdue warnings, the working calendar."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from netcomplaint.errors import InputError
from netcomplaint.runtime import cli_errors, database
from workorders.overdue import raise_warnings
from workorders.settings import get_wo_settings
from workorders.store import now_utc
from workorders.verification import verify_due

workorders_app = typer.Typer(
    help="Work orders: verify fixes, raise overdue warnings, keep the working calendar.",
    no_args_is_help=True,
)
calendar_app = typer.Typer(help="Holidays and days worked in lieu (调休).", no_args_is_help=True)
workorders_app.add_typer(calendar_app, name="calendar")

NOW_HELP = "evaluate as of this time (ISO 8601; default now)"


def register(app: typer.Typer) -> None:
    """Add ``workorders`` to the top-level command."""
    app.add_typer(workorders_app, name="workorders")


def _now(text: str | None) -> datetime:
    if not text:
        return now_utc()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--now: not an ISO 8601 time: {text!r}", field="now") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@workorders_app.command("verify")
@cli_errors
def verify_command(now: str | None = typer.Option(None, "--now", help=NOW_HELP)) -> None:
    """Verify resolved orders whose verification period has passed (KPIs and MR after the fix)."""
    with database() as conn:
        counts = verify_due(conn, now=_now(now), settings=get_wo_settings())
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none due"
    typer.echo(f"verification: {summary}")


@workorders_app.command("overdue")
@cli_errors
def overdue_command(
    now: str | None = typer.Option(None, "--now", help=NOW_HELP),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per warning"),
) -> None:
    """Raise 超时预警 once for each open order past its time limit or progress report."""
    with database() as conn:
        warned = raise_warnings(conn, now=_now(now))
    for item in warned:
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "work_order_id": item.work_order_id,
                        "warning": item.kind,
                        "department": item.department,
                        "grade": item.grade,
                        "due_at": item.due_at.isoformat(),
                    }
                )
            )
        else:
            typer.echo(
                f"{item.work_order_id}  {item.kind:<16} {item.department:<18} "
                f"grade {item.grade}  due {item.due_at:%Y-%m-%d %H:%M}Z"
            )
    overdue = sum(1 for w in warned if w.kind == "overdue")
    typer.echo(f"warned {overdue} overdue, {len(warned) - overdue} progress overdue", err=True)


@calendar_app.command("add")
@cli_errors
def calendar_add(
    days: Annotated[list[str], typer.Argument(help="dates (YYYY-MM-DD)")],
    working: bool = typer.Option(False, "--working", help="a day worked in lieu (调休)"),
    note: str | None = typer.Option(None, "--note", help="e.g. 国庆节"),
) -> None:
    """Mark dates as holidays (default) or as working days."""
    parsed: list[date] = []
    for text in days:
        try:
            parsed.append(date.fromisoformat(text))
        except ValueError:
            raise InputError(f"not a date (YYYY-MM-DD): {text!r}") from None
    with database() as conn:
        for day in parsed:
            conn.execute(
                "INSERT INTO work_calendar (day, working, note) VALUES (%s, %s, %s)"
                " ON CONFLICT (day) DO UPDATE SET working = excluded.working, note = excluded.note",
                (day, working, note),
            )
    kind = "working days" if working else "holidays"
    typer.echo(f"calendar: {len(parsed)} {kind} set")


@calendar_app.command("list")
@cli_errors
def calendar_list() -> None:
    """The dates in the working calendar table (settings add NETCOMPLAINT_WO_HOLIDAYS)."""
    with database() as conn:
        rows = conn.execute("SELECT day, working, note FROM work_calendar ORDER BY day").fetchall()
    for day, working, note in rows:
        typer.echo(f"{day}  {'working' if working else 'holiday'}  {note or ''}".rstrip())
    typer.echo(f"{len(rows)} dates", err=True)
