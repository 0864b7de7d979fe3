"""Response models of the complaint routes: the contract's diagnosis JSON, as OpenAPI sees it.

Models allow extra keys, so a field the diagnostics domain adds later passes through (and is
documented as additional properties) instead of being dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.params import Cause

DiagnosisStatus = Literal["pending", "done", "failed"]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class CauseScore(_Open):
    cause: Cause
    score: float = Field(ge=0, le=1)


class EvidenceItem(_Open):
    check: str
    cause: str
    finding: Literal["abnormal", "normal", "unknown"]
    cell_id: str | None = None
    value: float | None = None
    threshold: float | None = None
    unit: str | None = None
    window: list[str] | None = Field(default=None, description="[start, end], ISO 8601")
    detail: str | None = None


class ReplyScript(_Open):
    zh: str
    en: str


class Diagnosis(_Open):
    """The contract's "diagnosis" object."""

    primary_cause: Cause
    attribution: Literal["user", "network", "unknown"]
    confidence: float = Field(ge=0, le=1)
    causes: list[CauseScore] = Field(description="every cause, ranked")
    evidence: list[EvidenceItem]
    serving_cells: list[str]
    reply_script: ReplyScript
    actions: list[str]
    work_order_id: str | None = None
    mass_event_id: str | None = None


class ComplaintDiagnosis(_Open):
    """``POST /v1/complaints``: the diagnosis (null while ``diagnosis_status`` is not done)."""

    complaint_id: str
    external_id: str
    diagnosis: Diagnosis | None
    diagnosis_status: DiagnosisStatus = Field(
        default="done", description="failed: the complaint is stored and its diagnosis retried"
    )


class ComplaintFields(_Open):
    """The stored complaint as the contract's JSON (MSISDN masked as 138****8000)."""

    external_id: str
    msisdn: str = Field(description="masked")
    reported_at: datetime
    lat: float | None = None
    lon: float | None = None
    cell_id: str | None = None
    symptom: str | None = None
    symptom_inferred: bool | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    description: str | None = None
    indoor: bool | None = None
    floor: int | None = None
    frequency: str | None = None
    neighbours_affected: str | None = None
    everywhere: bool | None = None
    channel: str | None = None
    urgent: bool | None = None


class ComplaintDetail(ComplaintDiagnosis):
    """``GET /v1/complaints/{id}``: the diagnosis body plus the complaint itself."""

    complaint: ComplaintFields


class ComplaintSummary(ComplaintFields):
    """One row of ``GET /v1/complaints``: the complaint with its diagnosis summary."""

    complaint_id: str
    diagnosis_status: DiagnosisStatus
    primary_cause: Cause | None = None
    attribution: Literal["user", "network", "unknown"] | None = None
    confidence: float | None = None
    mass_event_id: str | None = None
    work_order_id: str | None = None
