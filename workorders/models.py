"""Input models of the work-order API (pydantic v2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Status = Literal[
    "new", "dispatched", "in_progress", "resolved", "verified", "closed", "rejected", "reopened"
]
Department = Literal[
    "rf_optimisation",
    "capacity_planning",
    "field_maintenance",
    "transmission",
    "core_network",
    "planning",
]
Grade = Literal["A", "B", "C", "D", "E"]


class WorkOrderPatch(BaseModel):
    """``PATCH /v1/work-orders/{id}``: a status change and/or a note and/or an assignee.

    ``reason`` (or ``note``) is required to reject an order or to close one that was never
    fixed. ``department``/``grade`` re-route an order (when it is dispatched again after a
    rejection, or while the centre holds it); a new grade recomputes the due time.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Status | None = None
    note: str | None = Field(default=None, max_length=4000)
    reason: str | None = Field(default=None, max_length=4000)
    assignee: str | None = Field(default=None, max_length=200)
    department: Department | None = None
    grade: Grade | None = None
    actor: str | None = Field(
        default=None, max_length=200, description="who makes the change (default: the API role)"
    )

    @model_validator(mode="after")
    def _something(self) -> WorkOrderPatch:
        fields = (self.status, self.note, self.reason, self.assignee, self.department, self.grade)
        if all(value is None for value in fields):
            raise ValueError(
                "give at least one of status, note, reason, assignee, department, grade"
            )
        return self

    @property
    def text(self) -> str | None:
        """The note of the change: the reason and the note together."""
        parts = [p for p in (self.reason, self.note) if p]
        return " — ".join(parts) if parts else None


class Warning_(BaseModel):
    """A time-limit warning: ``overdue`` (超时预警), ``due_soon``, ``progress_overdue``."""

    code: Literal["overdue", "due_soon", "progress_overdue"]
    label: str
    since: datetime | None
    message: str


class WorkOrder(BaseModel):
    """A work order as listed (``GET /v1/work-orders``)."""

    work_order_id: str
    status: Status
    cause: str
    route: str | None = Field(description="routing rule that chose the department and grade")
    route_reason: str | None
    department: str
    department_label: dict[str, str] | None
    grade: Grade
    priority: int = Field(description="0–100, higher first")
    urgent: bool
    assignee: str | None
    cells: list[str]
    mass_event_id: str | None
    complaint_count: int
    affected_users: int
    repeat_count: int
    escalated: bool
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    progress_due_at: datetime | None
    progress_reported_at: datetime | None
    resolved_at: datetime | None
    verified_at: datetime | None
    closed_at: datetime | None
    due_state: Literal["on_time", "due_soon", "overdue", "met", "missed", "cancelled"]
    overdue: bool = Field(description="open and past its time limit (超时预警)")
    progress_overdue: bool
    warnings: list[Warning_]
    verification: dict[str, Any] | None


class OrderComplaint(BaseModel):
    complaint_id: str
    external_id: str
    msisdn: str = Field(description="masked")
    reported_at: datetime
    symptom: str | None
    lat: float | None
    lon: float | None
    cell_id: str | None
    urgent: bool
    channel: str | None
    primary_cause: str | None
    repeat_of: str | None
    attached_at: datetime


class HistoryEvent(BaseModel):
    at: datetime
    actor: str
    from_: str | None = Field(alias="from", serialization_alias="from")
    to: str | None
    note: str | None

    model_config = ConfigDict(populate_by_name=True)


class WorkOrderDetail(WorkOrder):
    """One work order with its complaints, evidence and history."""

    complaints: list[OrderComplaint]
    evidence: list[dict[str, Any]]
    history: list[HistoryEvent]


class ProcessMetrics(BaseModel):
    """Counts and rates of one slice; a rate is null when its denominator is 0."""

    orders: int
    cancelled: int
    resolved: int
    on_time: int
    late: int
    overdue_open: int
    verified: int
    timeliness_rate: float | None = Field(description="及时率: on time / (resolved + overdue)")
    resolution_rate: float | None = Field(description="解决率: resolved / orders not cancelled")
    verification_rate: float | None
    mean_handling_hours: float | None
    p90_handling_hours: float | None
    complaints: int
    repeat_complaints: int
    diagnosed: int
    first_contact_resolved: int | None
    repeat_complaint_rate: float | None = Field(description="重复投诉率")
    first_contact_resolution: float | None = Field(description="一次解决率")


class DepartmentMetrics(ProcessMetrics):
    department: str


class CauseMetrics(ProcessMetrics):
    cause: str


class ProcessKpis(BaseModel):
    from_: datetime = Field(alias="from")
    to: datetime
    as_of: datetime
    overall: ProcessMetrics
    by_department: list[DepartmentMetrics]
    by_cause: list[CauseMetrics]
    targets: dict[str, float]
