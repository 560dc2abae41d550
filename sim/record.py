"""What the public record says about each goal: for a goal whose year has come, what is observed and
what is still estimated.

A forecast starts from the latest observed year (the posterior's ``base_year``): the odds of a goal
whose year has come (2026 goals, read in December 2026) are then partly known facts and partly the
model's estimate of the figures not yet published. This module lists, per goal, the observed
figures of the goal's indicator that the calibration conditioned on: the level rows of
``predictive.csv`` beside the scenario's posterior file (flags such as "the zone is not national in
2025", censored ranks such as "not in the first tier of 8 in 2023", and levels), with the year the
record ends. Rates of Chongqing standing in for Hechuan's (growth, CAGR) are not Hechuan's level and
are left out. Nothing here changes the odds: the posterior already holds every observation.
"""

from __future__ import annotations

import csv
from pathlib import Path

PREDICTIVE = "predictive.csv"
PUBLICATION_LAG = 1   # years: the figures of a year are published in the next
_EVENT_WORDS = {"equal": "=", "above": ">"}


def observed_rows(posterior_file: str | Path | None) -> list[dict]:
    """The calibration's observed level figures (fitted, not held out), read from the
    ``predictive.csv`` written next to the posterior; [] when there is none."""
    if not posterior_file:
        return []
    path = Path(posterior_file).with_name(PREDICTIVE)
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if r.get("statistic") == "level" and r.get("holdout", "False") != "True"]


def goal_record(scenario) -> dict[str, dict]:
    """Per goal id: whether its year has come, the observed figures of its indicator (year, value,
    kind: level or event), and what the odds still estimate.

    A goal's year has come when it is not after the base year + 1: a year's figures are published
    in the next, so a record that ends in the base year is read in the year after it (December
    2026 for a record ending in 2025). The rule uses no clock, so reruns give the same files.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario; its posterior file (if any) locates the observations.
    """
    rows = observed_rows(scenario.posterior_file)
    base_year = scenario.horizon.base_year
    year_now = base_year + PUBLICATION_LAG
    record = {}
    for gid, goal in scenario.goals.items():
        indicators = {c.indicator for c in goal.all_conditions()}
        seen = [{"series": r["series"], "year": int(r["year"]), "indicator": r["indicator"],
                 "observed": _observed_text(r), "event": bool(r.get("event"))}
                for r in rows if r["indicator"] in indicators]
        seen.sort(key=lambda x: (x["indicator"], x["year"]))
        come = goal.year <= year_now
        record[gid] = {
            "year_has_come": come,
            "observed": seen,
            "estimated": (f"{goal.year} not yet published: estimated from the {base_year} state"
                          if come else f"a forecast from the {base_year} state"),
        }
    return record


def _observed_text(row: dict) -> str:
    value = float(row["observed"])
    shown = f"{value:g}"
    event = row.get("event") or ""   # older predictive files have no event column
    return f"{_EVENT_WORDS.get(event, '')} {shown}".strip() if event else shown


def format_record(scenario, record: dict[str, dict]) -> str:
    """Plain text for report.txt: the goals whose year has come, with the figures observed of their
    indicators (years of the same observed value grouped), lines under 100 characters."""
    come = [gid for gid, r in record.items() if r["year_has_come"]]
    if not come:
        return ""
    years = sorted({scenario.goals[g].year for g in come})
    base = scenario.horizon.base_year
    lines = [f"Goals whose year has come ({', '.join(map(str, years))}): those years' figures are not published "
             "yet,", f"so the odds are estimates from the model's {base} state, conditioned on the record:"]
    silent = []
    for gid in come:
        facts = grouped_text(record[gid]["observed"])
        if facts:
            lines.append(f"  {gid}: observed {facts}")
        else:
            silent.append(gid)
    if silent:
        lines.append("  no official figure of the indicator is public for: " + ", ".join(silent))
    return "\n".join(_wrap(line) for line in lines) + "\n"


def grouped_text(observed: list[dict]) -> str:
    """The observed figures as one line, years of the same value grouped: "national_htz = 0 in 2018, 2021"."""
    groups: dict[tuple[str, str], list[int]] = {}
    for o in observed:
        groups.setdefault((o["indicator"], o["observed"]), []).append(o["year"])
    return "; ".join(f"{ind} {val} in {', '.join(map(str, ys))}" for (ind, val), ys in groups.items())


def _wrap(line: str, width: int = 100) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(line, width, subsequent_indent="    ", break_on_hyphens=False)) or line
