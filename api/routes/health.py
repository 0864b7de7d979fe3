"""Liveness (``/healthz``: the process answers) and readiness (``/readyz``: the database too)."""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from pydantic import BaseModel

from api.deps import DatabaseGate

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["up", "down"]
    latency_ms: float | None = None
    detail: str | None = None


@router.get("/healthz", summary="Liveness: the process answers", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: the database answers",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "the database is unreachable"}},
)
def readyz(request: Request) -> JSONResponse:
    pool = request.app.state.pool
    gate: DatabaseGate = request.app.state.db_gate
    started = time.perf_counter()
    try:
        conn = gate.acquire(pool, request)
        try:
            conn.execute("SELECT 1")
        finally:
            conn.rollback()
            pool.putconn(conn)
    except Exception as exc:  # any failure to reach the database means "not ready"
        if not isinstance(exc, PoolTimeout):  # (a timeout: the gate judged it in acquire)
            gate.down = True
        body = Readiness(status="unavailable", database="down", detail=type(exc).__name__)
        return JSONResponse(body.model_dump(), status_code=503)
    latency = round((time.perf_counter() - started) * 1000, 2)
    return JSONResponse(Readiness(status="ok", database="up", latency_ms=latency).model_dump())
