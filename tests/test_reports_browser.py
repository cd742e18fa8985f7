"""Every report page and the dashboard in a real headless Chromium: each figure present and rendered
(an image with a natural size, an SVG with a layout size), no request but to the page itself (file:// for
the self-contained reports, the loopback server for the dashboard) and inline data: images, no console error.

With PARKDISPATCH_SCREENSHOTS=1 the pages' screenshots are written to docs/ (for the README).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from chromium import start_browser

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def browser():
    b = start_browser()
    yield b
    b.close()


def screenshot(name: str) -> str | None:
    return str(DOCS / f"screenshot_{name}.png") if os.environ.get("PARKDISPATCH_SCREENSHOTS") == "1" else None


def shrink(path: str | None, height: int = 1500) -> None:
    """Crop to the first ``height`` pixels and store with a 96-colour palette: small PNGs for the README."""
    if path is None:
        return
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB").crop((0, 0, image.width, min(image.height, height)))
        image.quantize(colors=96).save(path, optimize=True)


def assert_rendered(page, figure_ids: set[str], allowed_prefix: str) -> None:
    assert {f["id"] for f in page.figures} == figure_ids
    for f in page.figures:
        assert f["complete"] and f["width"] > 100 and f["height"] > 50, f
    assert page.requests, "the performance log saw no request: the check would pass vacuously"
    assert page.requests[0].startswith(allowed_prefix)
    outside = [u for u in page.requests if not (u.startswith(allowed_prefix) or u.startswith("data:"))]
    assert outside == [], outside
    assert page.console_errors == []


@pytest.mark.parametrize("name, figures", [
    ("zhangye_direct_supply", {"fig-dispatch", "fig-emissions", "fig-direct-supply"}),
    ("dezhou_multi_energy_day", {"fig-dispatch", "fig-emissions", "fig-heat-sources"}),
])
def test_run_report_in_chromium(browser, bundled, tmp_path, name, figures):
    from optimiser.output import write_outputs

    out = write_outputs(bundled(name), tmp_path / name)
    shot = screenshot(f"run_report_{name}") if name == "zhangye_direct_supply" else None
    page = browser.open((out / "report.html").resolve().as_uri(), screenshot=shot)
    shrink(shot)
    assert_rendered(page, figures, "file://")
    assert "national threshold" in page.text and "scenario SHA-256" in page.text


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The dashboard on 127.0.0.1 at a free port (uvicorn in a thread) over the test store."""
    import uvicorn

    from dashboard_store import build_store
    from optimiser.reports.serve import create_app

    store = build_store(tmp_path_factory.mktemp("served"))
    srv = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the dashboard did not start"
        time.sleep(0.05)
    host, port = srv.servers[0].sockets[0].getsockname()[:2]
    yield f"http://{host}:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.mark.parametrize("path, figures, shot", [("/", {"fig-schedule-3"}, "dashboard"),
                                                  ("/runs/3", {"fig-schedule-3"}, "dashboard_run"),
                                                  ("/runs/4", set(), None)])
def test_dashboard_in_chromium(browser, server, path, figures, shot):
    assert server.startswith("http://127.0.0.1:")
    shot = screenshot(shot) if shot else None
    page = browser.open(server + path, screenshot=shot)
    shrink(shot)
    assert_rendered(page, figures, server)


def test_study_reports_in_chromium(browser, tmp_path):
    """The sweep (2 x 2 grid of test_sweeps), Pareto (3 points of the Dezhou day) and replay (the constructed
    table of test_study_reports) pages."""
    from test_study_reports import REPLAY, solved_sweep

    from optimiser.pareto import pareto_front, write_pareto
    from optimiser.reports.render import write_page
    from optimiser.reports.study import replay_report_html
    from optimiser.scenario import load_scenario

    sweep_out = solved_sweep(tmp_path)
    scenario = load_scenario("scenarios/dezhou_day.yaml")
    write_pareto(pareto_front(scenario, 3), scenario, tmp_path / "front")
    write_page(tmp_path / "replay.html", replay_report_html(REPLAY, title="constructed replay"))
    pages = {"sweep": (sweep_out / "report.html",
                       {"fig-cost_emissions", "fig-sensitivity", *(f"fig-heatmap-{k}" for k in
                        ("objective_cny", "emissions_tco2", "renewable_share", "kpi_clean_energy_share"))}),
             "pareto": (tmp_path / "front" / "report.html", {"fig-pareto"}),
             "replay": (tmp_path / "replay.html", {"fig-replay"})}
    for name, (path, figures) in pages.items():
        shot = screenshot(f"{name}_report")
        page = browser.open(path.resolve().as_uri(), screenshot=shot)
        shrink(shot)
        assert_rendered(page, figures, "file://")


def test_missing_chromium_is_a_stated_skip_or_a_failure_in_ci(monkeypatch, tmp_path):
    """Without the binaries the page tests skip naming what is missing; with PARKDISPATCH_REQUIRE_CHROMIUM=1
    (.ci/run) they fail instead, so CI cannot pass without having run them."""
    import chromium

    monkeypatch.setattr(chromium, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.delenv("PARKDISPATCH_REQUIRE_CHROMIUM", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-chromium not installed"):
        chromium.start_browser()
    monkeypatch.setenv("PARKDISPATCH_REQUIRE_CHROMIUM", "1")
    with pytest.raises(pytest.fail.Exception, match="Chromium required but unavailable"):
        chromium.start_browser()
