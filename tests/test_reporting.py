"""The planner's HTML report (sim/reporting): self-contained, bilingual, deterministic, its words,
its switching values on a case with a known answer, its optional sections read defensively, and
the page as headless Chromium draws it (skipped where Chromium is absent; .ci/run installs it)."""

from __future__ import annotations

import json
import re
import shutil
import string
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from conftest import BASELINE, run_cli
from sim.reporting.catalogue import LANGS, MESSAGES, text
from sim.reporting.likelihood import likelihood_key
from sim.reporting.render import MAX_BYTES, ReportOptions, build_report, render_html, write_report
from sim.reporting.switching import switching_value

RUNS, SEED = 120, 5
HAS_CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(not HAS_CHROMIUM, reason="headless Chromium not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A small run of the baseline written as `innovsim run --out` writes it (charts left out)."""
    from sim import load_scenario, run_scenario, write_outputs

    out = tmp_path_factory.mktemp("run")
    write_outputs(run_scenario(load_scenario(BASELINE), runs=RUNS, seed=SEED, workers=2), out, charts=False)
    return out


@pytest.fixture(scope="module")
def scenario():
    from sim import load_scenario

    return load_scenario(BASELINE)


def render(run_dir, **options) -> str:
    return render_html(build_report(run_dir, ReportOptions(timestamp=False, **options)))


def shown(s: str) -> str:
    """``s`` as the page holds it (Jinja2 escapes &, <, >, quotes)."""
    from markupsafe import escape

    return str(escape(s))


@pytest.fixture(scope="module")
def html_both(run_dir):
    return render(run_dir)


@pytest.fixture(scope="module")
def html_zh(run_dir):
    return render(run_dir, lang="zh")


# ---- the catalogue and the words ---------------------------------------------------------------

def test_catalogue_has_both_languages_with_the_same_fields():
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    for key, entry in MESSAGES.items():
        assert set(entry) == set(LANGS), key
        assert fields(entry["zh"]) == fields(entry["en"]), key


@pytest.mark.parametrize("p, word", [
    (1.0, "virtually_certain"), (0.99, "virtually_certain"), (0.985, "very_likely"), (0.90, "very_likely"),
    (0.899, "likely"), (0.66, "likely"), (0.659, "about_as_likely_as_not"), (0.33, "about_as_likely_as_not"),
    (0.329, "unlikely"), (0.101, "unlikely"), (0.10, "very_unlikely"), (0.011, "very_unlikely"),
    (0.01, "exceptionally_unlikely"), (0.0, "exceptionally_unlikely")])
def test_likelihood_words_are_mutually_exclusive_ranges(p, word):
    assert likelihood_key(p) == f"lk_{word}"
    assert likelihood_key(None) is None and likelihood_key(float("nan")) is None


# ---- the page -------------------------------------------------------------------------------------

def test_report_is_self_contained_small_and_names_every_goal_in_both_languages(run_dir, html_both, scenario):
    html = html_both
    assert len(html.encode()) < MAX_BYTES
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)   # no network asset
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"url\((?!#)", html)                                         # only local SVG refs
    assert html.count("<svg") >= len(scenario.goals)                                   # one fan chart a goal
    summary = json.loads((run_dir / "summary.json").read_text())
    answer = html[html.index('id="answer"'):html.index('id="fans"')]
    for gid, goal in scenario.goals.items():
        assert shown(goal.name) in answer and goal.name_zh in answer, gid
        p = summary["goals"][gid]["probability"]
        assert f"{100 * p:.1f}%" in answer[answer.index(f'id="odds-{gid}"'):], gid    # its odds on page one
    for key in ("answer", "fans", "switching", "calibration", "audit", "estimate_banner"):
        assert shown(text(key, "zh")) in html and shown(text(key, "en")) in html, key
    assert "hc_gdp" in html                         # the calibration fit: the baseline draws from the posterior
    import html as html_lib

    embedded = re.search(r'<pre class="scenario" id="scenario-json">(.*?)</pre>', html, re.S).group(1)
    assert json.loads(html_lib.unescape(embedded)) == json.loads((run_dir / "scenario.json").read_text())


def test_zh_report_shows_every_chinese_goal_and_lever_name_and_no_english_heading(html_zh, scenario):
    html = html_zh
    for goal in scenario.goals.values():
        assert goal.name_zh in html
    for lever in scenario.levers.active().values():
        assert lever.name_zh in html
    assert shown(text("fans", "zh")) in html and shown(text("fans", "en")) not in html
    assert text("lk_exceptionally_unlikely", "zh") in html or text("lk_very_unlikely", "zh") in html


def test_same_results_give_the_same_bytes_with_the_timestamp_off(run_dir, tmp_path):
    a = write_report(run_dir, tmp_path / "a.html", ReportOptions(lang="en", timestamp=False))[0].read_bytes()
    b = write_report(run_dir, tmp_path / "b.html", ReportOptions(lang="en", timestamp=False))[0].read_bytes()
    assert a == b
    assert b"Generated " not in a


def test_goal_year_come_is_marked_and_observed_figures_are_shown_when_the_summary_has_them(run_dir, html_zh,
                                                                                          tmp_path):
    import datetime

    from sim.reporting.context import goal_rows, load_run

    rows = {r["id"]: r for r in goal_rows(load_run(run_dir), as_of_year=2026)}
    assert rows["hte_250"]["due"] and not rows["first_tier_2035"]["due"]
    # the run's record (sim.record, in summary.json) lists the zone observed not national up to 2025
    assert rows["national_htz"]["observed"]["observed"].startswith("national_htz = 0 in 2018")
    assert text("due_observed", "zh") in html_zh          # rendered today, December 2026 or later
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    summary = json.loads((copy / "summary.json").read_text())
    summary["goals"]["hte_250"]["observed"] = {"hte_count": 187, "year": 2025}
    (copy / "summary.json").write_text(json.dumps(summary))
    html = render(copy, lang="en", as_of=datetime.date(2026, 12, 1))
    assert shown("{'hte_count': 187, 'year': 2025}") in html and text("due_observed", "en") in html


def test_report_txt_fits_a_printed_page(run_dir):
    from sim.report import display_width

    lines = (run_dir / "report.txt").read_text(encoding="utf-8").splitlines()
    assert max(display_width(line) for line in lines) <= 100
    assert any("initial." in line for line in lines)        # the estimates, wrapped, not dropped


# ---- switching values -------------------------------------------------------------------------------

def test_switching_value_of_a_threshold_goal_is_the_threshold():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, 400)
    value, rising, _, clear = switching_value(x, x > 0.3)
    # perfect separation: the crossing lies between neighbouring draws, 1/400 apart on average
    assert clear and rising and value == pytest.approx(0.3, abs=0.01)
    value, rising, _, _ = switching_value(x, x < 0.7)
    assert not rising and value == pytest.approx(0.7, abs=0.01)


def test_switching_value_of_a_noisy_logistic_and_the_cases_without_one():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, 2000)
    y = rng.uniform(size=x.size) < 1 / (1 + np.exp(-(x - 0.6) / 0.05))
    # location of a logistic of scale 0.05 over 2,000 uniform draws: se about 0.006; 0.03 is 5 se
    assert switching_value(x, y)[0] == pytest.approx(0.6, abs=0.03)
    assert switching_value(x, y, threshold=0.2)[0] == pytest.approx(0.6 + 0.05 * np.log(0.25), abs=0.03)
    noise = rng.uniform(size=x.size)
    assert switching_value(noise, y)[3] is False                                     # does not matter
    far = rng.uniform(size=x.size) < 1 / (1 + np.exp(-(x - 1.5) / 0.2))           # crosses 50% at 1.5 > max
    value, rising, _, clear = switching_value(x, far)
    assert clear and rising and value is None


def test_switching_section_finds_the_input_a_goal_depends_on(tmp_path):
    """A goal that holds exactly when one drawn input exceeds 0.3, beside an input it ignores."""
    from sim.reporting.sections import switching_section
    from sim.results import Results
    from sim.scenario.schema import Goal

    rng = np.random.default_rng(3)
    n, years = 300, np.arange(2025, 2028)
    u, other = rng.uniform(0, 1, n), rng.normal(size=n)
    results = Results("case", 1, years, {"hte_count": np.repeat(u[:, None], years.size, axis=1)},
                      replicate_offset=10)
    pd.DataFrame({"replicate": np.arange(10, 10 + n)[::-1], "uncertainties.u": u[::-1],
                  "uncertainties.other": other[::-1], "posterior.particle": np.arange(n)}).to_parquet(
        tmp_path / "inputs.parquet")                                               # rows in another order
    goal = Goal(name="g", name_zh="目标", year=2027, indicator="hte_count", comparison=">", threshold=0.3)
    run = SimpleNamespace(folder=tmp_path, goals={"g": goal}, results=results)
    found = switching_section(run, 0.5)["goals"]["g"]
    assert [s.input for s in found] == ["uncertainties.u"]
    assert found[0].value == pytest.approx(0.3, abs=0.02) and found[0].rising


def test_switching_section_says_so_without_an_inputs_table(run_dir, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (copy / "inputs.parquet").unlink(missing_ok=True)
    assert text("switch_missing", "en") in render(copy, lang="en")


# ---- the optional sections ---------------------------------------------------------------------

def test_optional_sections_read_other_commands_files_defensively(run_dir, tmp_path, monkeypatch):
    ddir, odir, sdir, bad = (tmp_path / n for n in ("d", "o", "s", "bad"))
    for d in (ddir, odir, sdir / "analysis", bad):
        d.mkdir(parents=True)
    (ddir / "discovery.json").write_text(json.dumps({"boxes": [
        {"goal": "hte_250", "year": 2030, "coverage": 0.8, "density": 0.7, "summary_en": "Slow growth fails it.",
         "restrictions": [{"input": "uncertainties.gdp_growth", "low": 2.5, "high": 4.0, "words_zh": "经济增长慢"}]},
        {"goal": "first_tier_2035"}, "not a box"]}))
    (odir / "optimisation.json").write_text(json.dumps({
        "recommended": {"levers": {"levers.fiscal_support.annual_budget_cny": 1.2e8}, "cost_cny": 2.1e8,
                        "odds": [{"constraint": "first_tier_2035", "estimate": 0.41}]},
        "frontier": [{"cost_cny": 1e8, "odds": 0.3, "lower95": 0.25}, {"cost_cny": 3e8, "odds": 0.5}, {"odds": 1}]}))
    pd.DataFrame({"goal": ["first_tier_2035"] * 2, "factor": ["fiscal_support", "talent_plan"],
                  "pp_per_100m": [5.2, 1.1], "ci_low": [3.0, -0.5], "ci_high": [7.1, 2.0],
                  "per": ["100m CNY a year"] * 2, "budget": [True, True]}).to_csv(sdir / "analysis" / "marginal.csv")
    (bad / "optimisation.json").write_text("{not json")
    import sim.screening.shipped as shipped

    monkeypatch.setattr(shipped, "top_assumptions", lambda gid, k=3: [
        {"parameter": "uncertainties.gdp_growth", "effect_pp": 12.5, "low_pp": 20.0, "high_pp": 32.5}])
    html = render(run_dir, lang="both", discover=str(ddir), optimise=str(odir), sweep=str(sdir),
                  compare=str(run_dir))
    assert "Slow growth fails it." in html and "经济增长慢" in html and "80%" in html
    assert "210.0" in html and "41.0%" in html and html.count("<svg") > 11             # the frontier chart
    assert "+5.2 pp (+3.0 to +7.1)" in html                                            # odds per 100m CNY
    assert text("compare_paired", "en") in html and "+0.0 pp" in html                 # the run against itself
    assert "uncertainties.gdp_growth" in html and "+12.5" in html                      # what the odds hang on
    html = render(run_dir, lang="en", optimise=str(bad), discover=str(tmp_path / "missing"))
    assert html.count('class="error"') == 2                                            # said, not raised


def test_cli_report_and_its_errors(run_dir, tmp_path):
    out = tmp_path / "r.html"
    code, _, err = run_cli("report", run_dir, "--lang", "en", "--no-timestamp", "--out", out)
    assert code == 0 and out.is_file() and "Report:" in err
    code, _, err = run_cli("report", tmp_path / "nothing")
    assert code == 2 and "Traceback" not in err and "not a finished run" in err
    code, _, err = run_cli("run", BASELINE, "--runs", "10", "--report")
    assert code == 2 and "--report needs --out" in err


# ---- in a real browser ------------------------------------------------------------------------------

@needs_chromium
def test_page_renders_in_headless_chromium_without_network(run_dir, html_both, tmp_path):
    from PIL import Image

    from sim.reporting.pdf import dump_dom, screenshot

    path = tmp_path / "report.html"
    path.write_text(html_both, encoding="utf-8")
    dom = dump_dom(path)
    summary = json.loads((run_dir / "summary.json").read_text())
    answer = dom[dom.index('id="answer"'):dom.index('id="fans"')]
    for gid, g in summary["goals"].items():
        assert f"{100 * g['probability']:.1f}%" in answer and f'id="odds-{gid}"' in answer
    assert not re.search(r"""(src|href)="(https?:)?//""", dom)                       # after layout, too
    png = screenshot(path, tmp_path / "page.png", 1000, 1200)
    pixels = np.asarray(Image.open(png).convert("L"))
    assert (pixels < 128).mean() > 0.01 and pixels.std() > 20                          # ink on the page


@needs_chromium
@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="pdfinfo (poppler-utils) not installed")
def test_pdf_pages_are_a4(html_zh, tmp_path):
    import subprocess

    from sim.reporting.pdf import html_to_pdf

    path = tmp_path / "report.html"
    path.write_text(html_zh, encoding="utf-8")
    pdf = html_to_pdf(path, tmp_path / "report.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+59[45](\.\d+)? x 84[12](\.\d+)? pts \(A4\)", info)
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 3
    assert Path(pdf).read_bytes()[:5] == b"%PDF-"
