"""Work orders (engineer): list, read, and move them through their lifecycle."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Conn, EngineerRole
from api.errors import error_responses
from api.params import Page, PageQuery
from workorders import service, views
from workorders.models import Department, Grade, Status, WorkOrder, WorkOrderDetail, WorkOrderPatch
from workorders.settings import get_wo_settings
from workorders.store import now_utc

router = APIRouter(tags=["work orders"])

OrderId = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$", description="id")
]


@router.get("/work-orders", summary="Work orders (paginated, newest first)")
def list_work_orders(
    conn: Conn,
    _: EngineerRole,
    page: PageQuery,
    status: Annotated[list[Status] | None, Query(description="only these statuses")] = None,
    department: Annotated[
        list[Department] | None, Query(description="only these departments")
    ] = None,
    cause: Annotated[str | None, Query(max_length=50, description="only this cause")] = None,
    grade: Annotated[Grade | None, Query(description="only this grade")] = None,
    urgent: Annotated[bool | None, Query(description="only urgent (or not urgent)")] = None,
    overdue: Annotated[
        bool | None, Query(description="only open orders past their time limit (超时预警)")
    ] = None,
    mass_event_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[WorkOrder]:
    filters = views.OrderFilters(
        status=list(status) if status else None,
        department=list(department) if department else None,
        cause=cause,
        grade=grade,
        urgent=urgent,
        overdue=overdue,
        mass_event_id=mass_event_id,
    )
    rows = views.list_orders(conn, filters, now=now_utc(), fetch=page.fetch, after=page.after(2))
    orders = [WorkOrder.model_validate(row) for row in rows]
    return page.build(orders, key=_key)


def _key(order: WorkOrder) -> tuple[datetime, str]:
    return order.created_at, order.work_order_id


@router.get(
    "/work-orders/{work_order_id}",
    summary="One work order: complaints, cells, evidence, history, due and overdue flags",
    responses=error_responses(404),
)
def get_work_order(conn: Conn, _: EngineerRole, work_order_id: OrderId) -> WorkOrderDetail:
    return WorkOrderDetail.model_validate(views.get_order(conn, work_order_id, now_utc()))


@router.patch(
    "/work-orders/{work_order_id}",
    summary="Change status, add a note, assign; 409 on a transition the lifecycle forbids",
    responses=error_responses(404, 409),
)
def patch_work_order(
    conn: Conn, role: EngineerRole, work_order_id: OrderId, body: WorkOrderPatch
) -> WorkOrderDetail:
    order = service.patch_order(
        conn,
        work_order_id,
        body,
        actor=body.actor or f"api:{role}",
        now=now_utc(),
        settings=get_wo_settings(),
    )
    return WorkOrderDetail.model_validate(order)
