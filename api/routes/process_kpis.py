"""Process KPIs of the closed loop (planner): ``GET /v1/process-kpis?from&to``."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter

from api.deps import Conn, PlannerRole
from api.params import TimeRangeQuery
from workorders.models import ProcessKpis
from workorders.process_kpis import process_kpis
from workorders.settings import get_wo_settings
from workorders.store import now_utc

router = APIRouter(tags=["process KPIs"])


@router.get(
    "/process-kpis",
    summary="Timeliness, resolution, repeat-complaint, first-contact rates, handling time",
    description="Orders opened and complaints reported in [from, to) (default: the last 30 "
    "days), overall, by department and by cause.",
)
def get_process_kpis(conn: Conn, _: PlannerRole, when: TimeRangeQuery) -> ProcessKpis:
    now = now_utc()
    start, end = when.resolve(default_span=timedelta(days=30), now=now)
    body = process_kpis(conn, start, end, as_of=now, settings=get_wo_settings())
    return ProcessKpis.model_validate(body)
