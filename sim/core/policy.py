"""Lever budgets per simulated year, in million CNY, and the lever settings the core needs.

Budgets depend only on the scenario (not on chance), so they are computed once per run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVER_KEYS = ("fiscal_support", "talent_plan", "tech_recruitment", "incubation", "institute_support",
              "university_industry", "agri_st", "ip_protection", "htz_upgrade")


@dataclass
class Policy:
    years: np.ndarray                  # simulated years base+1..end
    budget: dict[str, np.ndarray]      # lever -> m CNY per simulated year (0 when inactive)
    levers: dict                       # lever -> its scenario model (or None)

    def get(self, lever: str, attr: str, default=0.0):
        lv = self.levers.get(lever)
        return default if lv is None else getattr(lv, attr)


def build_policy(scenario) -> Policy:
    years = np.arange(scenario.horizon.base_year + 1, scenario.horizon.end_year + 1)
    active = scenario.levers.active()
    budget = {k: np.array([active[k].budget_in(int(y)) / 1e6 if k in active else 0.0 for y in years])
              for k in LEVER_KEYS}
    return Policy(years=years, budget=budget, levers={k: active.get(k) for k in LEVER_KEYS})
