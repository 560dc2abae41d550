"""The model's structural constants: the fixed numbers of its form that stay in the code.

Every number a study might want to vary is a parameter (``sim.parameters``; those moved out of the
code in issue 12 are ``parameters.STRUCTURAL``). What is left shapes distributions or bounds
extreme settings rather than carrying a policy question; each is an assumption, listed here once
with its reasoning, and docs/ODD.md's table "Structural constants in the code" is generated from
this list (``sim.paramdoc``). Each entry names the function that uses the number and the literal
text of it there (``literals``), and tests/test_docs.py checks that the function still contains
it, so this table cannot drift from the code silently. Move one into the registry if a study needs
to vary it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Constant:
    where: str            # the phase: init, step, entry, index
    what: str
    value: str            # the number(s) as the docs show them
    reasoning: str        # "assumption: ..." or "law: ..." with the reason
    code: Callable        # the function that uses it
    literals: tuple = ()  # the number(s) as written in that function's source


def _table() -> list[Constant]:
    from . import rules as R
    from .core import district as D
    from .core import init as I

    return [
        Constant("init", "R&D propensity of an R&D firm before rescaling", "median 2% (σ: `rd_propensity_sigma`)",
                 "assumption: the level is rescaled to the drawn R&D intensity, so only the spread matters",
                 I._lay_out_rd, ("0.02 * np.exp(",)),
        Constant("init", "firm age", f"1 + exponential (mean `firm_age_mean`), at most {I.MAX_AGE} years",
                 "assumption: a young-skewed population of Chinese SMEs", I._lay_out_rd, ("MAX_AGE", "1 + np.floor(")),
        Constant("init", "high-tech revenue share of R&D firms", "uniform 0.2–0.9",
                 "assumption: self-declared main products; HTEs are lifted to at least the 60% bar",
                 I._lay_out_rd, ("0.2 + 0.7 *",)),
        Constant("init", "knowledge stock of R&D firms", "steady state P/δ × U(0.5, 1.5)",
                 "derived: the stock a firm's R&D sustains (innovations a year / depreciation), with a spread",
                 I._lay_out_rd, ("(0.5 + u[:, I_KNOWLEDGE])",)),
        Constant("init", "R&D of the base year's HTEs", "band threshold × U(1.05, 1.25); high-tech share ≥ bar + "
                 "U(0, 0.3); knowledge ≥ bar × U(1, 2)", "assumption: certified firms clear each bar with a margin",
                 I._certify_htes, ("1.05 + 0.2 * u", "0.3 * u", "(1 + u[:, I_KNOWLEDGE])")),
        Constant("init", "S&T staff margin over a bar a firm is made to meet", "× 1.1",
                 "assumption: a 10% margin, so float rounding never flips a status", I._Start.st_factor_for,
                 ("share_needed * 1.1",)),
        Constant("init", "municipal platform holders' R&D", "≥ 1.1 × `platform_min_rd_municipal`",
                 "assumption: a 10% margin over the bar", I._place_platforms, ("platform_min_rd_municipal * 1.1",)),
        Constant("init", "registered tech-based firms' R&D", "≥ `tb_rd_min` × U(1.05, 1.35)",
                 "assumption: registered firms clear the bar with a margin", I._register_tech_based,
                 ("1.05 + 0.3 * u",)),
        Constant("init", "unregistered R&D firms without the IP bar; uncertified ones short of the HTE IP bar",
                 "knowledge ≤ 0.9 × `tb_knowledge_min`; ≤ 0.95 × `hte_knowledge_min`",
                 "assumption: just below the bar, so they qualify after an innovation or two",
                 I._register_tech_based, ("0.9 * rules.tb_knowledge_min",)),
        Constant("init", "rescaling of R&D propensities to the drawn intensity", "factor 0.05–20",
                 "assumption: bounds that only extreme draws reach", I._Start.rescale, ("0.05, 20",)),
        Constant("init", "in-zone share of non-HTE industrial firms", "half the HTEs' share",
                 "assumption: the zone concentrates tech firms", I.initial_block, ("np.where(s.hte, 1.0, 0.5)",)),
        Constant("init", "leading firms' age, knowledge, high-tech share", "15 years; max(3, 1.5 × IP bar) if HTE "
                 "else 1.5; 0.75 if HTE else 0.4", "assumption: established leaders", I._place_leading_firms,
                 ("= 15", "max(3.0, rules.hte_knowledge_min * 1.5)", "0.75 if f.hte else 0.4")),
        Constant("init", "peer districts", f"{I.N_PEERS}", "observed: Chongqing has 38 districts and counties",
                 I._peer_districts, ("N_PEERS",)),
        Constant("index", "composite innovation index", "equal-weight mean of the log changes of 4 components",
                 "assumption: no published weighting of Chongqing's district innovation ranking was found",
                 D.indicators, ("np.mean(np.log(",)),
        Constant("step", "zone readiness exponent", f"{R.HTZ_READINESS_EXPONENT}",
                 "assumption: readiness matters more than proportionally near the bar", R.htz_hazard,
                 ("HTZ_READINESS_EXPONENT",)),
        Constant("step", "zone stages", "municipal, application, expert list, national; one step a year at most",
                 "law: the steps of the national upgrade procedure (self-assessment and application, the expert "
                 "review and site visit, the State Council's approval); a listed zone waits for a round",
                 R.htz_zone_update, ("HTZ_LISTED",)),
        Constant("step", "super-deduction years", "general: 2018, 2023; manufacturing: 2021; tech-based SMEs: 2022",
                 "law: the years the rates changed (财税〔2018〕99号, 2023年第7号, 2021年第13号, 2022年第16号); "
                 "the rates are `[rules]`", R.superdeduction_rate, ("2023", "2018", "2021", "2022")),
        Constant("step", "largest revenue of a firm", f"{R.MAX_REVENUE:g} m CNY",
                 "assumption: 1 trillion CNY keeps extreme settings finite; never reached at plausible ones",
                 R.revenue_after_growth, ("MAX_REVENUE",)),
        Constant("step", "firms' revenue growth shock", "Laplace, unit variance",
                 "literature: firm growth rates are tent-shaped (Stanley et al. 1996; Bottazzi and Secchi 2006)",
                 R.growth_shock, ("_log1p",)),
        Constant("step", "university graduates per year", "students / `study_years`",
                 "derived: a cohort a year of a stable enrolment", D.talent_market, ('/ p["study_years"]',)),
        Constant("entry", "recruited firm: revenue, R&D", f"lognormal around the lever's median "
                 f"(σ {R.RECRUIT_REVENUE_SIGMA}); ≥ {R.ENTRANT_RD_MARGIN} × the plan's minimum",
                 "assumption: \"有核心技术的高新技术企业\", spread like the population's larger firms",
                 R.entrant_state, ("RECRUIT_REVENUE_SIGMA", "ENTRANT_RD_MARGIN")),
        Constant("entry", "recruited firm: knowledge, high-tech share", "2.5–4.5; 0.6–0.9",
                 "assumption: recruited tech firms arrive with core IP and high-tech products",
                 R.entrant_state, ("2.5 + 2 * k", "0.6 + 0.3 * h")),
        Constant("entry", "start-up: revenue; knowledge; high-tech share",
                 f"median `entrant_revenue` (σ {R.STARTUP_REVENUE_SIGMA}); 0–0.3 (incubated 1–2); "
                 "0–0.3 (incubated 0.2–0.7)", "assumption: incubation gives knowledge and a product",
                 R.entrant_state, ("STARTUP_REVENUE_SIGMA", "1 + k", "0.3 * k", "0.2 + 0.5 * h")),
        Constant("entry", "recruited firm's certificate without enforced conditions",
                 f"{R.UNCONDITIONED_HTE_FACTOR} × `recruit_hte_share`",
                 "assumption: recruitment without the plan's conditions brings fewer certified tech firms",
                 R.entrant_state, ("UNCONDITIONED_HTE_FACTOR",)),
        Constant("step", "collaboration order", "a firm tries its sector's institutes first, then a university",
                 "assumption: institutes are sector-specific", R.university_collab_threshold, ("p_institute",)),
    ]


CONSTANTS: list[Constant] = []


def constants() -> list[Constant]:
    """The table (built on first use: it reads the engines' modules, which ``import sim`` does not load)."""
    if not CONSTANTS:
        CONSTANTS.extend(_table())
    return CONSTANTS


def missing_literals() -> list[str]:
    """Entries whose function no longer contains a literal the table quotes (empty when in step)."""
    out = []
    for c in constants():
        source = inspect.getsource(c.code)
        out += [f"{c.what}: {c.code.__qualname__} has no {lit!r}" for lit in c.literals if lit not in source]
    return out
