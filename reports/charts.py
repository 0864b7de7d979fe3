"""The report's charts: matplotlib (Agg, no pyplot state) → PNG data URIs, so the HTML stays
one self-contained file. Tick labels are Chinese when a CJK font is installed (see
``reports.fonts``), else English."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

from reports import labels
from reports.data import Count, District
from reports.fonts import has_cjk, matplotlib_families

NETWORK = "#c0392b"
OTHER = "#e8a598"
PREVIOUS = "#34495e"
GRID = "#dddddd"
CMAP = "YlOrRd"


class ChartStyle:
    def __init__(self, font_family: str, dpi: int) -> None:
        self.families = matplotlib_families(font_family)
        self.cjk = has_cjk(font_family)
        self.dpi = dpi

    @contextmanager
    def figure(self, width: float, height: float) -> Iterator[tuple[Figure, Axes]]:
        rc: dict[RcKeyType, Any] = {
            "font.family": self.families,
            "font.size": 8,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.edgecolor": "#888888",
            "axes.unicode_minus": False,
        }
        with mpl.rc_context(rc):
            fig = Figure(figsize=(width, height), dpi=self.dpi, layout="constrained")
            FigureCanvasAgg(fig)
            ax = fig.add_subplot()
            yield fig, ax

    def label(self, table: dict[str, tuple[str, str]], key: str | None) -> str:
        return labels.short(table, key, self.cjk)

    def text(self, zh: str, en: str) -> str:
        return zh if self.cjk else en


def png_uri(style: ChartStyle, fig: Figure) -> str:
    buffer = io.BytesIO()
    with mpl.rc_context({"font.family": style.families}):
        fig.savefig(buffer, format="png", facecolor="white")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def daily(style: ChartStyle, days: Sequence[tuple[date, int, int]], previous: Sequence[int]) -> str:
    with style.figure(7.2, 2.4) as (fig, ax):
        x = np.arange(len(days))
        network = np.array([d[2] for d in days])
        total = np.array([d[1] for d in days])
        ax.bar(x, network, color=NETWORK, label=style.text("网络原因", "network"))
        ax.bar(x, total - network, bottom=network, color=OTHER, label=style.text("其他", "other"))
        if any(previous):
            ax.plot(
                x,
                previous,
                color=PREVIOUS,
                lw=1.2,
                marker=".",
                label=style.text("上期", "previous period"),
            )
        step = max(1, len(days) // 12)
        ax.set_xticks(x[::step], [d[0].strftime("%m-%d") for d in days][::step])
        ax.set_ylabel(style.text("投诉量", "complaints"))
        ax.grid(axis="y", color=GRID)
        ax.legend(frameon=False, ncols=3, loc="upper left")
        return png_uri(style, fig)


def weekday_hour(style: ChartStyle, grid: Sequence[Sequence[int]]) -> str:
    with style.figure(7.2, 2.2) as (fig, ax):
        values = np.array(grid, dtype=float)
        image = ax.imshow(values, aspect="auto", cmap=CMAP, interpolation="nearest")
        ax.set_yticks(range(7), [style.text(*day) for day in labels.WEEKDAYS])
        ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
        ax.set_xlabel(style.text("小时", "hour of day"))
        for spine in ax.spines.values():
            spine.set_visible(False)
        fig.colorbar(image, ax=ax, shrink=0.9, label=style.text("投诉量", "complaints"))
        return png_uri(style, fig)


def breakdown(
    style: ChartStyle, counts: Sequence[Count], table: dict[str, tuple[str, str]], top: int = 10
) -> str:
    shown = list(counts[:top])[::-1]
    height = 0.8 + 0.28 * max(len(shown), 1)
    with style.figure(3.5, height) as (fig, ax):
        y = np.arange(len(shown))
        ax.barh(
            y, [c.network for c in shown], color=NETWORK, label=style.text("网络原因", "network")
        )
        ax.barh(
            y,
            [c.complaints - c.network for c in shown],
            left=[c.network for c in shown],
            color=OTHER,
            label=style.text("其他", "other"),
        )
        ax.scatter([c.previous for c in shown], y, marker="|", s=120, color=PREVIOUS,
                   label=style.text("上期", "previous"), zorder=3)  # fmt: skip
        ax.set_yticks(y, [style.label(table, c.key) for c in shown])
        ax.grid(axis="x", color=GRID)
        fig.legend(frameon=False, fontsize=6, loc="outside lower center", ncols=3)
        return png_uri(style, fig)


def districts(style: ChartStyle, rows: Sequence[District], top: int) -> str:
    shown = list(rows[:top])[::-1]
    with style.figure(3.5, 0.6 + 0.26 * max(len(shown), 1)) as (fig, ax):
        y = np.arange(len(shown))
        ax.barh(y, [d.network for d in shown], color=NETWORK)
        ax.barh(
            y,
            [d.complaints - d.network for d in shown],
            left=[d.network for d in shown],
            color=OTHER,
        )
        ax.scatter([d.previous for d in shown], y, marker="|", s=120, color=PREVIOUS, zorder=3)
        ax.set_yticks(y, [d.label for d in shown])
        ax.grid(axis="x", color=GRID)
        return png_uri(style, fig)


RATES = (
    ("timeliness_rate", "及时率", "timeliness"),
    ("resolution_rate", "解决率", "resolution"),
    ("first_contact_resolution", "一次解决率", "first contact"),
    ("repeat_complaint_rate", "重复投诉率", "repeat rate"),
)


def process_rates(style: ChartStyle, process: dict[str, Any]) -> str | None:
    overall = process.get("overall") or {}
    targets = process.get("targets") or {}
    shown = [(key, zh, en) for key, zh, en in RATES if overall.get(key) is not None]
    if not shown:
        return None
    with style.figure(3.5, 0.6 + 0.32 * len(shown)) as (fig, ax):
        y = np.arange(len(shown))[::-1]
        values = [100.0 * float(overall[key]) for key, _, _ in shown]
        ax.barh(y, values, color=PREVIOUS)
        for yy, (key, _, _) in zip(y, shown, strict=True):
            target = targets.get(key)
            if target is not None:
                ax.plot([100.0 * float(target)] * 2, [yy - 0.4, yy + 0.4], color=NETWORK, lw=2)
        for yy, value in zip(y, values, strict=True):
            ax.text(value + 1, yy, f"{value:.0f}%", va="center", fontsize=7)
        ax.set_yticks(y, [style.text(zh, en) for _, zh, en in shown])
        ax.set_xlim(0, 110)
        ax.grid(axis="x", color=GRID)
        return png_uri(style, fig)


def work_orders(style: ChartStyle, departments: Sequence[dict[str, Any]]) -> str | None:
    if not departments:
        return None
    with style.figure(3.5, 0.9 + 0.3 * len(departments)) as (fig, ax):
        y = np.arange(len(departments))[::-1]
        width = 0.27
        series = (
            ("opened", "新开", "opened", OTHER),
            ("overdue", "超时", "overdue", NETWORK),
            ("verified", "已验证", "verified", PREVIOUS),
        )
        for k, (key, zh, en, color) in enumerate(series):
            ax.barh(y + (1 - k) * width, [d[key] for d in departments], height=width, color=color,
                    label=style.text(zh, en))  # fmt: skip
        ax.set_yticks(y, [d["department"] for d in departments])
        ax.grid(axis="x", color=GRID)
        fig.legend(frameon=False, fontsize=6, loc="outside lower center", ncols=3)
        return png_uri(style, fig)
