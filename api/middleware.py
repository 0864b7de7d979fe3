"""One pure-ASGI middleware around every request: request id, body limit, access log, metrics.

- ``X-Request-ID``: taken from the request when it is a sane token (≤ 128 of ``[A-Za-z0-9._:-]``),
  otherwise generated; echoed on the response, in ``request.state.request_id`` and on every log
  record made while the request runs (``REQUEST_ID`` context variable).
- Body limit: a body over ``max_body_bytes`` (by ``Content-Length`` or as it streams in) is
  refused with **422** ``body_too_large`` (field ``body``), as issue 6 asks, before any route runs.
- One access log line per request (logger ``api.access``) and the HTTP metrics, labelled with
  the route template (``/v1/complaints/{complaint_id}``), never the raw path.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from time import perf_counter

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from api.logs import REQUEST_ID
from api.metrics import LATENCY, REQUESTS

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})
_access = logging.getLogger("api.access")


class RequestMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            replay = await self._read_body(scope, headers, receive)
            if replay is None:
                await _send_too_large(send_with_id, self.max_body_bytes)
            else:
                await self.app(scope, replay, send_with_id)
        finally:
            elapsed = perf_counter() - started
            route = _route_template(scope)
            method = scope["method"]
            REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            LATENCY.labels(method=method, route=route).observe(elapsed)
            _access.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={
                    "request_id": request_id,
                    "method": method,
                    "route": route,
                    "path": scope.get("path", ""),
                    "status": status,
                    "latency_ms": round(elapsed * 1000, 2),
                },
            )
            REQUEST_ID.reset(token)

    async def _read_body(self, scope: Scope, headers: Headers, receive: Receive) -> Receive | None:
        """A receive that replays the whole body, or None when it is over the limit."""
        declared = headers.get("content-length")
        if scope["method"] in _BODYLESS and not declared and "transfer-encoding" not in headers:
            return receive
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            return None
        buffered: list[Message] = []
        size = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return None
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        return replay


async def _send_too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        error_body("body_too_large", f"body: larger than the {limit}-byte limit", field="body")
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _route_template(scope: Scope) -> str:
    """``/v1/cells/{cell_id}/kpis``: the matched route's template with its router prefix."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(template, str):
        return "unmatched"
    path: str = scope.get("path", "")
    params = {key: str(value) for key, value in scope.get("path_params", {}).items()}
    try:
        rendered = template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
    return path[: len(path) - len(rendered)] + template if path.endswith(rendered) else template
