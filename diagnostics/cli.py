"""``netcomplaint diagnose FILE.json``: store and diagnose one complaint, print its diagnosis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from diagnostics.models import ComplaintIn, parse_complaint
from diagnostics.service import diagnose_pending, submit_complaint
from netcomplaint.errors import InputError
from netcomplaint.runtime import cli_errors, database


def read_complaint_file(path: Path) -> ComplaintIn:
    """The complaint JSON in ``path``; InputError naming the file (and field) when it isn't one."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a complaint JSON file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    try:
        return parse_complaint(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc.message}", field=exc.field) from None


@cli_errors
def diagnose_command(
    file: Annotated[
        Path | None, typer.Argument(help="complaint JSON (as for POST /v1/complaints)")
    ] = None,
    pending: Annotated[
        bool, typer.Option("--pending", help="retry complaints whose diagnosis failed")
    ] = False,
) -> None:
    """Diagnose one complaint (JSON as for the API) and print the diagnosis JSON."""
    if file is None and not pending:
        raise InputError("give a complaint JSON file (or --pending to retry failed diagnoses)")
    complaint = read_complaint_file(file) if file is not None else None
    with database() as conn:
        if complaint is None:
            result = diagnose_pending(conn)
            typer.echo(f"retried: {result.summary()}")
            if result.failed:
                raise typer.Exit(1)
            return
        submitted = submit_complaint(conn, complaint)
    typer.echo(json.dumps(submitted.body, ensure_ascii=False, indent=2))
    if submitted.body.get("diagnosis") is None:
        raise InputError(
            f"complaint {submitted.complaint_id} is stored but its diagnosis failed; "
            "it will be retried (netcomplaint diagnose --pending)"
        )


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.command("diagnose")(diagnose_command)
