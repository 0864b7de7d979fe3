"""Schemathesis over every operation of the live OpenAPI document, ≥ 1,000 requests in all.

Runs the app in-process (ASGI) against the configured database (``NETCOMPLAINT_DATA_DIR`` or
``NETCOMPLAINT_DATABASE_URL``; a loaded scenario makes the answers realistic), with valid data
and with schema-violating data for each operation, and checks: no 5xx, responses that match their
declared schema, status code, content type and headers. Prints requests and failures per
operation; exit status 1 on any failure. Baseline: the share of requests answered 2xx.

    NETCOMPLAINT_DATA_DIR=… .venv/bin/python bench/bench_api_schemathesis.py --examples 40
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi import checks

from api.app import create_app
from netcomplaint.settings import get_settings

CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
KEY = "bench-schemathesis-admin"


def run_operation(
    operation: Any, mode: GenerationMode, examples: int, statuses: Counter[int]
) -> tuple[int, str | None]:
    calls = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],  # report, don't shrink for minutes
    )
    def check(case: Any) -> None:
        nonlocal calls
        # A valid key always (schemathesis would invent one): auth has its own matrix test.
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        case.headers = {**headers, "Authorization": f"Bearer {KEY}"}
        response = case.call_and_validate(checks=CHECKS)
        calls += 1
        statuses[response.status_code] += 1

    try:
        check()
    except Exception as exc:  # a failure found (and shrunk) by schemathesis/hypothesis
        return calls, str(exc).strip().splitlines()[0][:300]
    return calls, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=40, help="max examples per operation+mode")
    parser.add_argument("--min-requests", type=int, default=1000)
    args = parser.parse_args()
    os.environ["NETCOMPLAINT_API_KEYS"] = f"{KEY}:admin"
    get_settings.cache_clear()
    app = create_app(get_settings())
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    document = app.openapi()
    statuses: Counter[int] = Counter()
    total, failures = 0, []
    started = time.perf_counter()
    for path, item in sorted(document["paths"].items()):
        for method, spec in item.items():
            modes = [GenerationMode.POSITIVE]
            if spec.get("parameters") or spec.get("requestBody"):
                modes.append(GenerationMode.NEGATIVE)
            for mode in modes:
                operation = schema[path][method.upper()]
                calls, failure = run_operation(operation, mode, args.examples, statuses)
                total += calls
                label = f"{method.upper():6} {path} [{mode.value}]"
                print(f"  {label:60} {calls:5} requests  {'FAIL: ' + failure if failure else 'ok'}")
                if failure:
                    failures.append(label)
    asgi.shutdown_lifespans()
    elapsed = time.perf_counter() - started
    ok = sum(n for status, n in statuses.items() if 200 <= status < 300)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(f"schemathesis: {total} requests in {elapsed:.1f} s over {len(document['paths'])} paths")
    print(f"  statuses {dict(sorted(statuses.items()))}; 5xx {server_errors}")
    print(f"  failures {len(failures)} {failures or ''}")
    print(f"baseline: 2xx share {ok / max(total, 1):.3f} of the generated requests")
    passed = not failures and server_errors == 0 and total >= args.min_requests
    print("RESULT", "PASS" if passed else "FAIL")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
