"""The map page in real headless Chromium (Debian ``chromium``, driven by Playwright).

The API runs under uvicorn in a thread against the test database seeded with a small city. The
page must load with no console errors and no request leaving 127.0.0.1, show every layer, open
popups on clicks (hotspot, complaint, cell), and leave a screenshot in ``tests/artifacts/``.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.app import create_app
from netcomplaint.settings import CoreSettings
from tests.test_geo_support import seed_city

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian chromium (apt install chromium)"
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(settings: CoreSettings) -> tuple[uvicorn.Server, threading.Thread, str]:
    """The API on a free local port, in a thread (stop with ``server.should_exit = True``)."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def live_url(settings: CoreSettings, conn: Any) -> Iterator[str]:
    seed_city(conn)
    server, thread, url = serve(settings)
    yield url
    server.should_exit = True
    thread.join(timeout=15)


def test_map_in_headless_chromium(live_url: str) -> None:
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{live_url}/map")
            page.wait_for_selector("#key-dialog[open]")
            page.fill("#key-input", "planner-key")
            page.click("#key-submit")
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            stats: dict[str, Any] = page.evaluate("window.nc.stats")
            assert page.evaluate("window.nc.errors") == [], errors
            assert stats["cells"] > 100 and stats["cellMode"] == "cells"
            assert stats["cellStates"] > 0
            assert stats["complaints"] > 0 and stats["complaintMode"] == "points"
            assert stats["hotspots"] >= 1
            assert stats["mr"] > 0 and stats["areas"] >= 3
            assert page.evaluate("sessionStorage.getItem('nc-api-key')") == "planner-key"
            assert page.locator(".leaflet-control-layers-overlays label").count() == 5
            assert "Hotspot Gi* z" in page.inner_text(".nc-legend")

            click_at(page, "window.nc.hotspots.features[0].properties.peak.slice().reverse()")
            popup = page.wait_for_selector(".leaflet-popup-content:has-text('Hotspot')")
            assert popup is not None and "new site" in popup.inner_text()
            assert "complaints" in popup.inner_text()
            page.screenshot(path=str(ARTIFACTS / "map.png"))

            page.evaluate("() => { window.nc.map.closePopup(); }")
            page.evaluate(
                "() => { const s = window.nc.stats.complaintSample;"
                " window.nc.map.setView([s[1], s[2]], 18, { animate: false }); }"
            )
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            assert page.evaluate("window.nc.stats.complaintTotal") < 400  # the new view only
            point = "[window.nc.stats.complaintSample[1], window.nc.stats.complaintSample[2]]"
            click_at(page, point)
            popup = page.wait_for_selector(".leaflet-popup-content table", timeout=10_000)
            assert popup is not None and "finding" in popup.inner_text()
            page.screenshot(path=str(ARTIFACTS / "map-complaint.png"))
        finally:
            browser.close()
    outside = [u for u in requests if not u.startswith(live_url) and not u.startswith("data:")]
    assert outside == [], outside
    assert errors == [], errors


def click_at(page: Any, latlng_js: str) -> None:
    """Click the map at a [lat, lon] given as a JavaScript expression."""
    x, y = page.evaluate(
        f"""() => {{
            const p = window.nc.map.latLngToContainerPoint({latlng_js});
            const r = document.getElementById('map').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }}"""
    )
    page.mouse.click(x, y)


def test_chromium_is_the_debian_build() -> None:
    assert shutil.which("chromium") == str(CHROMIUM)
