"""What diagnostics calls after storing a diagnosis (see docs/DEVELOPING.md, interfaces)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storage.db import Conn


def on_diagnosis(
    conn: Conn, complaint: Mapping[str, Any], diagnosis: Mapping[str, Any]
) -> str | None:
    """Open or attach to a work order for this diagnosis; return its id (None: no order)."""
    return None
