"""The report as one self-contained HTML page (jinja2 template, inline CSS, charts as data URIs).

The same HTML goes to the browser (API), to a file (CLI) and to WeasyPrint (PDF), so all three
look the same. No ``@font-face``: the CSS asks for a CJK-capable family list and the installed
fonts (Noto Sans CJK from Debian's fonts-noto-cjk) provide the glyphs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from netcomplaint import __version__
from reports import charts, labels
from reports.data import ReportData
from reports.fonts import css_font_family
from reports.settings import ReportSettings
from reports.static_map import hotspot_map

_ENV = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{100.0 * value:.{digits}f}%"


def _num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _delta(current: float | None, previous: float | None, *, points: bool = False,
           good: str = "down") -> Markup:  # fmt: skip
    """▲/▼ change vs the previous period; red when it moved the bad way."""
    if current is None or previous is None:
        return Markup('<span class="delta">—</span>')
    if points:
        change = 100.0 * (current - previous)
        text = f"{change:+.1f} pp"
    elif previous == 0:
        return (
            Markup('<span class="delta">new</span>')
            if current
            else Markup('<span class="delta">±0</span>')
        )
    else:
        change = 100.0 * (current - previous) / previous
        text = f"{change:+.0f}%"
    if abs(change) < 0.05:
        return Markup(f'<span class="delta">{text}</span>')
    arrow = "▲" if change > 0 else "▼"
    bad = (change > 0) == (good == "down")
    return Markup(f'<span class="delta {"bad" if bad else "good"}">{arrow} {text}</span>')


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


_ENV.filters.update(pct=_pct, num=_num)
_ENV.globals.update(delta=_delta, share=_share, labels=labels, both=labels.both)


def ranked_features(collection: dict[str, Any]) -> list[dict[str, Any]]:
    """Hotspots by complaints, then z (the table's rank = the number on the map)."""
    features = list(collection.get("features") or [])

    def key(f: dict[str, Any]) -> tuple[float, float]:
        p = f.get("properties") or {}
        return (-float(p.get("complaints") or 0), -float(p.get("z") or 0))

    return sorted(features, key=key)


def _cells(value: Any) -> list[str]:
    out: list[str] = []
    for item in value or []:
        if isinstance(item, dict):
            out.append(f"{item.get('cell_id')} ({item.get('complaints', '?')})")
        else:
            out.append(str(item))
    return out


def _kpis(value: Any) -> list[dict[str, Any]]:
    items = [k for k in value or [] if isinstance(k, dict)]
    bad = [k for k in items if k.get("state") in ("bad", "abnormal")]
    return (bad or items)[:3]


def _planned(value: Any) -> list[str]:
    out: list[str] = []
    for item in value or []:
        if isinstance(item, dict):
            name = item.get("name") or item.get("cell_id") or "planned site"
            when = item.get("planned_on_air")
            out.append(f"{name} ({when})" if when else str(name))
        else:
            out.append(str(item))
    return out


def hotspot_rows(collection: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for rank, feature in enumerate(ranked_features(collection)[:limit], start=1):
        p = feature.get("properties") or {}
        causes = p.get("cause_counts") or {}
        trend = p.get("trend") if isinstance(p.get("trend"), dict) else {}
        rows.append(
            {
                "rank": rank,
                "id": feature.get("id") or p.get("id"),
                "complaints": p.get("complaints"),
                "z": p.get("z"),
                "q": p.get("q"),
                "area_km2": p.get("area_km2"),
                "dominant_cause": p.get("dominant_cause"),
                "dominant_share": p.get("dominant_share"),
                "causes": sorted(causes.items(), key=lambda kv: -kv[1])[:3],
                "trend": trend,
                "serving_cells": _cells(p.get("serving_cells"))[:4],
                "worst_kpis": _kpis(p.get("worst_kpis")),
                "planned_sites": _planned(p.get("planned_sites"))[:3],
                "recommendation": p.get("recommendation"),
                "recommendation_reason": p.get("recommendation_reason"),
            }
        )
    return rows


def _local(value: datetime, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def render_html(data: ReportData, settings: ReportSettings | None = None) -> str:
    settings = settings or ReportSettings()
    style = charts.ChartStyle(settings.report_font_family, settings.report_chart_dpi)
    ordered = {**data.hotspots, "features": ranked_features(data.hotspots)}
    current = data.total("current", "complaints")
    figures: dict[str, str | None] = {
        "map": hotspot_map(
            style,
            ordered,
            data.districts,
            data.cells,
            data.points,
            top=settings.report_top_hotspots,
            district_labels=settings.report_top_districts,
        ),
        "process": charts.process_rates(style, data.process) if data.process else None,
        "work_orders": charts.work_orders(style, data.work_orders_by_department),
    }
    if current or data.total("previous", "complaints"):
        figures.update(
            daily=charts.daily(style, data.by_day, data.previous_by_day),
            causes=charts.breakdown(style, data.causes, labels.CAUSES),
            channels=charts.breakdown(style, data.channels, labels.CHANNELS),
            customers=charts.breakdown(style, data.customers, labels.CUSTOMERS),
            symptoms=charts.breakdown(style, data.symptoms, labels.SYMPTOMS),
        )
    if current:
        figures.update(
            heatmap=charts.weekday_hour(style, data.weekday_hour),
            districts=charts.districts(style, data.districts, settings.report_top_districts),
        )
    template = _ENV.get_template("report.html.j2")
    return template.render(
        d=data,
        figures=figures,
        hotspots=hotspot_rows(data.hotspots, settings.report_top_hotspots),
        hotspot_total=len(data.hotspots.get("features") or []),
        hotspot_meta=data.hotspots.get("metadata") or {},
        districts=data.districts[: settings.report_top_districts],
        font_family=css_font_family(settings.report_font_family),
        period=(_local(data.start, data.tz), _local(data.end, data.tz)),
        previous=(_local(data.prev_start, data.tz), _local(data.start, data.tz)),
        generated=_local(data.generated_at, data.tz),
        version=__version__,
        cjk_charts=style.cjk,
        tzinfo=ZoneInfo(data.tz),
    )
