"""Fonts that have the Chinese glyphs, for matplotlib (charts, map) and for the HTML/PDF.

The configured family list (``NETCOMPLAINT_REPORT_FONT_FAMILY``) is used as it is for CSS,
where the browser or WeasyPrint (fontconfig) picks the first installed family per glyph. For
matplotlib we look the families up in its font manager and keep those installed, CJK-capable
ones first, so labels fall back per glyph (matplotlib ≥ 3.6). When no installed font covers
CJK, charts fall back to English labels instead of drawing empty boxes (tofu).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from markupsafe import Markup
from matplotlib import font_manager, ft2font

LOG = logging.getLogger(__name__)
PROBE = "投诉热点报告"  # "complaint hotspot report"
_UNSAFE = re.compile(r"[^\w \-]")
GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}


def families(font_family: str) -> list[str]:
    """The comma-separated family list, unquoted; anything but letters, digits, spaces, '-' and
    '_' is dropped, so a configured value can't break out of the CSS."""
    names = (_UNSAFE.sub("", f) for f in font_family.split(","))
    return [name.strip() for name in names if name.strip()]


def css_font_family(font_family: str) -> Markup:
    """The list as a CSS ``font-family`` value (names quoted, generics bare), safe to embed."""
    return Markup(", ".join(f if f in GENERIC else f'"{f}"' for f in families(font_family)))


def covers(path: str, text: str = PROBE) -> bool:
    """Whether the font file has a glyph for every character of ``text``."""
    try:
        font = ft2font.FT2Font(path)
    except (OSError, RuntimeError):
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in text)


@lru_cache(maxsize=8)
def _installed(font_family: str) -> tuple[tuple[str, ...], bool]:
    known = {entry.name: entry.fname for entry in font_manager.fontManager.ttflist}
    cjk: list[str] = []
    latin: list[str] = []
    for name in families(font_family):
        if name in GENERIC or name not in known:
            continue
        (cjk if covers(known[name]) else latin).append(name)
    if not cjk:  # not configured, but maybe installed under another name
        for name, path in sorted(known.items()):
            if "CJK" in name and covers(path):
                cjk.append(name)
                break
    if not cjk:
        LOG.warning("no installed font has Chinese glyphs; charts use English labels")
    return tuple(cjk + latin + ["DejaVu Sans"]), bool(cjk)


def matplotlib_families(font_family: str) -> list[str]:
    """Installed families for ``rcParams['font.family']``, a CJK-capable one first."""
    return list(_installed(font_family)[0])


def has_cjk(font_family: str) -> bool:
    """Whether matplotlib can draw Chinese with the configured (or any installed) fonts."""
    return _installed(font_family)[1]
