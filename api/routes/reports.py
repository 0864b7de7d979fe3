"""``GET /v1/reports/hotspots?from&to`` (planner): the planners' report, HTML (or PDF)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from api.deps import Conn, PlannerRole, Settings
from api.params import TimeRangeQuery
from reports.data import build_report
from reports.render import render_html
from reports.settings import ReportSettings

router = APIRouter(tags=["reports"])


class PDFResponse(Response):
    media_type = "application/pdf"


@router.get(
    "/reports/hotspots",
    summary="The planners' hotspot report: one self-contained HTML page (or PDF)",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def get_hotspot_report(
    conn: Conn,
    core: Settings,
    _: PlannerRole,
    when: TimeRangeQuery,
    fmt: Annotated[
        Literal["html", "pdf"], Query(alias="format", description="html (default) or pdf")
    ] = "html",
) -> Response:
    """Complaints reported in [from, to) (default: the last 7 days) against the period before:
    headline figures, process KPIs, a static hotspot map, the ranked hotspots with their
    causes, serving cells, worst KPIs, planned sites and recommendations, breakdowns by day and
    hour, district, channel, customer type and symptom, work orders, and early warnings. The
    same HTML as ``netcomplaint report``; Chinese text needs a CJK font where it is viewed."""
    start, end = when.resolve(default_span=timedelta(days=7))
    settings = ReportSettings()
    data = build_report(conn, start, end, settings=settings, tz=core.default_tz)
    html = render_html(data, settings)
    name = f"hotspot-report-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "pdf":
        from reports.pdf import html_to_pdf

        return PDFResponse(
            html_to_pdf(html),
            headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
        )
    return HTMLResponse(html, headers={"Content-Disposition": f'inline; filename="{name}.html"'})
