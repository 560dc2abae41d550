"""Generate the parameter tables of docs/ODD.md from the registry and a scenario file.

Each row: section, name, meaning, unit, default (the baseline's value or distribution), the
allowed range, and the source or assumption, taken from the comment that stands beside (or just
above) the value in the scenario file. So the numbers and their sources live in one place, the
baseline scenario, and the docs cannot drift from it:

    python -m sim.paramdoc scenarios/baseline.toml --update docs/ODD.md
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from . import parameters
from .scenario.distributions import as_dist

BEGIN, END = "<!-- BEGIN PARAMETER TABLE (generated) -->", "<!-- END PARAMETER TABLE -->"
CONST_BEGIN, CONST_END = "<!-- BEGIN CONSTANTS TABLE (generated) -->", "<!-- END CONSTANTS TABLE -->"

# the source of a lever field the scenario leaves at its schema default (no line, so no comment)
LEVER_DEFAULTS = {
    "end_year": "assumption: funded to the horizon: the plan names no end date for its measures",
    "ramp_years": "assumption: no phase-in: the plan's measures build on programmes already running",
    "growth_pct": "assumption: flat nominal budgets: district budgets are not public, so no growth path is known",
}
# a source cell that names its kind but gives no reasoning (docs/ODD.md allows none)
BARE = {"assumption", "estimate", "obs", "derived", "literature", "law", ""}


def _comments(toml_text: str) -> dict[tuple[str, str], str]:
    """(section, key) -> the comment beside the key, or the comment block just above it."""
    out, section, block = {}, "", []
    for line in toml_text.splitlines():
        s = line.strip()
        if s.startswith("[") and not s.startswith("[["):
            section, block = s.strip("[]").strip(), []
            continue
        if s.startswith("#"):
            text = s.lstrip("#").strip()
            block = [] if set(text) <= {"-"} else block + [text]
            continue
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*=", s)
        if m:
            beside = line.split("#", 1)[1].strip() if "#" in _strip_strings(line) else ""
            out[(section, m.group(1))] = beside or " ".join(block)
            block = []
        elif not s:
            block = []
    return out


def _strip_strings(line: str) -> str:
    return re.sub(r'"[^"]*"', '""', line)


def _fmt(x: float) -> str:
    if x in (float("inf"), float("-inf")):
        return "∞" if x > 0 else "-∞"
    return f"{x:,.6g}"


def describe(value) -> str:
    """A distribution in words: '1.8 (triangular 1.3–2.3)', or a number."""
    d = as_dist(value)
    kind = d.dist
    if kind == "fixed":
        return _fmt(d.value)
    if kind == "triangular":
        return f"{_fmt(d.mode)} (triangular {_fmt(d.low)}–{_fmt(d.high)})"
    if kind == "uniform":
        return f"{_fmt(d.central())} (uniform {_fmt(d.low)}–{_fmt(d.high)})"
    if kind == "normal":
        return f"{_fmt(d.mean)} (normal sd {_fmt(d.sd)})"
    if kind == "lognormal":
        return f"{_fmt(d.median)} (lognormal σ {_fmt(d.sigma)})"
    if kind == "beta":
        return f"{_fmt(d.central())} (beta {d.a:g},{d.b:g} on {_fmt(d.low)}–{_fmt(d.high)})"
    return f"{_fmt(d.central())} (one of {', '.join(_fmt(v) for v in d.values)})"


def _posterior_columns(scenario) -> dict[str, str]:
    """name -> 'posterior median (5–95%)' for the parameters a scenario draws from its posterior."""
    if scenario.posterior_file is None:
        return {}
    from .scenario.posterior import read_posterior
    from .calibration.run import weighted_quantiles

    post = read_posterior(scenario.posterior_file)
    out = {}
    for j, name in enumerate(post.names):
        lo, med, hi = weighted_quantiles(post.samples[:, j], post.weights, [0.05, 0.5, 0.95])
        out[name] = f"**posterior** {med:.3g} (5–95%: {lo:.3g}–{hi:.3g}); prior: "
    return out


def parameter_table(scenario, toml_text: str) -> str:
    """Markdown tables of every registry parameter, one per section. A parameter the scenario draws
    from its posterior file shows the posterior's median and 90% interval before its prior."""
    notes = _comments(toml_text)
    fitted = _posterior_columns(scenario)
    lines = []
    titles = {"initial": "Start values (`[initial]`)", "uncertainties": "Behaviour and environment (`[uncertainties]`)",
              "rules": "Rules (`[rules]`)"}
    for section, params in parameters.BY_SECTION.items():
        lines += [f"#### {titles[section]}", "",
                  "| name | meaning | unit | default (baseline) | allowed range | source or assumption |",
                  "|---|---|---|---|---|---|"]
        values = getattr(scenario, section)
        for p in params.values():
            note = notes.get((section, p.name), "").replace("|", "/")
            default = fitted.get(p.name, "") + describe(getattr(values, p.name))
            lines.append(f"| `{p.name}` | {p.meaning} | {p.unit} | {default} "
                         f"| {_fmt(p.low)} – {_fmt(p.high)} | {note} |")
        lines.append("")
    return "\n".join(lines)


def lever_table(scenario, toml_text: str) -> str:
    """Markdown table of every lever field, with the baseline's setting and its comment."""
    from .scenario.schema import Levers

    notes = _comments(toml_text)
    lines = ["| lever | field | meaning | baseline | source or assumption |", "|---|---|---|---|---|"]
    for key, field in Levers.model_fields.items():
        model = field.annotation.__args__[0]
        lever = getattr(scenario.levers, key)
        for name, f in model.model_fields.items():
            if name in ("name", "name_zh"):
                continue
            value = getattr(lever, name) if lever is not None else "(inactive)"
            meaning = (f.description or "").replace("|", "/")
            note = notes.get((f"levers.{key}", name), "").replace("|", "/")
            if not note and lever is not None and name not in lever.model_fields_set:
                note = LEVER_DEFAULTS.get(name, "")
            lines.append(f"| `{key}` | `{name}` | {meaning} | {value} | {note} |")
    return "\n".join(lines) + "\n"


def population_table(scenario, toml_text: str) -> str:
    """Markdown table of the firm-population settings (``[population]``)."""
    notes = _comments(toml_text)
    lines = ["| field | meaning | baseline | source or assumption |", "|---|---|---|---|"]
    for name, f in type(scenario.population).model_fields.items():
        value = getattr(scenario.population, name)
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:g}" for k, v in value.items())
        note = notes.get(("population", name), "").replace("|", "/")
        lines.append(f"| `{name}` | {(f.description or '').replace('|', '/')} | {value} | {note} |")
    return "\n".join(lines) + "\n"


def constants_table() -> str:
    """Markdown table of the structural constants that stay in the code (``sim.constants``)."""
    from .constants import constants

    lines = ["| where | constant | value | source or assumption | in the code |", "|---|---|---|---|---|"]
    for c in constants():
        code = f"`{c.code.__module__}.{c.code.__qualname__}`"
        lines.append(f"| {c.where} | {c.what} | {c.value} | {c.reasoning} | {code} |")
    return "\n".join(lines) + "\n"


def unsourced_rows(block: str) -> list[str]:
    """The table rows of a generated block with an empty cell, or a source cell (the last) that
    names its kind ("assumption", "obs", ...) without the reasoning or the reference."""
    out = []
    for line in block.splitlines():
        if not line.startswith("| ") or set(line) <= set("|-") or line.startswith("| name |") \
                or line.startswith("| lever |") or line.startswith("| field |") or line.startswith("| where |"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if any(not c for c in cells) or cells[-1].rstrip(".:").strip().lower() in BARE:
            out.append(line)
    return out


def _replace_block(text: str, begin: str, end: str, block: str, doc: Path) -> str:
    if begin not in text or end not in text:
        raise SystemExit(f"{doc}: markers {begin} ... {end} not found")
    return text[:text.index(begin)] + block + text[text.index(end) + len(end):]


def update(doc: Path, scenario_path: Path) -> bool:
    """Rewrite the generated blocks of ``doc`` (the parameter tables and the constants table);
    True if it changed."""
    from .scenario.loader import load_scenario

    scenario = load_scenario(scenario_path)
    text = scenario_path.read_text(encoding="utf-8")
    block = "\n".join([BEGIN, "", parameter_table(scenario, text),
                       "#### Firm population (`[population]`)", "", population_table(scenario, text),
                       "#### Levers (`[levers.*]`)", "", lever_table(scenario, text), END])
    old = doc.read_text(encoding="utf-8")
    new = _replace_block(old, BEGIN, END, block, doc)
    new = _replace_block(new, CONST_BEGIN, CONST_END, "\n".join([CONST_BEGIN, "", constants_table(), CONST_END]), doc)
    if new != old:
        doc.write_text(new, encoding="utf-8")
    return new != old


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--update", type=Path, metavar="DOC", help="rewrite the generated block of DOC")
    args = ap.parse_args(argv)
    if args.update:
        changed = update(args.update, args.scenario)
        print(f"{args.update}: {'updated' if changed else 'up to date'}")
    else:
        from .scenario.loader import load_scenario
        text = args.scenario.read_text(encoding="utf-8")
        sys.stdout.write(parameter_table(load_scenario(args.scenario), text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
