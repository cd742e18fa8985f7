"""``parkdispatch serve``: the read-only dashboard of the daily job over the state store (Starlette on uvicorn).

Pages: ``/`` (latest schedule, chart and table; the runs with status and flags), ``/runs/{id}`` (one
run). JSON for a park's energy management system to poll: ``/api/schedules/latest``,
``/api/schedules/{YYYY-MM-DD}[?kind=day-ahead|intraday]`` (the date's schedule in force: intraday
before day-ahead), ``/api/runs/{id}/schedule`` (the version a run stored) and ``/api/runs``. Schedule
responses carry an ``ETag`` (the stored schedule's id): a poll with ``If-None-Match`` gets 304 until a
new version is stored. Only GET and HEAD exist: any other method is answered 405. Binds to 127.0.0.1
unless told otherwise; it has no authentication, so put a proxy with one in front before exposing it.
"""

from __future__ import annotations

import ipaddress
import json
import sys
from datetime import date
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..operations.history import history_frame
from ..errors import ScenarioError
from ..operations.store import Store, store_url
from . import dashboard

READ_METHODS = ("GET", "HEAD")
HEADERS = {"Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}


class ReadOnly:
    """Answer every method but GET and HEAD with 405, whatever the path (nothing can write)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in READ_METHODS:
            response = Response("read-only dashboard: only GET and HEAD\n", status_code=405,
                                headers={"Allow": ", ".join(READ_METHODS)})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(store: Store) -> Starlette:
    """The dashboard over ``store`` (see module doc)."""

    def html(text: str | None, status: int = 200) -> Response:
        if text is None:
            return Response("not found\n", status_code=404)
        return HTMLResponse(text, status_code=status, headers=HEADERS)

    def schedule_response(request: Request, schedule) -> Response:
        if schedule is None:
            return JSONResponse({"error": "no schedule stored"}, status_code=404)
        tag = f'"schedule-{schedule.id}"'
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers={"ETag": tag})
        return JSONResponse(dashboard.schedule_json(schedule), headers={"ETag": tag, **HEADERS})

    def index(request: Request) -> Response:
        return html(dashboard.index_page(store))

    def run(request: Request) -> Response:
        return html(dashboard.run_page(store, request.path_params["run_id"]))

    def runs(request: Request) -> Response:
        frame = history_frame(store, _int(request.query_params.get("limit")))
        return JSONResponse(json.loads(frame.to_json(orient="records")), headers=HEADERS)

    def latest(request: Request) -> Response:
        return schedule_response(request, dashboard.latest_schedule(store))

    def by_date(request: Request) -> Response:
        kind = request.query_params.get("kind")
        if kind not in (None, *dashboard.KIND_ORDER):
            return JSONResponse({"error": f"kind={kind!r}: day-ahead or intraday"}, status_code=400)
        try:
            day = date.fromisoformat(request.path_params["day"])
        except ValueError:
            return JSONResponse({"error": f"{request.path_params['day']!r}: not a date YYYY-MM-DD"}, status_code=400)
        return schedule_response(request, dashboard.in_force(store, day, kind))

    def by_run(request: Request) -> Response:
        return schedule_response(request, dashboard.run_of(store, request.path_params["run_id"])[1])

    routes = [Route("/", index, methods=READ_METHODS), Route("/runs/{run_id:int}", run, methods=READ_METHODS),
              Route("/api/runs", runs, methods=READ_METHODS),
              Route("/api/schedules/latest", latest, methods=READ_METHODS),
              Route("/api/schedules/{day}", by_date, methods=READ_METHODS),
              Route("/api/runs/{run_id:int}/schedule", by_run, methods=READ_METHODS)]
    return Starlette(routes=routes, middleware=[Middleware(ReadOnly)])


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(store_location: str | None, host: str = "127.0.0.1", port: int = 8080) -> int:
    """Run the dashboard until interrupted (``parkdispatch serve``)."""
    import uvicorn

    url = store_url(store_location)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise ScenarioError(f"--store: no state store at {url.removeprefix('sqlite:///')} (the dashboard only reads; "
                            "a day-ahead job creates it)")
    store = Store(store_location)
    if not is_loopback(host):
        print(f"parkdispatch serve: warning: listening on {host}, not loopback; the dashboard has no "
              "authentication (read-only, but it shows every schedule)", file=sys.stderr)
    print(f"parkdispatch serve: store {store.where} on http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    uvicorn.run(create_app(store), host=host, port=port, log_level="warning")
    return 0
