"""The FastAPI application: factory, lifespan (pool), middleware, routers, error map."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import metrics
from api.batcher import Batcher
from api.deps import DatabaseGate, key_digests
from api.errors import COMMON_ERRORS, add_error_schemas, register_error_handlers
from api.middleware import RequestMiddleware
from api.retry import Retrier
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
from api.settings import ApiSettings
from geo.zones import open_zones
from netcomplaint import __version__
from netcomplaint.privacy import pii_key
from netcomplaint.settings import CoreSettings, get_settings
from storage.db import connect, open_pool, resolve_url
from storage.migrate import migrate

V1_ROUTERS = (complaints, work_orders, cells, hotspots, warnings, process_kpis, reports)


def create_worker_app() -> FastAPI:
    """The app of one ``serve --workers N`` process (settings: the environment ``serve`` set)."""
    from api.logs import configure_logging

    settings, api = get_settings(), ApiSettings()
    configure_logging(settings.log_level, json_lines=api.log_json)
    return create_app(settings, api)


def create_app(settings: CoreSettings | None = None, api: ApiSettings | None = None) -> FastAPI:
    """The service; the database pool opens in the lifespan (``with TestClient(app)``/uvicorn)."""
    settings = settings or get_settings()
    api = api or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = resolve_url(settings)
        with connect(settings, url, autocommit=True) as admin:
            migrate(admin)
        gate: DatabaseGate = app.state.db_gate
        pool = open_pool(settings, url, check=gate.check, reconnect_failed=gate.reconnect_failed)
        pool.open(wait=True, timeout=settings.connect_timeout_s * 2)
        app.state.pool = pool
        app.state.pii_key = pii_key(settings)
        metrics.bind_pool(pool)
        batcher = Batcher(pool, gate, api, app.state.pii_key)
        app.state.batcher = batcher
        batcher.start()
        retrier = Retrier(pool, api.retry_interval_s)
        retrier.start()
        open_zones()
        # The ~200 k objects of the imported modules made every full garbage collection an
        # ~90 ms stop of the whole process (batches and requests): a few per minute under load,
        # and the p99 of POST /v1/complaints. Frozen, the collector leaves them alone.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            retrier.stop()
            batcher.stop()
            metrics.bind_pool(None)
            pool.close()

    app = FastAPI(
        title="netcomplaint",
        version=__version__,
        description=(
            "Network-complaint diagnostics: diagnosis with evidence, work orders, hotspots.\n\n"
            "Auth: `Authorization: Bearer <api key>`; each key has a role (agent, engineer, "
            'planner, admin). Errors: `{"error": {"code", "message"}}`. Lists are '
            "paginated: pass a page's `next_cursor` as `cursor` for the next one."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.api_settings = api
    app.state.db_gate = DatabaseGate()
    app.state.api_key_digests = key_digests(settings.parsed_api_keys())
    register_error_handlers(app)
    app.add_middleware(RequestMiddleware, max_body_bytes=api.max_body_bytes)
    app.include_router(health.router)
    app.include_router(metrics.router)
    for module in V1_ROUTERS:
        app.include_router(module.router, prefix="/v1", responses=COMMON_ERRORS)
    app.include_router(map.router)
    build_openapi = app.openapi
    app.openapi = lambda: add_error_schemas(build_openapi())  # type: ignore[method-assign]
    return app
