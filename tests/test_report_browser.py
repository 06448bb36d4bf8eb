"""The report in a real browser: headless Chromium opens the file with the network off, and we
check that it made no request, logged no error, and drew every chart; screenshots are kept in
test-artifacts/ (``SPARKIFY_TEST_UPDATE_SCREENSHOT=1`` also refreshes docs/report.png).

Chromium is driven over the DevTools protocol on ``--remote-debugging-pipe`` (fd 3 in, fd 4
out, NUL-terminated JSON), so no websocket library is needed.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sparkify.config import load_settings
from sparkify.report import write_report
from sparkify.targets import open_target
from tests.conftest import IN_CI
from tests.helpers import run_load
from tests.report_sample import CHARTS, NOW
from tests.sample import ROOT

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    "--proxy-server=127.0.0.1:9",  # network off: any request goes to a closed local port
    "--proxy-bypass-list=<-loopback>",
)


class Browser:
    """One headless Chromium process and one page, spoken to over the DevTools pipe."""

    def __init__(self, exe: str, profile: Path, timeout: float = 30.0) -> None:
        self.timeout = timeout
        child_in, self._out = os.pipe()
        self._in, child_out = os.pipe()

        def wire_fds() -> None:  # in the child, before exec: the pipe ends become fds 3 and 4
            a = fcntl.fcntl(child_in, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(child_out, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            preexec_fn=wire_fds,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(child_in)
        os.close(child_out)
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._id = 0
        self.session: str | None = None
        self.events: list[dict[str, Any]] = []

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._in, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                self._messages.put(json.loads(raw))

    def _next(self, deadline: float) -> dict[str, Any]:
        try:
            return self._messages.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty as e:
            raise TimeoutError("Chromium did not answer in time") from e

    def send(self, method: str, params: dict[str, Any] | None = None, *, page: bool = True) -> Any:
        """One command's result; events arriving meanwhile are kept in ``events``."""
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if page and self.session:
            msg["sessionId"] = self.session
        os.write(self._out, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while (reply := self._next(deadline)).get("id") != self._id:
            self.events.append(reply)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def open(self, url: str, width: int, height: int = 800, *, mobile: bool = False) -> None:
        """Open ``url`` in a new page of the given viewport and wait for its load event."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, page=False)
        attach = {"targetId": target["targetId"], "flatten": True}
        self.session = self.send("Target.attachToTarget", attach, page=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
        self.send("Emulation.setDeviceMetricsOverride", metrics)
        self.send("Page.navigate", {"url": url})
        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._next(deadline))

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression evaluated in the page."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        """A PNG of the whole page."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        params = {"format": "png", "captureBeyondViewport": True, "clip": clip}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", params)["data"]))

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, and requests for anything but
        the file itself, seen so far."""
        out = []
        for event in self.events:
            method, p = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and p["type"] in ("error", "warning", "assert"):
                out.append(f"console.{p['type']}: {[a.get('value') for a in p['args']]}")
            elif method == "Runtime.exceptionThrown":
                out.append(f"exception: {p['exceptionDetails'].get('text')}")
            elif method == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                out.append(f"log ({p['entry']['source']}): {p['entry']['text']}")
            elif method == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if not url.startswith(("file://", "data:")):
                    out.append(f"request: {url}")
        return out

    def close(self) -> None:
        """Close the browser and wait for its process."""
        with contextlib.suppress(OSError, TimeoutError, RuntimeError):
            self.send("Browser.close", page=False)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._out)
        os.close(self._in)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """Headless Chromium (a skip where it is not installed; a failure in CI)."""
    exe = next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
    )
    if exe is None:
        if IN_CI:
            pytest.fail("Chromium must be installed in CI: apt-get install chromium")
        pytest.skip("headless Chromium is not installed")
    b = Browser(exe, tmp_path / "profile")
    yield b
    b.close()


@pytest.fixture
def report_file(sample: Path, tmp_path: Path) -> Path:
    """The report of the real sample, written to a file (the warehouse is the default
    ./sparkify.duckdb of the test's working folder, so the page shows a tidy URL)."""
    url = "duckdb:///sparkify.duckdb"
    run_load(url, sample)
    target = open_target(load_settings(overrides={"target": url}, env={}))
    target.connect(read_only=True)
    try:
        write_report(target, tmp_path / "report.html", now=NOW)
    finally:
        target.close()
    return tmp_path / "report.html"


CHART_STATE = """
[...document.querySelectorAll('svg.chart-svg')].map(svg => {
  const box = svg.getBoundingClientRect(), style = getComputedStyle(svg);
  const marks = [...svg.querySelectorAll('rect[data-value]')];
  const named = (svg.getAttribute('aria-labelledby') || '').split(' ')
    .map(id => (document.getElementById(id) || {}).textContent || '');
  return {
    id: svg.closest('figure').id, width: box.width, height: box.height,
    shown: style.display !== 'none' && style.visibility === 'visible',
    role: svg.getAttribute('role'), named: named.length === 2 && named.every(t => t.length > 10),
    marks: marks.length,
    drawn: marks.filter(m => { const b = m.getBBox();
      return Number(m.dataset.value) === 0 || (b.width > 0 && b.height > 0); }).length,
    painted: marks.every(m => !['none', 'rgb(0, 0, 0)'].includes(getComputedStyle(m).fill)),
    caption: svg.closest('figure').querySelector('figcaption h3').textContent,
  };
})
"""


LOADS_STATE = """
(() => {
  const section = document.getElementById('loads-h').closest('section');
  const card = document.getElementById('loads-runs'), box = card.getBoundingClientRect();
  const cells = [...card.querySelectorAll('tbody tr:first-child td')].map(td => td.textContent);
  const summary = [...document.querySelectorAll('.card')].find(
    c => c.querySelector('h3').textContent === 'Load summary');
  return {
    heading: section.querySelector('h2').textContent, runs: card.querySelectorAll('tbody tr').length,
    loaded: cells[2], plays: cells[3], outcome: cells[4], last: card.querySelector('p').innerText,
    visible: box.width > 400 && box.height > 60, summary: summary.querySelector('p').innerText,
  };
})()
"""


def test_report_opens_offline_without_errors_and_draws_every_chart(
    browser: Browser, report_file: Path
) -> None:
    browser.open(report_file.as_uri(), 1366, 768)
    assert browser.problems() == []
    assert browser.evaluate("document.documentElement.lang") == "en"
    assert "You're The One" in browser.evaluate("document.body.innerText")
    charts = {c["id"]: c for c in browser.evaluate(CHART_STATE)}
    assert set(charts) == set(CHARTS)
    for chart_id, marks in CHARTS.items():
        c = charts[chart_id]
        assert c["shown"] and c["role"] == "img" and c["named"] and c["caption"], c
        assert c["width"] > 400 and c["height"] > 60, c
        assert c["marks"] == c["drawn"] == marks and c["painted"], c
    loads = browser.evaluate(LOADS_STATE)
    assert loads["heading"] == "Loads" and loads["runs"] == 1, loads
    loaded = (
        "101 new files, 0 changed files, 8,127 records read, 0 rejected"  # 8,056 events, 71 songs
    )
    assert (loads["loaded"], loads["plays"], loads["outcome"]) == (loaded, "6,820", "committed")
    assert loads["last"].startswith("1 run recorded here. Last loaded "), loads
    assert loads["visible"] and "Last loaded " in loads["summary"], loads
    browser.screenshot(ARTIFACTS / "report.png")
    if os.environ.get("SPARKIFY_TEST_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(ARTIFACTS / "report.png", ROOT / "docs" / "report.png")


def test_report_is_one_column_on_a_narrow_screen(browser: Browser, report_file: Path) -> None:
    browser.open(report_file.as_uri(), 390, 844, mobile=True)
    assert browser.problems() == []
    page_width = browser.evaluate("document.documentElement.scrollWidth")
    lefts = browser.evaluate(
        "[...document.querySelectorAll('.card')].map(c => Math.round(c.getBoundingClientRect().left))"
    )
    assert page_width <= 390  # wide charts scroll inside their card, not the page
    assert len(lefts) > len(CHARTS) and len(set(lefts)) == 1
    browser.screenshot(ARTIFACTS / "report-narrow.png")


def test_the_browser_check_sees_errors_and_requests(browser: Browser, tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><img src="http://example.com/x.png">'
        '<script>console.error("boom"); throw new Error("bang");</script></body></html>'
    )
    browser.open(bad.as_uri(), 800)
    found = "\n".join(browser.problems())
    assert "request: http://example.com/x.png" in found
    assert "console.error: ['boom']" in found
    assert "exception: Uncaught" in found
