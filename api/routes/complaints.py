"""Complaints (agent): submit and diagnose, read one, list with filters.

``POST /v1/complaints`` stores the complaint first (committed: never lost), has it diagnosed
together with the complaints posted at the same time (``api/batcher.py``) and answers 201 with
the diagnosis; a repeated ``external_id`` answers 200 with the stored one (also when duplicates
arrive concurrently: the unique key and a row lock decide). When the batch's diagnosis raises,
each complaint is tried alone; one that fails then is kept with ``diagnosis_status: failed`` and
retried in the background (``api/retry.py``).
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Request, Response

from api.batcher import Batcher
from api.deps import AgentRole, Conn
from api.errors import error_responses
from api.metrics import record_diagnosis
from api.params import BBoxQuery, CauseQuery, Page, PageQuery, TimeRangeQuery
from api.schemas import ComplaintDetail, ComplaintDiagnosis, ComplaintSummary
from diagnostics.models import ComplaintIn
from diagnostics.service import ComplaintFilters, get_complaint, list_complaints

router = APIRouter(tags=["complaints"])

ComplaintId = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$", description="id")
]


@router.post(
    "/complaints",
    summary="Store and diagnose a complaint (201; 200 with the stored one for a repeat)",
    status_code=201,
    response_model=ComplaintDiagnosis,
    responses={200: {"model": ComplaintDiagnosis, "description": "external_id already stored"}},
)
async def post_complaint(_: AgentRole, complaint: ComplaintIn, request: Request) -> Response:
    batcher: Batcher = request.app.state.batcher
    outcome = await batcher.submit(complaint)
    if outcome.created:
        diagnosis = outcome.body.get("diagnosis")
        record_diagnosis(diagnosis.get("primary_cause") if isinstance(diagnosis, dict) else None)
    # The body is the stored diagnosis JSON, built to the contract (the schema tests hold it to
    # ComplaintDiagnosis): serialised as it is, not validated into the model again on the hot path.
    body = {**outcome.body, "diagnosis_status": outcome.body.get("diagnosis_status", "done")}
    return Response(
        orjson.dumps(body),
        status_code=201 if outcome.created else 200,
        media_type="application/json",
        headers={"Location": f"/v1/complaints/{outcome.complaint_id}"},
    )


@router.get(
    "/complaints/{complaint_id}",
    summary="One complaint with its diagnosis",
    response_model=ComplaintDetail,
    responses=error_responses(404),
)
def get_one(conn: Conn, _: AgentRole, complaint_id: ComplaintId) -> dict[str, Any]:
    return get_complaint(conn, complaint_id)


@router.get(
    "/complaints",
    summary="Complaints reported in [from, to), inside bbox, of a cause (paginated, oldest first)",
    response_model=Page[ComplaintSummary],
)
def list_all(
    conn: Conn,
    _: AgentRole,
    when: TimeRangeQuery,
    area: BBoxQuery,
    cause: CauseQuery,
    page: PageQuery,
) -> dict[str, Any]:
    box = area.bbox
    filters = ComplaintFilters(
        start=when.start,
        end=when.end,
        bbox=(box.min_lon, box.min_lat, box.max_lon, box.max_lat) if box else None,
        cause=cause.cause,
        limit=page.limit,
        cursor=page.cursor,
    )
    return list_complaints(conn, filters)
