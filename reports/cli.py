"""``netcomplaint report`` (the planners' report) and ``netcomplaint warnings refresh|list``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from netcomplaint.errors import InputError
from netcomplaint.runtime import cli_errors, database, err_console, is_terminal
from netcomplaint.settings import get_settings
from reports.settings import LEVELS, ReportSettings, WarningSettings

warnings_app = typer.Typer(
    help="Complaint-surge early warnings (黄橙红黑).", no_args_is_help=True, add_completion=False
)


def parse_time(text: str, option: str, default_tz: str) -> datetime:
    """ISO 8601 (date or date-time); without an offset, the configured default zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--{option}: not an ISO 8601 time: {text!r}", field=option) from None
    if moment.tzinfo is None:
        try:
            moment = moment.replace(tzinfo=ZoneInfo(default_tz))
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"unknown time zone {default_tz!r}", field="tz") from None
    return moment


@contextmanager
def _progress(message: str) -> Iterator[None]:
    with err_console.status(message) if is_terminal() else nullcontext():
        yield


def _write(path: Path, content: str | bytes) -> None:
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--out: cannot write {path}: {exc.strerror}", field="out") from None


def _report(start: str, end: str, out: Path, pdf: bool) -> None:
    from reports.data import build_report
    from reports.render import render_html

    core = get_settings()
    begin = parse_time(start, "from", core.default_tz)
    finish = parse_time(end, "to", core.default_tz)
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise InputError("--out: the file must end in .html or .pdf", field="out")
    if not out.parent.is_dir():
        raise InputError(f"--out: no such directory: {out.parent}", field="out")
    settings = ReportSettings()
    with database(core) as conn, _progress("gathering complaints, hotspots and KPIs…"):
        data = build_report(conn, begin, finish, settings=settings, tz=core.default_tz)
    with _progress("drawing the map and charts…"):
        html = render_html(data, settings)
    written: list[Path] = []
    if suffix != ".pdf":
        _write(out, html)
        written.append(out)
    if suffix == ".pdf" or pdf:
        from reports.pdf import html_to_pdf

        with _progress("writing the PDF…"):
            document = html_to_pdf(html)
        target = out if suffix == ".pdf" else out.with_suffix(".pdf")
        _write(target, document)
        written.append(target)
    zone = ZoneInfo(data.tz)
    err_console.print(
        f"report {data.start.astimezone(zone):%Y-%m-%d %H:%M} – "
        f"{data.end.astimezone(zone):%Y-%m-%d %H:%M} ({data.tz}): "
        f"{data.total('current', 'complaints')} complaints, "
        f"{len(data.hotspots.get('features') or [])} hotspots, {len(data.warnings)} warnings; "
        f"written to {', '.join(str(p) for p in written)}",
        highlight=False,
    )


@warnings_app.command("refresh")
@cli_errors
def refresh(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="evaluate up to this time (default now)")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="replay the detection from this time")
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="drop stored warnings first (with --since)")
    ] = False,
) -> None:
    """Evaluate new complaints: open, update and clear warnings (idempotent)."""
    from reports.warnings import refresh_warnings

    core = get_settings()
    when = parse_time(as_of, "as-of", core.default_tz) if as_of else None
    start = parse_time(since, "since", core.default_tz) if since else None
    if rebuild and start is None:
        raise InputError("--rebuild needs --since (where to replay from)", field="since")
    with database(core) as conn, _progress("evaluating complaint surges…"):
        result = refresh_warnings(
            conn, as_of=when, since=start, rebuild=rebuild, settings=WarningSettings()
        )
    err_console.print(
        f"warnings up to {result.as_of:%Y-%m-%d %H:%M}: {result.steps} evaluations, "
        f"{len(result.opened)} opened, {len(result.cleared)} cleared, {result.active} active"
        + (" (another refresh was running: skipped)" if result.skipped else ""),
        highlight=False,
    )


@warnings_app.command("list")
@cli_errors
def list_warnings(
    active: Annotated[
        bool | None, typer.Option("--active/--cleared", help="only active / only cleared")
    ] = None,
    level: Annotated[
        str | None, typer.Option("--min-level", help="yellow|orange|red|black and higher")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the API's JSON")] = False,
) -> None:
    """Stored warnings, most severe first (run ``refresh`` to evaluate new complaints)."""
    from reports import warning_store
    from reports.models import warning_out

    if level is not None and level not in LEVELS:
        raise InputError(f"--min-level must be one of {'|'.join(LEVELS)}", field="level")
    core = get_settings()
    try:
        zone = ZoneInfo(core.default_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {core.default_tz!r}", field="tz") from None
    with database(core) as conn:
        found = [warning_out(w) for w in warning_store.query(conn, active=active, min_level=level)]
    if as_json:
        body: list[dict[str, Any]] = [w.model_dump(mode="json") for w in found]
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    for w in found:
        typer.echo(
            f"{w.warning_id}  {w.level:<6}  {w.status:<7}  {w.area.kind} {w.area.id:<16} "
            f"from {w.started_at.astimezone(zone):%Y-%m-%d %H:%M %Z}  "
            f"{w.complaints:>4} complaints  "
            f"{w.affected_users:>6} users  cells {','.join(w.degraded_cells or w.cells[:3])}"
        )
    err_console.print(f"{len(found)} warnings", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""

    @app.command("report")
    @cli_errors
    def report(
        start: Annotated[
            str, typer.Option("--from", help="start of the period (ISO 8601, inclusive)")
        ],
        end: Annotated[str, typer.Option("--to", help="end of the period (ISO 8601, exclusive)")],
        out: Annotated[Path, typer.Option("--out", help="F.html, or F.pdf for the PDF")],
        pdf: Annotated[
            bool, typer.Option("--pdf", help="also write the PDF beside the HTML")
        ] = False,
    ) -> None:
        """The planners' hotspot report: one self-contained HTML file (and/or a PDF)."""
        _report(start, end, out, pdf)

    app.add_typer(warnings_app, name="warnings")
