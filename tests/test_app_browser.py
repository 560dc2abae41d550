"""The SolaraViz page (sim/abm/app.py) as a user sees it: ``solara run`` serves it, headless
Chromium loads it with every address but this machine's unreachable, STEP is pressed, and the
pages show the goal charts and the network (page 0) and the agent table (page 1).

The browser is the system's Chromium (Debian's package ``chromium``, installed by ``.ci/run``),
driven by Playwright for Python (the ``test`` extra; Playwright's own browser download is not
used). Without Chromium the test is skipped, except under CI (``CI`` set), where it fails.
A screenshot of each state is written to the test's temporary folder (and to
``$INNOVSIM_SCREENSHOTS`` if set), to look at.

About 30 s (the server's start and the model's first years), so marked slow."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "sim" / "abm" / "app.py"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  # offline: no name but this machine resolves, as where jsDelivr is unreachable
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
LOCAL = "http://127.0.0.1:"
ON_THIS_MACHINE = (LOCAL, "blob:" + LOCAL, "data:")


def _chromium() -> str:
    path = os.environ.get("INNOVSIM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium: .ci/run installs Debian's chromium package")
        pytest.skip("no Chromium (apt-get install chromium)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, server: subprocess.Popen, timeout: float = 120.0) -> None:
    """Until the server accepts connections (or fail with its output if it exits first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"solara run exited with {server.returncode}:\n{server.stdout.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    pytest.fail(f"solara run did not listen on port {port} within {timeout:.0f} s")


@pytest.fixture
def served_page():
    """The app served by ``solara run --production`` on a free local port; its URL."""
    pytest.importorskip("solara")
    pytest.importorskip("solara_assets", reason="the viz extra's solara-assets (Solara's front end)")
    port = _free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    server = subprocess.Popen(
        [sys.executable, "-m", "solara", "run", str(APP), "--port", str(port), "--host", "127.0.0.1",
         "--production", "--no-open"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for_port(port, server)
        yield f"{LOCAL}{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _screenshot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=True)
    folder = os.environ.get("INNOVSIM_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, Path(folder) / name)


def _chart_sources(page) -> list[str]:
    """The src of every drawn image (the matplotlib figures) whose picture has loaded."""
    return page.eval_on_selector_all(
        "img", "els => els.filter(e => e.complete && e.naturalWidth > 100).map(e => e.src)")


def test_page_offline_shows_charts_network_and_table_after_step(served_page, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = _chromium()
    outside, failed = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda r: None if r.url.startswith(ON_THIS_MACHINE) else outside.append(r.url))
            page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
            page.on("response", lambda r: failed.append(f"{r.url} ({r.status})") if r.status >= 400 else None)
            page.goto(served_page, timeout=60_000)
            step = page.get_by_role("button", name="Step")
            step.wait_for(timeout=90_000)

            # the sliders: short labels, each slider's track on screen beside its label
            for label in ("Fiscal support, m/yr", "Recruitment, m/yr", "Registration, m/yr"):
                row = page.locator(".v-input", has_text=label).first
                row.wait_for(timeout=10_000)
                track = row.locator(".v-slider").first.bounding_box()
                assert track is not None and track["width"] > 100, f"the {label!r} slider is squeezed: {track}"
            guide = page.get_by_text("Levers: what the slider labels stand for")     # the guide, folded
            guide.wait_for(timeout=10_000)
            guide.click()
            page.get_by_text("Fiscal and financial support for S&T innovation", exact=False).wait_for(timeout=10_000)
            page.wait_for_function("document.querySelectorAll('img').length >= 2", timeout=60_000)
            before = _chart_sources(page)
            _screenshot(page, tmp_path, "app_start.png")

            step.click()
            page.wait_for_function(
                "old => { const s = [...document.querySelectorAll('img')].filter(e => e.complete && "
                "e.naturalWidth > 100).map(e => e.src); return s.length >= 2 && s.every(x => !old.includes(x)); }",
                arg=before, timeout=90_000)
            charts = _chart_sources(page)
            assert len(charts) == 2 and all(c.startswith(("blob:" + LOCAL, "data:image/png")) for c in charts)
            sizes = page.eval_on_selector_all("img", "els => els.map(e => [e.naturalWidth, e.naturalHeight])")
            assert all(w > 300 and h > 300 for w, h in sizes), sizes
            _screenshot(page, tmp_path, "app_step.png")

            page.get_by_role("tab", name="Page 1").click()
            table = page.get_by_text("agents in", exact=False).first
            table.wait_for(timeout=60_000)
            assert "of" in table.inner_text()
            assert page.locator("table tbody tr").count() >= 10     # the first page of rows
            page.wait_for_timeout(1500)          # the tab's slide-in, for the picture only
            _screenshot(page, tmp_path, "app_table.png")
        finally:
            browser.close()
    assert outside == [], f"the page asked for addresses outside this machine: {outside[:5]}"
    assert failed == [], f"requests that failed: {failed[:5]}"
