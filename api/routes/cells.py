"""Cell inventory and KPI series (engineer): ``GET /v1/cells``, ``GET /v1/cells/{id}/kpis``."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from psycopg import sql
from psycopg.rows import dict_row
from pydantic import BaseModel, model_validator

from api.deps import Conn, EngineerRole
from api.errors import error_responses
from api.params import BBoxQuery, Page, PageQuery, TimeRangeQuery, Where
from netcomplaint.errors import NotFoundError

router = APIRouter(tags=["cells"])

CellId = Annotated[
    str, Path(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$", description="cell_id")
]
Technology = Literal["GSM", "UMTS", "LTE", "NR"]
CellStatus = Literal["active", "planned", "decommissioned"]

_CELL_COLUMNS = (
    "cell_id, site_id, lat, lon, technology, azimuth_deg, beamwidth_deg, band, earfcn, pci, "
    "height_m, tilt_deg, indoor, status, on_air_date"
)
_KPI_COLUMNS = (
    "ts, period_s, availability_pct, rrc_setup_sr_pct, erab_setup_sr_pct, call_drop_rate_pct, "
    "ho_sr_pct, prb_util_dl_pct, prb_util_ul_pct, ul_interference_dbm, avg_cqi, "
    "dl_user_thr_mbps, rrc_users_avg"
)


class _Finite(BaseModel):
    """NaN/infinite numbers read from the database are shown as null (JSON has no NaN)."""

    @model_validator(mode="before")
    @classmethod
    def _no_nan(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {
                k: None if isinstance(v, float) and not math.isfinite(v) else v
                for k, v in data.items()
            }
        return data


class Cell(_Finite):
    cell_id: str
    site_id: str
    lat: float
    lon: float
    technology: Technology
    azimuth_deg: float | None
    beamwidth_deg: float
    band: str | None
    earfcn: int | None
    pci: int | None
    height_m: float | None
    tilt_deg: float | None
    indoor: bool
    status: CellStatus
    on_air_date: date | None


class KpiPoint(_Finite):
    """One measurement period of a cell (``ts`` = its start); absent KPIs are null."""

    ts: datetime
    period_s: int
    availability_pct: float | None
    rrc_setup_sr_pct: float | None
    erab_setup_sr_pct: float | None
    call_drop_rate_pct: float | None
    ho_sr_pct: float | None
    prb_util_dl_pct: float | None
    prb_util_ul_pct: float | None
    ul_interference_dbm: float | None
    avg_cqi: float | None
    dl_user_thr_mbps: float | None
    rrc_users_avg: float | None


class KpiSeries(Page[KpiPoint]):
    cell_id: str


@router.get("/cells", summary="Cell inventory (paginated, ordered by cell_id)")
def list_cells(
    conn: Conn,
    _: EngineerRole,
    area: BBoxQuery,
    page: PageQuery,
    technology: Annotated[Technology | None, Query(description="only this technology")] = None,
    status: Annotated[CellStatus | None, Query(description="only cells in this status")] = None,
) -> Page[Cell]:
    where = Where().equals("technology", technology).equals("status", status)
    where.bbox(area.bbox)
    where.after(("cell_id",), page.after(1), descending=False)
    query = sql.SQL("SELECT {} FROM cells {} ORDER BY cell_id LIMIT %s").format(
        sql.SQL(_CELL_COLUMNS), where.sql()
    )
    rows = conn.cursor(row_factory=dict_row).execute(query, [*where.params, page.fetch])
    cells = [Cell.model_validate(row) for row in rows]
    return page.build(cells, key=lambda cell: (cell.cell_id,))


@router.get(
    "/cells/{cell_id}/kpis",
    summary="KPI series of one cell (paginated, oldest first)",
    responses=error_responses(404),
)
def cell_kpis(
    conn: Conn, _: EngineerRole, cell_id: CellId, when: TimeRangeQuery, page: PageQuery
) -> KpiSeries:
    if conn.execute("SELECT 1 FROM cells WHERE cell_id = %s", (cell_id,)).fetchone() is None:
        raise NotFoundError(f"no cell {cell_id!r}")
    where = Where().equals("cell_id", cell_id).time_range(when, "ts")
    where.after(("ts", "period_s"), page.after(2), descending=False)
    query = sql.SQL("SELECT {} FROM kpis {} ORDER BY ts, period_s LIMIT %s").format(
        sql.SQL(_KPI_COLUMNS), where.sql()
    )
    rows: list[dict[str, Any]] = (
        conn.cursor(row_factory=dict_row).execute(query, [*where.params, page.fetch]).fetchall()
    )
    points = page.build([KpiPoint.model_validate(row) for row in rows], key=_kpi_key)
    return KpiSeries(cell_id=cell_id, items=points.items, next_cursor=points.next_cursor)


def _kpi_key(point: KpiPoint) -> tuple[datetime, int]:
    return point.ts, point.period_s
