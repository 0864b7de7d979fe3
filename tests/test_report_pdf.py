"""The report's PDF: it renders, embeds a CJK font, and its Chinese glyphs are not tofu.

Needs poppler-utils (pdffonts, pdftoppm, pdftotext) and fonts-noto-cjk (Debian packages).
Set NETCOMPLAINT_REPORT_ARTIFACTS=DIR to keep the PDF and its page PNGs for a look.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from reports import labels
from reports.charts import ChartStyle, breakdown
from reports.data import Count, build_report
from reports.fonts import css_font_family, has_cjk
from reports.pdf import html_to_pdf
from reports.render import render_html
from reports.settings import ReportSettings
from storage.db import Conn
from tests.test_report_build import FAKE_HOTSPOTS, FAKE_PROCESS, SECTIONS
from tests.test_report_factories import END, START, db_url, seeded_template  # noqa: F401

PROBE = "投诉热点报告"
NOTDEF = "\ue000"  # private use: no font has it, so it draws the .notdef box (tofu)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: apt-get install poppler-utils")
    return path


def _pages(pdf: Path, out: Path, dpi: int, prefix: str = "page") -> list[Path]:
    subprocess.run([_tool("pdftoppm"), "-r", str(dpi), "-png", str(pdf), str(out / prefix)],
                   check=True, timeout=120)  # fmt: skip
    return sorted(out.glob(f"{prefix}-*.png"))


def _ink(path: Path) -> np.ndarray:
    pixels = mpimg.imread(str(path))
    grey = pixels[..., :3].mean(axis=2) if pixels.ndim == 3 else pixels
    return np.asarray(grey < 0.5)


def _keep(paths: list[Path]) -> None:
    target = os.environ.get("NETCOMPLAINT_REPORT_ARTIFACTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for path in paths:
            shutil.copy(path, target)


def test_report_pdf_renders_with_an_embedded_cjk_font(conn: Conn, tmp_path: Path) -> None:
    html = render_html(
        build_report(conn, START, END, hotspots=FAKE_HOTSPOTS, process_kpis=FAKE_PROCESS)
    )
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(html_to_pdf(html))
    fonts = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True,
                           check=True).stdout  # fmt: skip
    embedded = [line for line in fonts.splitlines()[2:] if line.split()[-5] == "yes"]
    assert any("CJK" in line for line in embedded), fonts
    text = subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    for words in (PROBE, "热点地图 Hotspot map", "多维分析 Breakdowns", "预警 Early warnings"):
        assert words in text, words
    pages = _pages(pdf, tmp_path, 50)
    _keep([pdf, *pages])
    assert 3 <= len(pages) <= 8
    for page in pages:
        assert _ink(page).mean() > 0.002, f"{page.name} is blank"
    assert len(SECTIONS) == 10


def test_chinese_glyphs_in_the_pdf_are_not_tofu(tmp_path: Path) -> None:
    family = css_font_family(ReportSettings().report_font_family)
    cells = "".join(f'<div style="break-after: page">{ch}</div>' for ch in [*PROBE[:4], NOTDEF])
    html = (
        "<html><head><style>@page { size: 30mm 30mm; margin: 3mm }"
        f" body {{ font-family: {family}; font-size: 60pt; line-height: 1 }}</style></head>"
        f"<body>{cells}</body></html>"
    )
    pdf = tmp_path / "glyphs.pdf"
    pdf.write_bytes(html_to_pdf(html))
    pages = _pages(pdf, tmp_path, 100, "glyph")
    _keep(pages)
    *glyphs, tofu = [_ink(p) for p in pages]
    assert len(glyphs) == 4
    for ch, ink in zip(PROBE, glyphs, strict=False):
        ys, xs = np.nonzero(ink)
        assert len(ys) > 50, f"{ch} drew nothing"
        assert np.logical_xor(ink, tofu).sum() > 0.2 * ink.sum(), f"{ch} looks like .notdef"
        h, w = ys.max() - ys.min(), xs.max() - xs.min()
        inner = ink[ys.min() + h // 4 : ys.max() - h // 4, xs.min() + w // 4 : xs.max() - w // 4]
        assert inner.any(), f"{ch} is a hollow box (tofu)"
    shapes = {ink.tobytes() for ink in glyphs}
    assert len(shapes) == len(glyphs), "different characters drew the same glyph"


def test_charts_draw_chinese_labels_without_missing_glyphs() -> None:
    settings = ReportSettings()
    assert has_cjk(settings.report_font_family), "apt-get install fonts-noto-cjk"
    style = ChartStyle(settings.report_font_family, 72)
    counts = [Count("hotline", 10, 6, 8), Count("regulator", 3, 3, 0)]
    # matplotlib warns "Glyph … missing from font" for tofu; pytest turns that into an error
    uri = breakdown(style, counts, labels.CHANNELS)
    assert (
        uri.startswith("data:image/png;base64,")
        and style.label(labels.CHANNELS, "hotline") == "热线"
    )
