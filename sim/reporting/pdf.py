"""The report as an A4 PDF, printed from the same HTML file.

Headless Chromium (Debian package ``chromium``; also ``chromium-browser``, ``google-chrome``)
prints the page with its print style sheet (A4 by ``@page``, table rows never cut, table heads
repeated on each page); WeasyPrint (``pip install weasyprint``) is used when no Chromium is
found. Neither is a dependency: a PDF is an optional extra, and without either a clear error says
what to install. The page loads nothing from the network, so printing needs none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import UserError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 180


def find_browser() -> str | None:
    """Path of a Chromium-like browser, or None (``INNOVSIM_CHROMIUM`` names one explicitly)."""
    explicit = os.environ.get("INNOVSIM_CHROMIUM")
    if explicit:
        return shutil.which(explicit) or (explicit if Path(explicit).is_file() else None)
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def chromium_args(browser: str, profile: str) -> list[str]:
    """Headless flags that work as root and in containers, with a throw-away profile."""
    return [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            f"--user-data-dir={profile}"]


def run_browser(args: list[str], what: str) -> subprocess.CompletedProcess:
    """Run headless Chromium with ``args`` appended; UserError if it fails or hangs."""
    browser = find_browser()
    if browser is None:
        raise UserError(f"{what} needs headless Chromium; install it (Debian: apt-get install chromium) or "
                        "set INNOVSIM_CHROMIUM to the browser's path")
    with tempfile.TemporaryDirectory(prefix="innovsim-chromium-") as profile:
        try:
            done = subprocess.run(chromium_args(browser, profile) + args, capture_output=True, text=True,
                                  timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise UserError(f"{what}: {browser} did not finish within {TIMEOUT_S} s") from None
    if done.returncode != 0:
        tail = (done.stderr or "").strip().splitlines()[-1:] or ["no message"]
        raise UserError(f"{what}: {browser} failed (exit {done.returncode}: {tail[0]})")
    return done


def html_to_pdf(html_path, pdf_path) -> Path:
    """Print ``html_path`` to ``pdf_path`` (A4); Chromium if found, else WeasyPrint."""
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    from ..execution.files import atomic_path

    with atomic_path(pdf_path) as tmp:
        if find_browser() is not None:
            run_browser(["--no-pdf-header-footer", "--print-to-pdf-no-header", f"--print-to-pdf={tmp}",
                         html_path.as_uri()], "the PDF")
            if not Path(tmp).is_file() or Path(tmp).stat().st_size == 0:
                raise UserError(f"the PDF: Chromium wrote no file for {html_path}")
        else:
            try:
                from weasyprint import HTML
            except ImportError:
                raise UserError("--pdf needs headless Chromium (Debian: apt-get install chromium) or WeasyPrint "
                                "(pip install weasyprint); the HTML report was written") from None
            HTML(filename=str(html_path)).write_pdf(str(tmp))
    return pdf_path


def screenshot(html_path, png_path, width: int = 1200, height: int = 1700) -> Path:
    """A PNG of the top ``width`` x ``height`` pixels of the page, drawn by headless Chromium."""
    html_path, png_path = Path(html_path).resolve(), Path(png_path).resolve()
    run_browser(["--hide-scrollbars", f"--window-size={width},{height}", f"--screenshot={png_path}",
                 html_path.as_uri()], "the screenshot")
    return png_path


def dump_dom(html_path) -> str:
    """The page's DOM after Chromium has loaded and laid it out (``--dump-dom``)."""
    return run_browser(["--dump-dom", Path(html_path).resolve().as_uri()], "loading the page").stdout
