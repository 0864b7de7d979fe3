"""Ingest commands of this kind, registered on the ``ingest`` group."""

from __future__ import annotations

import typer


def register(ingest_app: typer.Typer) -> None:
    """Add the commands to the ``ingest`` group."""
