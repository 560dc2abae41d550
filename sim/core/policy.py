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

    def year(self, index: int) -> "LeverYear":
        """What the levers put in place in simulated year ``index`` (0 = base year + 1)."""
        budget = {k: float(v[index]) for k, v in self.budget.items()}
        fiscal_on = budget["fiscal_support"] > 0
        per_m = 1e6 if fiscal_on else float("inf")   # settings of an unfunded lever count as 0
        return LeverYear(
            budget=budget,
            hte_reward=self.get("fiscal_support", "hte_reward_cny") / per_m,
            grant_municipal=self.get("fiscal_support", "platform_grant_municipal_cny") / per_m,
            grant_national=self.get("fiscal_support", "platform_grant_national_cny") / per_m,
            financing=budget["fiscal_support"] * self.get("fiscal_support", "financing_share"),
            subsidy_rate=self.get("fiscal_support", "rd_subsidy_rate") if fiscal_on else 0.0,
            subsidy_all_firms=self.get("fiscal_support", "subsidy_scope", "tech_based") == "all",
            commissioners=self.get("agri_st", "commissioners", 0) if budget["agri_st"] > 0 else 0,
            project_share=self.get("university_industry", "project_share"),
            agri_platform_share=self.get("agri_st", "platform_share"),
            recruit_conditions=bool(self.get("tech_recruitment", "enforce_conditions", False)),
        )


@dataclass(frozen=True)
class LeverYear:
    """One year's lever settings in model units: budgets in m CNY, rewards and grants in m CNY,
    the promised R&D subsidy rate (the rate paid may be lower: ``rules.subsidy_rate_paid``)."""

    budget: dict
    hte_reward: float
    grant_municipal: float
    grant_national: float
    financing: float
    subsidy_rate: float
    subsidy_all_firms: bool
    commissioners: int
    project_share: float
    agri_platform_share: float
    recruit_conditions: bool


def build_policy(scenario) -> Policy:
    years = np.arange(scenario.horizon.base_year + 1, scenario.horizon.end_year + 1)
    active = scenario.levers.active()
    budget = {k: np.array([active[k].budget_in(int(y)) / 1e6 if k in active else 0.0 for y in years])
              for k in LEVER_KEYS}
    return Policy(years=years, budget=budget, levers={k: active.get(k) for k in LEVER_KEYS})
