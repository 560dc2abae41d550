"""Put a run's report together and render it to one self-contained HTML file with Jinja2.

:func:`build_report` reads the run (``context``), the optional sections (``sections``) and draws
the charts (``charts``); :func:`render_html` fills ``templates/report.html.j2`` with them. The
page has no external asset: the style sheet is inlined from ``templates/report.css``, charts are
inline SVG, fonts are declared (system CJK fonts first, then generic sans-serif) but not
embedded. Labels come from ``catalogue``; goal and lever names from the scenario.

Why Jinja2: a template a reader can follow beats HTML glued in Python strings, it escapes every
value by default (scenario names are user text), and it is small and well kept.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from .catalogue import LANGS, text
from .context import Run, goal_rows, joint_rows, lever_rows, load_run, split_estimates

MAX_BYTES = 5 * 1024 * 1024
OMISSIONS = ("omission_series", "omission_environment", "omission_profits", "omission_space",
             "omission_maker", "omission_staff")
LANG_CHOICES = ("zh", "en", "both")


@dataclass
class ReportOptions:
    """What to put in the report (the ``innovsim report`` options)."""

    lang: str = "both"
    compare: str | None = None
    sweep: str | None = None
    discover: str | None = None
    optimise: str | None = None
    threshold: float = 0.5
    timestamp: bool = True
    as_of: _dt.date | None = None          # the date that decides which goals' years have come
    extras: dict = field(default_factory=dict)


# ---- number formats (language-neutral) --------------------------------------------------------

def pct(p, digits: int = 1) -> str:
    return "–" if p is None or not math.isfinite(p) else f"{100 * p:.{digits}f}%"


def odds_text(p, low, high) -> str:
    """'12.5% (10.1–15.2%)'."""
    if p is None:
        return "–"
    if low is None or high is None:
        return pct(p)
    return f"{pct(p)} ({100 * low:.1f}–{100 * high:.1f}%)"


def pp_text(d, low, high) -> str:
    """'+2.1 pp (+1.0 to +3.2)'."""
    if d is None:
        return "–"
    return f"{d:+.1f} pp ({low:+.1f} to {high:+.1f})" if low is not None and high is not None else f"{d:+.1f} pp"


def num(x) -> str:
    from ..report import fmt_value

    return fmt_value(x)


def mcny(x) -> str:
    return "–" if x is None else f"{x / 1e6:,.1f}"


# ---- the page ----------------------------------------------------------------------------------

def _version() -> str:
    try:
        from importlib.metadata import version

        return version("hechuan-innovsim")
    except Exception:  # not installed: the source tree's version
        from .. import __version__

        return __version__


def _fingerprint(run: Run) -> str:
    from ..runner import fingerprint

    try:
        return fingerprint(run.scenario)
    except (OSError, ValueError, AttributeError, TypeError):   # the posterior moved; an older run
        return "–"


def _langs(lang: str) -> tuple[str, ...]:
    if lang not in LANG_CHOICES:
        raise UserError(f"--lang {lang!r}: choose one of {', '.join(LANG_CHOICES)}")
    return LANGS if lang == "both" else (lang,)


def _odds_on_chart(row: dict, lang: str) -> str:
    from .charts import label

    sep = " " if lang == "both" else ""
    word = label(row["likelihood"], lang, sep=sep) if row["likelihood"] else ""
    odds = odds_text(row["probability"], row["ci_low"], row["ci_high"])
    return f"{label('chart_odds', lang, sep=sep, year=row['year'])}: {odds}" + (f" · {word}" if word else "")


def _optional(name: str, loader, *args):
    """Run one optional section's loader; a UserError (e.g. a missing folder) becomes its error."""
    try:
        return loader(*args)
    except UserError as exc:
        return {"error": {"file": name, "why": str(exc)}}


def build_report(run_dir, options: ReportOptions | None = None) -> dict:
    """Everything the template shows, computed from the results folder ``run_dir``."""
    from . import sections
    from .charts import fan_svg, frontier_svg

    options = options or ReportOptions()
    langs = _langs(options.lang)
    run = load_run(run_dir)
    as_of = options.as_of or _dt.date.today()
    goals = goal_rows(run, as_of.year)
    for row in goals:
        row["svg"] = fan_svg(run.results, run.goals[row["id"]], _odds_on_chart(row, options.lang), options.lang)
    estimated, calibrated = split_estimates(run.estimates)
    ctx = {
        "langs": langs, "lang": options.lang, "run": run, "goals": goals, "joint": joint_rows(run),
        "levers": lever_rows(run.scenario), "first": run.scenario.horizon.base_year + 1,
        "last": run.scenario.horizon.end_year, "cap": run.scenario.budget.annual_total_cny,
        "max_se": max([g.get("se") or 0.0 for g in run.summary.get("goals", {}).values()] + [0.0]),
        "estimated": estimated, "calibrated": calibrated, "omissions": OMISSIONS,
        "version": _version(), "fingerprint": _fingerprint(run), "engine": run.summary.get("engine", "core"),
        "years": f"{run.results.base_year}–{run.results.end_year}", "as_of": as_of.isoformat(),
        "when": _dt.datetime.now().strftime("%Y-%m-%d %H:%M") if options.timestamp else None,
        "goal_names": {gid: (g.name, g.name_zh) for gid, g in run.goals.items()},
        "lever_names": {r["id"]: (r["name"], r["name_zh"]) for r in lever_rows(run.scenario)},
        "compare": _optional(str(options.compare), sections.compare_section, run, options.compare)
        if options.compare else None,
        "sweep": _optional(str(options.sweep), sections.sweep_section, options.sweep) if options.sweep else None,
        "discover": sections.discover_section(options.discover) if options.discover else None,
        "optimise": sections.optimise_section(options.optimise) if options.optimise else None,
        "switching": sections.switching_section(run, options.threshold),
        "threshold": options.threshold,
        "hang": sections.hang_on_section(list(run.goals)),
        "calibration": sections.calibration_section(run),
    }
    opt = ctx["optimise"]
    if opt and not opt.get("error") and opt["frontier"]:
        opt["svg"] = frontier_svg(opt["frontier"], opt["marker"], options.lang)
    return ctx


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
    from markupsafe import Markup, escape

    env = Environment(loader=PackageLoader("sim.reporting", "templates"), autoescape=select_autoescape(["j2", "html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)

    def say(langs, key, **fields):
        """The message in each language of the report, each in its own <span lang>."""
        parts = [f'<span lang="{"zh-CN" if lg == "zh" else "en"}" class="l-{lg}">{escape(text(key, lg, **fields))}'
                 f"</span>" for lg in langs]
        return Markup(" ".join(parts))

    def names(langs, pair):
        """A goal's or lever's (English, Chinese) names in the report's languages."""
        en, zh = pair
        parts = [f'<span lang="zh-CN" class="l-zh">{escape(zh)}</span>' if lg == "zh" and zh else
                 f'<span lang="en" class="l-en">{escape(en)}</span>' for lg in langs if lg == "en" or zh]
        return Markup(" ".join(parts))

    env.globals.update(say=say, names=names, text=text)
    env.filters.update(pct=pct, odds=odds_text, pp=pp_text, num=num, mcny=mcny)
    return env


def render_html(ctx: dict) -> str:
    """The report as HTML text."""
    from importlib.resources import files

    css = files("sim.reporting").joinpath("templates/report.css").read_text(encoding="utf-8")
    return _environment().get_template("report.html.j2").render(css=css, **ctx)


def write_report(run_dir, out=None, options: ReportOptions | None = None, pdf: bool = False) -> list[Path]:
    """Write ``report.html`` (and ``report.pdf`` with ``pdf``) for the run in ``run_dir``.

    ``out`` defaults to ``run_dir/report.html`` (``report_zh.html`` / ``report_en.html`` for one
    language). Returns the files written.

    Raises
    ------
    UserError
        When the run cannot be read, the page would exceed 5 MB, or the PDF cannot be made.
    """
    from ..execution.files import atomic_write, make_folder

    options = options or ReportOptions()
    html = render_html(build_report(run_dir, options))
    data = html.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise UserError(f"the report would be {len(data) / 1e6:.1f} MB, above the 5 MB limit of a page to hand "
                        "on; report fewer goals or a smaller sweep")
    suffix = "" if options.lang == "both" else f"_{options.lang}"
    path = Path(out) if out else Path(run_dir) / f"report{suffix}.html"
    make_folder(path.parent)
    written = [atomic_write(path, html)]
    if pdf:
        from .pdf import html_to_pdf

        written.append(html_to_pdf(path, path.with_suffix(".pdf")))
    return written
