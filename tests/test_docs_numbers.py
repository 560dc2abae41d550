"""The numbers the docs quote for a rule or a setting are the scenario's.

Each row of ``QUOTES`` is (file, a regular expression whose groups capture the numbers quoted,
the baseline's fields they quote, and how a field's value is written in the text). The pattern
must still match (a rewording that drops the number must update this table), and every number it
captures must equal the scenario's central value. Prose numbers that are results of a run
(odds, medians) are not here: they come from runs, not from the scenario.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.scenario.distributions import as_dist

ROOT = Path(__file__).resolve().parents[1]

same = lambda v: v                     # noqa: E731
millions = lambda v: v / 1e6           # noqa: E731  (CNY -> m CNY)
pct = lambda v: v * 100                # noqa: E731  (share -> percent)

QUOTES = [
    # docs/ODD.md, the submodels
    ("docs/ODD.md", r"registered ≥ (\d+) year", ["rules.hte_min_age"], same),
    ("docs/ODD.md", r"three-year R&D/sales ≥ (\d+)% /\s+(\d+)% / (\d+)%",
     ["rules.hte_rd_min_small", "rules.hte_rd_min_mid", "rules.hte_rd_min_large"], same),
    ("docs/ODD.md", r"for sales ≤ (\d+)m / (\d+)–(\d+)m / > (\d+)m CNY",
     ["rules.hte_band_small_max", "rules.hte_band_small_max", "rules.hte_band_mid_max", "rules.hte_band_mid_max"],
     same),
    ("docs/ODD.md", r"S&T staff ≥ (\d+)%, high-tech revenue ≥ (\d+)%",
     ["rules.hte_st_staff_min", "rules.hte_hightech_revenue_min"], same),
    ("docs/ODD.md", r"P\(score above (\d+)\)", ["rules.hte_score_min"], same),
    ("docs/ODD.md", r"`hte_score_min` \((\d+), 不含(\d+): strictly above\)", ["rules.hte_score_min"] * 2, same),
    ("docs/ODD.md", r"passing means (\d+) or more", ["rules.hte_score_min"], lambda v: v + 1),
    ("docs/ODD.md", r"granted in year t is valid through t\+(\d)", ["rules.hte_validity"], lambda v: v - 1),
    ("docs/ODD.md", r"\((\d+)% tax for HTEs, (\d+)% otherwise\)", ["rules.cit_rate_hte", "rules.cit_rate"], same),
    ("docs/ODD.md", r"above-scale \(revenue (\d+)m \+ lognormal\)", ["rules.above_scale_revenue"], same),
    ("docs/ODD.md", r"reflected below (\d+)m\)", ["rules.above_scale_revenue"], same),
    ("docs/ODD.md", r"\+ ([0-9.]+) once the zone is national", ["uncertainties.htz_index_bonus"], same),
    # docs/RESULTS.md
    ("docs/RESULTS.md", r"S&T staff ≥ (\d+)% \(the law: the staff score may not be 0\)",
     ["rules.tb_st_staff_min"], same),
    ("docs/RESULTS.md", r"becomes municipal with a (\d+)% yearly hazard", ["uncertainties.platform_hazard_municipal"],
     pct),
    ("docs/RESULTS.md", r"\((\d+)%\s+higher with the ([0-9.]+)m CNY municipal platform grant\)",
     ["uncertainties.platform_grant_response", "levers.fiscal_support.platform_grant_municipal_cny"], None),
    ("docs/RESULTS.md", r"spends at least\s+([0-9.]+)m CNY a year on R&D \(`platform_min_rd_municipal`\)",
     ["rules.platform_min_rd_municipal"], same),
    ("docs/RESULTS.md", r"(\d+)m CNY a year of\s+registration drive",
     ["levers.registration_campaign.annual_budget_cny"], millions),
    # docs/VARIANTS.md
    ("docs/VARIANTS.md", r"a score above\s+(\d+), the field share", ["rules.hte_score_min"], same),
    ("docs/VARIANTS.md", r"`registration_campaign`, (\d+)m CNY a year in\s+(\d+)–(\d+)",
     ["levers.registration_campaign.annual_budget_cny", "levers.registration_campaign.start_year",
      "levers.registration_campaign.end_year"], None),
    # the rulebook's own docstrings
    ("sim/rules.py", r"A district\s+platform needs R&D >= ([0-9.]+)m; a municipal one an above-scale firm or an "
                     r"HTE and R&D >= ([0-9.]+)m;\s+a national one a municipal platform and R&D >= ([0-9.]+)m CNY",
     ["rules.platform_min_rd_district", "rules.platform_min_rd_municipal", "rules.platform_min_rd_national"], same),
    ("sim/rules.py", r"registered >= (\d+) year, R&D band, S&T staff >= (\d+)%,\s+high-tech revenue >= (\d+)%",
     ["rules.hte_min_age", "rules.hte_st_staff_min", "rules.hte_hightech_revenue_min"], same),
    ("sim/rules.py", r"<= (\d+) staff and <= (\d+)m CNY sales", ["rules.tsme_max_employees", "rules.tsme_max_sales"],
     same),
    ("sim/rules.py", r"industrial and revenue >= (\d+)m CNY", ["rules.above_scale_revenue"], same),
    ("sim/rules.py", r"HTEs pay (\d+)% corporate income tax", ["rules.cit_rate_hte"], same),
]


def _expected(scenario, path: str) -> float:
    obj = scenario
    for part in path.split("."):
        obj = getattr(obj, part)
    return float(as_dist(obj).central()) if isinstance(obj, (dict, int, float)) or hasattr(obj, "dist") else obj


def _written(scenario, fields, transform) -> list[float]:
    values = [_expected(scenario, f) for f in fields]
    if transform is not None:
        return [transform(v) for v in values]
    if fields[0] == "uncertainties.platform_grant_response":   # rise of the odds by the grant, percent
        return [values[0] * values[1] / 1e6 * 100, values[1] / 1e6]
    return [values[0] / 1e6, *values[1:]]                      # a lever's budget (m CNY) and its years


@pytest.mark.parametrize("doc, pattern, fields, transform", QUOTES, ids=[f"{q[0]}:{q[2][0]}" for q in QUOTES])
def test_quoted_numbers_are_the_scenarios(baseline_scenario, doc, pattern, fields, transform):
    text = (ROOT / doc).read_text(encoding="utf-8")
    matches = list(re.finditer(pattern, text))
    assert matches, f"{doc} no longer quotes {fields} as /{pattern}/: reword this table with the doc"
    expected = _written(baseline_scenario, fields, transform)
    for m in matches:
        quoted = [float(g) for g in m.groups()]
        assert quoted == pytest.approx(expected), f"{doc}: {m.group(0)!r} quotes {quoted}, the scenario has {expected}"
