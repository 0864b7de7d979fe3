"""``GET /v1/warnings`` and ``GET /v1/warnings/{id}`` (planner): complaint-surge early warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Conn, PlannerRole
from api.errors import error_responses
from api.params import IsoDateTime
from netcomplaint.errors import InputError
from reports import warning_store
from reports.models import Level, WarningOut, warning_out
from reports.settings import WarningSettings
from reports.warnings import refresh_warnings

router = APIRouter(tags=["warnings"])

_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_SKEW = timedelta(minutes=5)


@router.get(
    "/warnings",
    summary="Complaint-surge early warnings, levels yellow/orange/red/black (黄橙红黑)",
    response_model=list[WarningOut],
)
def list_warnings(
    conn: Conn,
    _: PlannerRole,
    level: Annotated[list[Level] | None, Query(description="only these levels")] = None,
    min_level: Annotated[Level | None, Query(description="this level or higher")] = None,
    active: Annotated[bool | None, Query(description="true: active only; false: cleared")] = None,
    as_of: Annotated[
        IsoDateTime | None,
        Query(
            description="evaluate up to this time (default now); an earlier time than the "
            "latest evaluation lists the warnings in force then"
        ),
    ] = None,
    refresh: Annotated[bool, Query(description="evaluate new complaints first")] = True,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[WarningOut]:
    """Each warning: level and why, area (h3 hexagons or a cell), linked cells, start time,
    complaints so far, the seasonal baseline of the latest window, KPI degradations and alarms
    on the linked cells, and the masked subscribers likely affected (for proactive contact).
    Warnings are evaluated on request: new complaints update them, and they clear when both the
    surge and the linked degradation have ended."""
    now = datetime.now(UTC)
    if as_of is not None and not _EARLIEST <= as_of <= now + _SKEW:
        raise InputError("as_of: must be between 1990 and now", field="as_of")
    historic = False
    if refresh:
        result = refresh_warnings(conn, as_of=as_of or now, settings=WarningSettings())
        historic = result.skipped and as_of is not None
    elif as_of is not None:
        historic = True
    found = warning_store.query(
        conn,
        levels=list(level) if level else None,
        min_level=min_level,
        active=active,
        at=as_of if historic else None,
        limit=limit,
    )
    return [warning_out(w) for w in found]


@router.get(
    "/warnings/{warning_id}",
    summary="One early warning with its evidence and likely affected subscribers",
    response_model=WarningOut,
    responses=error_responses(404),
)
def get_warning(
    conn: Conn,
    _: PlannerRole,
    warning_id: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
) -> WarningOut:
    return warning_out(warning_store.get(conn, warning_id))
