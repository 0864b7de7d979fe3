"""The report as PDF: the same HTML through WeasyPrint (fonts from fontconfig)."""

from __future__ import annotations

import logging

from netcomplaint.errors import ConfigurationError

LOG = logging.getLogger(__name__)


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of a self-contained HTML page (images as data URIs, no network access)."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # pango/cairo libraries missing on this machine
        raise ConfigurationError(f"PDF output needs WeasyPrint's system libraries: {exc}") from exc
    from weasyprint.urls import URLFetcher

    # Only data: URIs: the report is self-contained and never reaches out to the network.
    fetcher = URLFetcher(allowed_protocols=["data"])
    pdf = HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
    if not isinstance(pdf, bytes):
        raise ConfigurationError("WeasyPrint returned no PDF")
    return pdf
