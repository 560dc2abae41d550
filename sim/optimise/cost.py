"""What a lever mix costs: the levers' CNY over the simulated years, optionally discounted,
and its dearest year, checked against the scenario's budget cap.

The spending rule is the scenario's own (``Lever.budget_in``: start year, ramp, growth, end
year), so the cost the optimiser minimises is the money the simulated district spends. Every
active lever counts, those the file does not vary too (a constant that shifts every mix alike).
The cap is the loader's rule: the levers together may spend at most
``budget.annual_total_cny`` in every simulated year.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MixCost:
    """The cost of a mix: total CNY over the horizon (discounted), its dearest year's CNY, and
    whether it fits under the cap."""

    total_cny: float
    peak_cny: float
    fits_cap: bool


def lever_overrides(overrides: dict[str, float]) -> dict[str, dict[str, float]]:
    """``{"levers.x.field": v}`` -> ``{"x": {"field": v}}`` (other paths do not change spending)."""
    out: dict[str, dict[str, float]] = {}
    for path, value in overrides.items():
        parts = path.split(".")
        if len(parts) == 3 and parts[0] == "levers":
            out.setdefault(parts[1], {})[parts[2]] = value
    return out


def spending_by_year(scenario, overrides: dict[str, float]) -> dict[int, float]:
    """CNY the levers spend together in each simulated year, with ``overrides`` applied."""
    changes = lever_overrides(overrides)
    levers = [lv.model_copy(update=changes.get(key, {})) for key, lv in scenario.levers.active().items()]
    h = scenario.horizon
    return {y: sum(lv.budget_in(y) for lv in levers) for y in range(h.base_year + 1, h.end_year + 1)}


def mix_cost(scenario, overrides: dict[str, float], discount_pct: float = 0.0, enforce_cap: bool = True) -> MixCost:
    """The cost of ``overrides`` on ``scenario``: sum over the simulated years of the levers'
    CNY / (1 + discount)^(year - first year), the dearest year, and the cap check."""
    spend = spending_by_year(scenario, overrides)
    first = min(spend)
    d = discount_pct / 100
    total = sum(v / (1 + d) ** (y - first) for y, v in spend.items())
    peak = max(spend.values())
    fits = (not enforce_cap) or peak <= scenario.budget.annual_total_cny * (1 + 1e-9)
    return MixCost(float(total), float(peak), bool(fits))
