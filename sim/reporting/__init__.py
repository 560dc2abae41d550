"""The planner's report: one self-contained HTML page (and optionally a PDF) of a run's results.

    innovsim report results/baseline --lang both --pdf
    from sim.reporting import write_report; write_report("results/baseline")

The rooms, one job each:

- ``catalogue.py``: every label in Chinese and English (one message catalogue);
- ``likelihood.py``: the IPCC calibrated likelihood words, one per probability;
- ``context.py``: the run's results folder, read into rows for the page;
- ``sections.py``: the optional sections (compare, sweep, discovery, optimisation, switching
  values, what the odds hang on, the calibration fit), each read defensively;
- ``switching.py``: switching values by logistic regression on the per-run inputs;
- ``charts.py``: the fan charts and the frontier as inline SVG;
- ``render.py``: the Jinja2 template filled and written (``templates/``);
- ``pdf.py``: the same HTML printed to an A4 PDF by headless Chromium or WeasyPrint.

Every figure on the page is labelled a model estimate; the audit appendix embeds the resolved
scenario, its hash, the version, seed and replicates, the estimated and calibrated inputs and the
model's known omissions.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "write_report": ".render",
    "build_report": ".render",
    "render_html": ".render",
    "ReportOptions": ".render",
    "html_to_pdf": ".pdf",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
