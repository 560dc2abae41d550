"""Lever budgets per simulated year, in million CNY, and the lever settings the engines need.

Budgets depend only on the scenario (not on chance), so they are computed once per run. Both
engines read the levers only through ``Policy.year``: a ``LeverYear`` carries every setting a
firm or the district acts on, in model units, and says what it is when the lever is absent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.schema import Levers

# the levers, in the order of the scenario schema (which is also the order their spending is added)
LEVER_KEYS = tuple(Levers.model_fields)

# The median revenue (m CNY) a recruited firm would have when a scenario has no tech_recruitment
# lever. The schema has no default for it (``TechRecruitment.median_revenue_m_cny`` is required,
# since a lever that lands firms must say how large they are), and without the lever no firm is
# recruited: its budget is 0, so the expected number of recruited firms is 0. The value only fills
# the branch of ``rules.entrant_state`` that no entrant takes, so any finite positive number gives
# the same results; it is the baseline scenario's value (50m CNY).
NO_RECRUITMENT_MEDIAN_REVENUE_M_CNY = 50.0


@dataclass
class Policy:
    """A scenario's levers over the simulated years: budgets per year and each lever's settings."""

    years: np.ndarray                  # simulated years base+1..end
    budget: dict[str, np.ndarray]      # lever -> m CNY per simulated year (0 when inactive)
    levers: dict                       # lever -> its scenario model (or None)

    def get(self, lever: str, attr: str, default=0.0):
        """Setting ``attr`` of ``lever``, or ``default`` when the scenario has no such lever."""
        lv = self.levers.get(lever)
        return default if lv is None else getattr(lv, attr)

    def year(self, index: int) -> "LeverYear":
        """What the levers put in place in simulated year ``index`` (0 = base year + 1)."""
        budget = {k: float(v[index]) for k, v in self.budget.items()}
        fiscal_on = budget["fiscal_support"] > 0
        per_m = 1e6 if fiscal_on else float("inf")   # settings of an unfunded lever count as 0
        conditions = bool(self.get("tech_recruitment", "enforce_conditions", False))
        cultivation = self.get("registration_campaign", "cultivation_share")   # 0 without the lever
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
            recruit_conditions=conditions,
            recruit_min_rd=self.get("tech_recruitment", "min_rd_intensity_pct") / 100 if conditions else 0.0,
            recruit_median_revenue=self.get("tech_recruitment", "median_revenue_m_cny",
                                            NO_RECRUITMENT_MEDIAN_REVENUE_M_CNY),
            recruit_sector_mix=self.get("tech_recruitment", "sector_mix", None),
            campaign_registration=budget["registration_campaign"] * (1 - cultivation),
            campaign_cultivation=budget["registration_campaign"] * cultivation,
        )


@dataclass(frozen=True)
class LeverYear:
    """One year's lever settings in model units: budgets in m CNY, rewards and grants in m CNY,
    the promised R&D subsidy rate (the rate paid may be lower: ``rules.subsidy_rate_paid``).
    A setting of an absent lever is 0 (or off), except where said."""

    budget: dict                 # lever -> this year's budget, m CNY (0 when absent or unfunded)
    hte_reward: float            # reward per first HTE certificate, m CNY
    grant_municipal: float       # grant per platform upgraded to municipal level, m CNY
    grant_national: float        # grant per platform upgraded to national level, m CNY
    financing: float             # fiscal budget for loans, guarantees, risk compensation, m CNY
    subsidy_rate: float          # promised share of eligible R&D reimbursed
    subsidy_all_firms: bool      # the subsidy is for every firm, not only tech-based ones
    commissioners: int           # science commissioners at work (0 while agri_st is unfunded)
    project_share: float         # share of university_industry funding S&T projects
    agri_platform_share: float   # share of agri_st building agricultural platforms
    recruit_conditions: bool     # recruited firms must meet the plan's R&D/platform conditions
    recruit_min_rd: float        # the R&D / sales they must exceed then (0 when not enforced)
    recruit_median_revenue: float  # median revenue of a recruited firm, m CNY (without the lever:
                                   # NO_RECRUITMENT_MEDIAN_REVENUE_M_CNY, never used)
    recruit_sector_mix: dict | None  # sector -> share of recruited firms (None: the population's)
    campaign_registration: float = 0.0  # registration_campaign budget for the tech-based drive, m CNY
    campaign_cultivation: float = 0.0   # registration_campaign budget for the HTE cultivation pool, m CNY


def build_policy(scenario) -> Policy:
    """The lever schedule of ``scenario``: every lever's budget in each simulated year (m CNY)."""
    years = np.arange(scenario.horizon.base_year + 1, scenario.horizon.end_year + 1)
    active = scenario.levers.active()
    budget = {k: np.array([active[k].budget_in(int(y)) / 1e6 if k in active else 0.0 for y in years])
              for k in LEVER_KEYS}
    return Policy(years=years, budget=budget, levers={k: active.get(k) for k in LEVER_KEYS})
