"""A real headless Chromium (Debian's ``chromium`` and ``chromium-driver``) driven by selenium, for the
page tests: every figure rendered, every request the page made, the console's errors.

Skips (or fails, with ``PARKDISPATCH_REQUIRE_CHROMIUM=1`` as in CI) when Chromium is not installed.
No browser is downloaded: the binary and the driver are the distribution's.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field

import pytest

CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--disable-default-apps", "--disable-extensions", "--window-size=1300,900")

FIGURES_JS = """
return Array.from(document.querySelectorAll('figure')).map(f => {
  const img = f.querySelector('img'), svg = f.querySelector('svg');
  if (img) return {id: f.id, kind: 'img', complete: img.complete, width: img.naturalWidth, height: img.naturalHeight};
  if (svg) { const r = svg.getBoundingClientRect(); return {id: f.id, kind: 'svg', complete: true, width: r.width, height: r.height}; }
  return {id: f.id, kind: 'none', complete: false, width: 0, height: 0};
});
"""


@dataclass
class Page:
    """What a loaded page showed: its figures, the URLs it requested, its console errors."""

    title: str
    figures: list[dict]
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    text: str = ""


class Browser:
    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.profile = tempfile.mkdtemp(prefix="parkdispatch-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (*FLAGS, f"--user-data-dir={self.profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(DRIVER))
        self.driver.get("about:blank")  # the start page's own chrome:// loads go to the drained log

    def open(self, url: str, screenshot: str | None = None) -> Page:
        """Load ``url``, wait for it, and report what it did (logs of earlier pages discarded)."""
        self.driver.get_log("performance"), self.driver.get_log("browser")
        self.driver.get(url)
        self.driver.execute_script("return document.readyState")
        figures = self.driver.execute_script(FIGURES_JS)
        if screenshot:
            height = self.driver.execute_script("return document.body.scrollHeight")
            self.driver.set_window_size(1300, min(int(height) + 40, 4000))
            self.driver.save_screenshot(screenshot)
            self.driver.set_window_size(1300, 900)
        requests = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                requests.append(message["params"]["request"]["url"])
        errors = [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        return Page(self.driver.title, figures, requests, errors, self.driver.find_element("tag name", "body").text)

    def close(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)


def start_browser() -> Browser:
    """A Browser, or a skip naming why not (a failure under PARKDISPATCH_REQUIRE_CHROMIUM=1)."""
    missing = [p for p in (CHROMIUM, DRIVER) if not os.path.exists(p)]
    reason = None
    if missing:
        reason = f"{', '.join(missing)} not installed (Debian packages chromium, chromium-driver; .ci/run installs them)"
    else:
        try:
            return Browser()
        except Exception as exc:  # a broken install: say what failed
            reason = f"Chromium did not start: {exc}"
    if os.environ.get("PARKDISPATCH_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"Chromium required but unavailable: {reason}")
    pytest.skip(reason)
