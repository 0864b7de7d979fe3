"""The FastAPI application: factory, lifespan (pool), routers, error map."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import register_error_handlers
from api.routes import (
    cells,
    complaints,
    health,
    hotspots,
    map,
    process_kpis,
    reports,
    warnings,
    work_orders,
)
from netcomplaint import __version__
from netcomplaint.settings import CoreSettings, get_settings
from storage.db import connect, open_pool, resolve_url
from storage.migrate import migrate


def create_app(settings: CoreSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = resolve_url(settings)
        with connect(settings, url, autocommit=True) as admin:
            migrate(admin)
        pool = open_pool(settings, url)
        pool.open(wait=True, timeout=settings.connect_timeout_s * 2)
        app.state.pool = pool
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(
        title="netcomplaint",
        version=__version__,
        description="Network-complaint diagnostics: evidence, work orders, hotspots.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.api_keys = settings.parsed_api_keys()
    register_error_handlers(app)
    app.include_router(health.router)
    for module in (complaints, work_orders, cells, hotspots, warnings, process_kpis, reports):
        app.include_router(module.router, prefix="/v1")
    app.include_router(map.router)
    return app
