"""Prometheus metrics of the service, served at ``/metrics``.

Names (all in the default registry):
- ``netcomplaint_http_requests_total{method,route,status}``: requests answered, by route template.
- ``netcomplaint_http_request_duration_seconds{method,route}``: latency histogram.
- ``netcomplaint_diagnoses_total{cause}``: diagnoses stored, by primary cause.
- ``netcomplaint_diagnosis_failures_total``: diagnoses that raised (complaint kept, retried later).
- ``netcomplaint_db_unavailable_total``: requests answered 503 because the database was down.
- ``netcomplaint_db_pool_{size,available,waiting}``: the connection pool right now.

Under ``serve --workers N`` (``PROMETHEUS_MULTIPROC_DIR`` set) the counters and histograms are
those of all the worker processes added up; the pool gauges are those of the worker answering.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "netcomplaint_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ("method", "route", "status"),
)
LATENCY = Histogram(
    "netcomplaint_http_request_duration_seconds",
    "HTTP request latency (until the response is sent), by method and route template",
    ("method", "route"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DIAGNOSES = Counter("netcomplaint_diagnoses", "Diagnoses stored, by primary cause", ("cause",))
DIAGNOSIS_FAILURES = Counter(
    "netcomplaint_diagnosis_failures", "Diagnoses that failed (the complaint is kept and retried)"
)
DB_UNAVAILABLE = Counter(
    "netcomplaint_db_unavailable", "Requests answered 503 because the database was unreachable"
)


def record_diagnosis(cause: str | None) -> None:
    """Count one stored diagnosis (``None``: the diagnosis failed)."""
    if cause is None:
        DIAGNOSIS_FAILURES.inc()
    else:
        DIAGNOSES.labels(cause=cause).inc()


class _PoolCollector(Collector):
    """Reads the bound pool's statistics at scrape time."""

    def __init__(self) -> None:
        self.pool: Any = None

    def collect(self) -> Iterator[Metric]:
        stats: dict[str, int] = self.pool.get_stats() if self.pool is not None else {}
        for name, key, doc in (
            ("size", "pool_size", "connections open or being opened"),
            ("available", "pool_available", "idle connections ready for a request"),
            ("waiting", "requests_waiting", "requests waiting for a connection"),
        ):
            yield GaugeMetricFamily(f"netcomplaint_db_pool_{name}", doc, stats.get(key, 0))


_POOL_COLLECTOR = _PoolCollector()
REGISTRY.register(_POOL_COLLECTOR)


def _scraped() -> CollectorRegistry:
    """What ``/metrics`` shows: this process's registry, or every worker's (multiprocess)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(_POOL_COLLECTOR)
    return registry


def bind_pool(pool: Any) -> None:
    """Report this pool's statistics (the app's lifespan binds its pool; None unbinds)."""
    _POOL_COLLECTOR.pool = pool


router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics() -> Response:
    return Response(generate_latest(_scraped()), media_type=CONTENT_TYPE_LATEST)
