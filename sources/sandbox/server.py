"""The sandbox's HTTP machinery: a real server on 127.0.0.1, routing, fault injection, request log.

Each fake vendor is an `App` (routes plus an auth check); this module serves it over a real
socket on a free port, logs every request and injects the faults a test asks for.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import orjson

from sources.sandbox.faults import BODY_FAULTS, Fault, FaultSet


class ApiError(Exception):
    """An error answer from a fake API handler."""

    def __init__(self, status: int, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    path_args: dict[str, str] = field(default_factory=dict)


@dataclass
class Answer:
    status: int
    body: Any  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    rate: float | None = None  # send the body at this many bytes a second (a slow vendor)


Handler = Callable[[Request], Any]


class App(Protocol):
    vendor: str

    prefix: str  # the API's base path, e.g. /api/v2

    def routes(self) -> list[tuple[str, Handler]]: ...

    def authorize(self, request: Request) -> Answer | None: ...

    def window_day(self, request: Request) -> str | None: ...

    def decorate(self, request: Request, answer: Answer) -> None: ...


@dataclass
class LoggedRequest:
    vendor: str
    method: str
    endpoint: str
    path: str
    website_id: str | None
    day: str | None
    params: dict[str, str]
    status: int = 0
    fault: str | None = None
    at: float = field(default_factory=time.time)


class RequestLog:
    """Every request each fake vendor received, in order of arrival."""

    def __init__(self) -> None:
        self._entries: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def append(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(
        self, vendor: str | None = None, endpoint: str | None = None
    ) -> list[LoggedRequest]:
        with self._lock:
            return [
                e
                for e in self._entries
                if (vendor is None or e.vendor == vendor)
                and (endpoint is None or e.endpoint == endpoint)
            ]


class _QuietServer(ThreadingHTTPServer):
    """A client that goes away mid-answer (a timeout, a stopped run) is not an error worth
    a traceback in the test output; anything else still prints as before."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # BrokenPipeError, ConnectionResetError, ConnectionAbortedError
        super().handle_error(request, client_address)


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile(f"^{pattern}$")


class SandboxServer:
    """Serves one fake vendor on 127.0.0.1 at a free port, in a background thread."""

    def __init__(self, app: App, faults: FaultSet, log: RequestLog, latency: float = 0.0) -> None:
        self.app = app
        self.faults = faults
        self.log = log
        self.latency = latency
        self._routes = [(template, _compile(template), h) for template, h in app.routes()]
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=f"sandbox-{self.app.vendor}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def handle(self, request: Request) -> tuple[Answer | None, LoggedRequest]:
        """Route, log and answer one request; None as the answer means: reset the connection."""
        endpoint, handler = request.path, None
        prefix = self.app.prefix
        path = request.path[len(prefix) :] if request.path.startswith(prefix) else None
        for template, pattern, route_handler in self._routes:
            match = pattern.match(path) if path is not None else None
            if match:
                endpoint, handler = template, route_handler
                request.path_args = match.groupdict()
                break
        entry = LoggedRequest(
            vendor=self.app.vendor,
            method=request.method,
            endpoint=endpoint,
            path=request.path,
            website_id=request.path_args.get("website_id"),
            day=self.app.window_day(request),
            params=dict(request.params),
        )
        self.log.append(entry)
        if self.latency:
            time.sleep(self.latency)
        answer = self._answer(request, entry, handler)
        if answer is not None:
            self.app.decorate(request, answer)
        entry.status = answer.status if answer is not None else 0
        return answer, entry

    def _answer(
        self, request: Request, entry: LoggedRequest, handler: Handler | None
    ) -> Answer | None:
        if handler is None:
            return Answer(404, {"message": "The requested URL could not be found."})
        if request.method != "GET" and not request.path.endswith("/token"):
            return Answer(405, {"message": "Method Not Allowed"})
        denied = self.app.authorize(request)
        if denied is not None:
            return denied
        fault = self.faults.draw(self.app.vendor, entry)
        if fault is not None:
            entry.fault = fault.kind
            injected = _inject(fault)
            if fault.kind not in ("slow", "drip", "malformed", *BODY_FAULTS):
                return injected
        try:
            body = handler(request)
        except ApiError as exc:
            payload: dict[str, Any] = {"message": exc.message}
            if exc.code is not None:
                payload["code"] = exc.code
            return Answer(exc.status, payload)
        answer = body if isinstance(body, Answer) else Answer(200, body)
        if fault is not None and fault.kind in BODY_FAULTS:
            if fault.kind == "repeat-page" and "offset" in request.params:
                request.params["offset"] = "0"
                answer = Answer(200, handler(request))
            answer.body = _mutate(fault, answer.body)
        if fault is not None and fault.kind == "drip":
            answer.rate = fault.rate
        if fault is not None and fault.kind == "malformed":
            encoded = orjson.dumps(answer.body)
            answer = Answer(200, encoded[: max(1, len(encoded) // 2)])
        return answer

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as two writes; with Nagle on, the body waits for the
            # client's delayed ACK (~40 ms a call on Linux), a stall no real vendor has.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return None  # the RequestLog is the log; keep stderr quiet

            def _serve(self, method: str) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                params = {k: v[-1] for k, v in parse_qs(split.query).items()}
                if method == "POST" and body:
                    params.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
                request = Request(method, split.path, params, dict(self.headers.items()), body)
                answer, _entry = server.handle(request)
                if answer is None:
                    self.close_connection = True
                    self.connection.close()
                    return
                if isinstance(answer.body, bytes):
                    payload = answer.body
                    content_type = answer.headers.pop("Content-Type", "application/json")
                else:
                    payload = orjson.dumps(answer.body)
                    content_type = "application/json; charset=utf-8"
                self.send_response(answer.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if answer.rate is None:
                    self.wfile.write(payload)
                    return
                step = max(1, int(answer.rate / 4))  # four writes a second
                for start in range(0, len(payload), step):
                    self.wfile.write(payload[start : start + step])
                    self.wfile.flush()
                    time.sleep(step / answer.rate)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return _Handler


def _inject(fault: Fault) -> Answer | None:
    if fault.kind == "429":
        return Answer(429, {"message": "Too Many Requests"})
    if fault.kind == "429-retry-after":
        return Answer(
            429, {"message": "Too Many Requests"}, {"Retry-After": f"{fault.retry_after_value():g}"}
        )
    if fault.kind in ("500", "503"):
        return Answer(int(fault.kind), {"message": "Service trouble, try again later."})
    if fault.kind == "slow":
        time.sleep(fault.delay)
        return None
    if fault.kind == "html":
        return Answer(
            200,
            b"<html><body><h1>Maintenance</h1></body></html>",
            {"Content-Type": "text/html; charset=utf-8"},
        )
    if fault.kind == "reset":
        return None
    return Answer(200, {})  # "malformed": the handler's body is cut in half afterwards


def _mutate(fault: Fault, body: Any) -> Any:
    """Break a JSON body the way `fault` says: the first list found is the target."""
    rows, holder = _first_list(body)
    if fault.kind == "empty-page" and rows is not None:
        rows.clear()
    elif fault.kind == "total-mismatch" and isinstance(holder, dict):
        if isinstance(holder.get("count"), int):
            holder["count"] += 1
        pagination = holder.get("pagination")
        if isinstance(pagination, dict):
            pagination["total"] += 1
    elif fault.kind == "no-pagination" and isinstance(holder, dict):
        holder.pop("pagination", None)
    elif fault.kind == "out-of-window" and rows and isinstance(rows[0].get(fault.field), str):
        stamp = rows[0][fault.field]
        later = date.fromisoformat(stamp[:10]) + timedelta(days=8)
        rows[0][fault.field] = later.isoformat() + stamp[10:]
    elif fault.kind == "new-field" and rows is not None:
        for row in rows:
            if isinstance(row, dict):
                row[fault.field] = {"surprise": True}
    elif rows and isinstance(rows[0], dict):
        first = rows[0]
        if fault.kind == "missing-field":
            first.pop(fault.field, None)
        elif fault.kind == "wrong-type":
            first[fault.field] = (
                "not-a-number" if isinstance(first.get(fault.field), int | float) else 12345
            )
        elif fault.kind == "set-field":
            first[fault.field] = fault.value
        elif fault.kind == "null-key":
            first[fault.field] = None
        elif fault.kind == "duplicate-key":
            rows.append(dict(first))
    return body


def _first_list(body: Any) -> tuple[list[Any] | None, Any]:
    if isinstance(body, list):
        return body, None
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, list):
                return value, body
        inner = [v for v in body.values() if isinstance(v, dict)]
        if len(inner) == 1:  # {"funnel": {..., "steps": [...]}}: the list one level down
            return _first_list(inner[0])
    return None, body
