"""What every CLI command shares: settings, the database with its schema ready, one-line errors."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import psycopg
import typer
from pydantic import ValidationError
from rich.console import Console

from netcomplaint.errors import NetcomplaintError
from netcomplaint.settings import CoreSettings, get_settings
from storage.db import Conn, connect, resolve_url
from storage.migrate import migrate

P = ParamSpec("P")
R = TypeVar("R")

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def cli_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn our errors into one clear line on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except NetcomplaintError as exc:
            err_console.print(f"[red]error:[/red] {exc.message}", markup=True, highlight=False)
            raise typer.Exit(1) from None
        except ValidationError as exc:  # settings from the environment
            first = exc.errors()[0]
            where = "NETCOMPLAINT_" + "_".join(str(p) for p in first["loc"]).upper()
            err_console.print(f"[red]error:[/red] {where}: {first['msg']}", markup=True)
            raise typer.Exit(1) from None
        except psycopg.Error as exc:  # e.g. a statement timeout: one line, not a traceback
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            err_console.print(
                f"[red]error:[/red] the database stopped the command: {reason}",
                markup=True,
                highlight=False,
            )
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper


@contextmanager
def database(settings: CoreSettings | None = None) -> Iterator[Conn]:
    """A connection to the configured (or embedded) database with the schema up to date."""
    settings = settings or get_settings()
    url = resolve_url(settings)
    admin = connect(settings, url, autocommit=True)
    try:
        migrate(admin)
    finally:
        admin.close()
    conn = connect(settings, url)
    try:
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


def is_terminal() -> bool:
    return sys.stderr.isatty()
