"""The dashboard over a real state store (SQLite), through HTTP with Starlette's test client: what each
page and JSON endpoint shows, polling with ETags, and that nothing can be written."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from dashboard_store import build_store  # noqa: E402
from optimiser.reports.serve import create_app, is_loopback  # noqa: E402

ROUTES = ["/", "/runs/1", "/runs/4", "/api/runs", "/api/schedules/latest", "/api/schedules/2026-07-16",
          "/api/runs/2/schedule", "/no/such/page"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory):
    """The test store on SQLite, and in a fresh database of the throwaway PostgreSQL server."""
    location = None
    if request.param == "postgresql":
        import uuid

        import pg_server

        location = pg_server.create_database(request.getfixturevalue("postgres_base"), f"d{uuid.uuid4().hex[:12]}")
    return build_store(tmp_path_factory.mktemp("dashboard"), location)


@pytest.fixture(scope="module")
def client(store):
    return TestClient(create_app(store))


def test_latest_schedule_is_the_intraday_update(client):
    """The newest date is 2026-07-16; its schedule in force is run 3's intraday update (the day-ahead
    version stays available with ?kind=day-ahead). The battery case charges 50 kW in the four cheapest
    small hours from 50 kWh (day 1 left it empty, hand-worked in test_operations_dayahead): import 150 kW."""
    body = client.get("/api/schedules/latest").json()
    assert (body["run_id"], body["operating_date"], body["kind"], body["version"]) == (3, "2026-07-16", "intraday", 1)
    assert body["steps"] == 24 and body["step_minutes"] == 60 and len(body["records"]) == 24
    assert body["records"][0]["time"] == "2026-07-16T00:00:00+08:00"
    assert body["units"]["grid_import_kw"] == "kW" and body["units"]["store_soc_kwh"] == "kWh"
    assert [r["grid_import_kw"] for r in body["records"][:4]] == pytest.approx([150.0] * 4)
    day_ahead = client.get("/api/schedules/2026-07-16", params={"kind": "day-ahead"}).json()
    assert day_ahead["run_id"] == 2 and day_ahead["kind"] == "day-ahead"
    assert client.get("/api/schedules/2026-07-15").json()["run_id"] == 1


def test_polling_with_etag(client):
    first = client.get("/api/schedules/2026-07-16")
    tag = first.headers["etag"]
    again = client.get("/api/schedules/2026-07-16", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/api/schedules/2026-07-16", params={"kind": "day-ahead"}, headers={"If-None-Match": tag})
    assert other.status_code == 200


def test_bad_requests_and_missing_things(client):
    assert client.get("/api/schedules/2026-13-01").status_code == 400
    assert client.get("/api/schedules/2026-07-16", params={"kind": "weekly"}).status_code == 400
    assert client.get("/api/schedules/2026-07-20").status_code == 404
    assert client.get("/api/runs/4/schedule").status_code == 404  # failed run: nothing stored
    assert client.get("/runs/99").status_code == 404


def test_history_and_run_pages(client):
    runs = client.get("/api/runs").json()
    assert [(r["run"], r["status"], r["current"]) for r in runs] == [
        (4, "failed", ""), (3, "ok", "*"), (2, "ok", "*"), (1, "ok", "*")]
    page = client.get("/").text
    assert 'href="/runs/4"' in page and "ScenarioError" in page and "intraday version 1" in page
    failed = client.get("/runs/4").text
    assert "exit code 2" in failed and "No schedule stored" in failed and "2026-07-25" in failed
    ok = client.get("/runs/3").text
    assert "fixed as dispatched by run 2" in ok and "year_to_date_import_kwh" in ok
    assert ok.count('<img src="data:image/png;base64,') == 1


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_nothing_can_be_written(client, store, method):
    """Every route, known or not, refuses every method but GET and HEAD; the store is unchanged."""
    before = client.get("/api/runs").json()
    for route in ROUTES:
        response = client.request(method, route, content=b"{}")
        assert response.status_code == 405, (method, route)
        assert response.headers["allow"] == "GET, HEAD"
    assert client.get("/api/runs").json() == before
    assert client.head("/").status_code == 200


def test_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def test_serve_command_end_to_end(store, tmp_path):
    """``parkdispatch serve`` in its own process on a free loopback port: it serves the store and refuses a
    write; a store file that does not exist is refused (exit 2) rather than created."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    missing = subprocess.run([sys.executable, "-m", "optimiser", "serve", "--store", str(tmp_path / "none.sqlite")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "no state store" in missing.stderr
    assert not (tmp_path / "none.sqlite").exists()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    location = store.url.removeprefix("sqlite:///")  # a file path, or the PostgreSQL URL
    proc = subprocess.Popen([sys.executable, "-m", "optimiser", "serve", "--store", location, "--port", str(port)],
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/runs", timeout=5) as response:
                    runs = json.loads(response.read())
                break
            except urllib.error.URLError:
                assert time.monotonic() < deadline and proc.poll() is None, "serve did not come up"
                time.sleep(0.2)
        assert [r["run"] for r in runs] == [4, 3, 2, 1]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/runs", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 405
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert f"on http://127.0.0.1:{port}/" in err
