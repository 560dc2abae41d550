"""The behavioural and regulatory rules of the model: the ONE rulebook.

Every rule is a pure function of numbers that works on scalars (the Mesa agents, one firm at a
time) and on numpy arrays (the vectorized core, all firms of all replicates at once). Neither
engine writes a rule of its own: both call these. Units follow docs/ODD.md: money in million CNY
(m CNY), shares as fractions 0..1, the ``pct`` values of scenario rules divided by 100 by the
caller (see ``RuleSet``).

Update semantics (both engines): every firm decides from the start-of-year state of the district
(synchronous update); see docs/ODD.md, "Scheduling".

Constants are plain Python numbers, so a rule keeps the precision of what it is given (float32
arrays in the core, Python floats one agent at a time), and logic uses ``&``, ``|`` and
``_not`` (not ``~``, which on a Python bool is an integer operation). A choice between two finite
numbers is often written ``c * a + not(c) * b``: exactly np.where's result, and several times
faster than np.where on the core's large arrays. ``_where``, ``_min``, ``_exp`` and the other
helpers below are numpy's functions on arrays and plain Python on Python numbers, so one agent's
decision costs microseconds, not numpy's per-call overhead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# platform levels
NONE, DISTRICT, MUNICIPAL, NATIONAL = 0, 1, 2, 3

# the largest revenue of a firm, m CNY (1 trillion CNY; keeps extreme settings finite)
MAX_REVENUE = 1e6

# The model's other fixed numbers (the shapes of entrants' start state, the zone's readiness
# exponent, ...) are named below where they are used and listed with their reasoning in
# ``sim.constants`` (docs/ODD.md, "Structural constants in the code"); those a study may want to
# vary are parameters (``sim.parameters.STRUCTURAL``).


# ---- numeric helpers --------------------------------------------------------------------------
# numpy's functions on arrays (the core), plain Python on Python numbers (the Mesa agents, where
# numpy's per-call overhead would dominate). The Python branch returns exactly what numpy would
# for finite numbers; numpy scalars and arrays always take numpy's branch, so the core's numbers
# do not depend on these helpers.

_PY = (float, int, bool)


def _where(cond, a, b):
    return (a if cond else b) if type(cond) is bool else np.where(cond, a, b)


def _min(a, b):
    return (a if a <= b else b) if type(a) in _PY and type(b) in _PY else np.minimum(a, b)


def _max(a, b):
    return (a if a >= b else b) if type(a) in _PY and type(b) in _PY else np.maximum(a, b)


def _not(c):
    return (not c) if type(c) is bool else np.logical_not(c)


def _exp(x):
    return math.exp(x) if type(x) in _PY and x < 700.0 else np.exp(x)


def _floor(x):
    return float(math.floor(x)) if type(x) in _PY else np.floor(x)


def _log1p(x):
    return math.log1p(x) if type(x) in _PY else np.log1p(x)


def _copysign(x, sign):
    return math.copysign(x, sign) if type(x) in _PY and type(sign) in _PY else np.copysign(x, sign)


def _abs(x):
    return abs(x) if type(x) in _PY else np.abs(x)


def _erfc(x):
    # scipy's on both (math.erfc can differ in the last bit); the rules that use it run once a year
    from scipy import special
    return float(special.erfc(x)) if type(x) in _PY else special.erfc(x)


@dataclass(frozen=True)
class RuleSet:
    """The certification, tax and statistical rules in model units (shares, m CNY, years)."""

    hte_rd_min_small: float
    hte_rd_min_mid: float
    hte_rd_min_large: float
    hte_band_small_max: float
    hte_band_mid_max: float
    hte_st_staff_min: float
    hte_hightech_revenue_min: float
    hte_min_age: int
    hte_validity: int
    hte_knowledge_min: float
    hte_score_min: float
    tsme_max_employees: float
    tsme_max_sales: float
    tb_rd_min: float
    tb_st_staff_min: float
    tb_knowledge_min: float
    cit_rate: float
    cit_rate_hte: float
    superdeduction_extra: float
    superdeduction_extra_base: float
    superdeduction_schedule: int
    superdeduction_general_2017: float
    superdeduction_general_2018: float
    superdeduction_general_2023: float
    superdeduction_manufacturing_2021: float
    superdeduction_tsme_2017: float
    superdeduction_tsme_2022: float
    slpe_max_employees: float
    slpe_max_income: float
    slpe_low_bracket: float
    slpe_rate_low_2017: float
    slpe_rate_low_2019: float
    slpe_rate_low_2021: float
    slpe_rate_low_2023: float
    slpe_rate_high_2019: float
    slpe_rate_high_2022: float
    above_scale_revenue: float
    platform_min_rd_district: float
    platform_min_rd_municipal: float
    platform_min_rd_national: float

    _PCT = ("hte_rd_min_small", "hte_rd_min_mid", "hte_rd_min_large", "hte_st_staff_min",
            "hte_hightech_revenue_min", "tb_rd_min", "tb_st_staff_min", "cit_rate", "cit_rate_hte",
            "superdeduction_extra", "superdeduction_extra_base", "superdeduction_general_2017",
            "superdeduction_general_2018", "superdeduction_general_2023", "superdeduction_manufacturing_2021",
            "superdeduction_tsme_2017", "superdeduction_tsme_2022", "slpe_rate_low_2017", "slpe_rate_low_2019",
            "slpe_rate_low_2021", "slpe_rate_low_2023", "slpe_rate_high_2019", "slpe_rate_high_2022")

    @classmethod
    def from_values(cls, values: dict[str, float]) -> "RuleSet":
        """Build from scenario ``[rules]`` values (percentages as written in the regulations)."""
        v = {k: float(values[k]) for k in cls.__dataclass_fields__ if not k.startswith("_")}
        for k in cls._PCT:
            v[k] /= 100.0
        v["hte_min_age"] = int(round(v["hte_min_age"]))
        v["hte_validity"] = int(round(v["hte_validity"]))
        v["superdeduction_schedule"] = int(round(v["superdeduction_schedule"]))
        return cls(**v)


# ---- certification -------------------------------------------------------------------------

def hte_rd_threshold(sales, rules: RuleSet):
    """Minimum 3-year R&D / sales for HTE status, by the firm's sales band (5% / 4% / 3%).

    The bands are "sales <= 50m", "50m < sales <= 200m" and "sales > 200m" CNY (国科发火〔2016〕32号).
    """
    bar = _where(sales <= rules.hte_band_small_max, rules.hte_rd_min_small,
                   _where(sales <= rules.hte_band_mid_max, rules.hte_rd_min_mid, rules.hte_rd_min_large))
    # compare in the precision of the firm's own numbers (float32 in the core: 3% must pass 3%)
    return bar.astype(sales.dtype) if isinstance(sales, np.ndarray) and sales.dtype.kind == "f" else bar


def hte_eligible(age, rd_ratio_3y, sales, st_share, hightech_share, knowledge, rules: RuleSet):
    """All HTE conditions hold: registered >= 1 year, R&D band, S&T staff >= 10%,
    high-tech revenue >= 60%, and core IP (knowledge stock standing for IP and the innovation score)."""
    return ((age >= rules.hte_min_age)
            & (rd_ratio_3y >= hte_rd_threshold(sales, rules))
            & (st_share >= rules.hte_st_staff_min)
            & (hightech_share >= rules.hte_hightech_revenue_min)
            & (knowledge >= rules.hte_knowledge_min))


def hte_valid(hte_until, year):
    """A certificate is valid through year ``hte_until`` (0 = never certified)."""
    return hte_until >= year


def hte_until_after_grant(year, rules: RuleSet):
    """Last valid year of a certificate granted in ``year``: valid for ``hte_validity`` years,
    the year of grant included. A certificate valid through t-1 is re-examined in year t."""
    return year + rules.hte_validity - 1


def tech_sme_size_ok(employees, sales, rules: RuleSet):
    """National tech-SME size limits: <= 500 staff and <= 200m CNY sales."""
    return (employees <= rules.tsme_max_employees) & (sales <= rules.tsme_max_sales)


def tech_based_eligible(employees, sales, rd_ratio, st_share, knowledge, hte, platform, rules: RuleSet):
    """Tech-based (科技型企业) eligibility: an SME passing the R&D, staff and IP bars, or any firm
    that is a certified HTE or runs a municipal-or-higher R&D platform."""
    sme = (tech_sme_size_ok(employees, sales, rules) & (rd_ratio >= rules.tb_rd_min)
           & (st_share >= rules.tb_st_staff_min) & (knowledge >= rules.tb_knowledge_min))
    return sme | hte | (platform >= MUNICIPAL)


def above_scale(industrial, revenue, rules: RuleSet):
    """Above-scale (规上) industrial enterprise: industrial and revenue >= 20m CNY."""
    return industrial & (revenue >= rules.above_scale_revenue)


# ---- R&D decisions ---------------------------------------------------------------------------

def rd_user_cost(subsidy_rate, hte, rules: RuleSet, min_cost, superdeduction=None, tax=None):
    """After-tax cost of one yuan of R&D: 1 - subsidy - tax rate x super-deduction share.

    HTEs pay 15% corporate income tax and small low-profit firms less (``income_tax_rate``, passed
    as ``tax``), so the same deduction is worth less to them. The cost never falls below
    ``min_cost`` (``min_user_cost``): R&D is never free to the firm (and the response stays finite).
    """
    d = rules.superdeduction_extra if superdeduction is None else superdeduction
    tax = _where(hte, rules.cit_rate_hte, rules.cit_rate) if tax is None else tax
    return _max(min_cost, 1.0 - subsidy_rate - tax * d)


def income_tax_rate(year, hte, employees, taxable_income, rules: RuleSet):
    """The corporate income tax rate at the firm's margin in ``year``: 25%, 15% for a certified
    HTE, and for a small low-profit enterprise (小型微利企业: at most 300 staff and 3m CNY of
    taxable income) the reduced effective rate of its bracket in force that year; a firm takes the
    lowest rate it qualifies for.

    Brackets: taxable income up to 1m CNY, and 1-3m. Effective rates (20% on a reduced base): up
    to 1m, 10% in 2017-2018 (财税〔2017〕43号, 〔2018〕77号; the 2017 bracket was 0.5m), 5% in
    2019-2020 (财税〔2019〕13号), 2.5% in 2021-2022 (2021年第12号), 5% from 2023 (2023年第6号 and
    第12号, to 2027, then assumed extended); 1-3m: no relief before 2019, 10% in 2019-2021, 5% from
    2022 (2022年第13号). Total assets (at most 50m CNY) are not modelled.
    """
    base = _where(hte, rules.cit_rate_hte, rules.cit_rate)
    low = _where(year >= 2023, rules.slpe_rate_low_2023,
                 _where(year >= 2021, rules.slpe_rate_low_2021,
                        _where(year >= 2019, rules.slpe_rate_low_2019, rules.slpe_rate_low_2017)))
    high = _where(year >= 2022, rules.slpe_rate_high_2022,
                  _where(year >= 2019, rules.slpe_rate_high_2019, rules.cit_rate))
    slpe = (employees <= rules.slpe_max_employees) & (taxable_income <= rules.slpe_max_income)
    reduced = _where(taxable_income <= rules.slpe_low_bracket, low, high)
    return _where(slpe, _min(base, reduced), base)


def superdeduction_rate(year, manufacturing, tech_sme, rules: RuleSet, base_year):
    """The extra share of R&D deducted from taxable income in ``year`` for a firm of this type.

    By the rules in force each year (``rules.superdeduction_schedule`` = 1): most firms 50% up to
    2017 (财税〔2015〕119号), 75% 2018-2022 (财税〔2018〕99号, extended by 2021年第6号), 100% from 2023
    (2023年第7号); manufacturing firms 100% from 2021 (2021年第13号); tech-based SMEs 75% 2017-2021
    (财税〔2017〕34号) and 100% from 2022 (2022年第16号). A firm of two types takes the higher rate.
    Otherwise (schedule 0): ``superdeduction_extra_base`` up to ``base_year`` and
    ``superdeduction_extra`` after it, for every firm."""
    if not rules.superdeduction_schedule:
        return _where(year <= base_year, rules.superdeduction_extra_base, rules.superdeduction_extra)
    general = _where(year >= 2023, rules.superdeduction_general_2023,
                     _where(year >= 2018, rules.superdeduction_general_2018, rules.superdeduction_general_2017))
    manu = _where(year >= 2021, _max(general, rules.superdeduction_manufacturing_2021), general)
    tsme = _max(general, _where(year >= 2022, rules.superdeduction_tsme_2022, rules.superdeduction_tsme_2017))
    own = _where(manufacturing, manu, general)
    return _where(tech_sme, _max(own, tsme), own)


def rd_target_ratio(propensity, user_cost, user_cost_ref, elasticity, multiplier=1.0):
    """Target R&D / sales: the firm's propensity scaled by the fall in its user cost (constant elasticity)."""
    return propensity * (user_cost_ref / user_cost) ** elasticity * multiplier


def bunch_to_threshold(target, threshold, margin, aspiring, aim):
    """Firms aiming at HTE status whose target lies just below the band threshold raise R&D to
    ``aim`` times it (``hte_bunching_target``: bunching at the HTE notch, Chen et al. 2021)."""
    near = aspiring & (target < threshold) & (target >= threshold * (1.0 - margin))
    return near * (threshold * aim) + _not(near) * target   # np.where, as exact arithmetic


def rd_adjust(ratio, target, speed):
    """Partial adjustment of R&D intensity towards its target."""
    return ratio + speed * (target - ratio)


def rd_staff(rd_spend, labour_share, wage):
    """R&D full-time equivalents that a budget (m CNY) pays for."""
    return rd_spend * labour_share / wage


def st_share(staff, multiplier, st_factor, employees):
    """S&T staff / employees (HTE definition), capped at 1."""
    return _min(1.0, staff * multiplier * st_factor / _max(employees, 1.0))


def talent_factor(supply, demand):
    """Share of the R&D staff firms want that the local labour pool can supply."""
    return _min(1.0, supply / _max(demand, 1e-9))


# ---- knowledge -----------------------------------------------------------------------------

def innovation_probability(effective_staff, productivity):
    """Keynes+Schumpeter: P(success) = 1 - exp(-k * effective R&D staff)."""
    return 1.0 - _exp(-productivity * effective_staff)


def capacity_share(capacity, demand):
    """Share of the firms seeking a partner that a capacity (institute, university, commissioner
    places) can take this year: capacity / demand, at most 1."""
    return _min(1.0, capacity / _max(demand, 1.0))


def university_collab_threshold(p_institute, propensity, university_share):
    """A firm draws one uniform u: it works with an institute if u < ``p_institute``, else with a
    university if u is below this threshold. Firms seek a partner with ``propensity``; those the
    sector's institutes cannot take try a university, which takes a ``university_share`` of them."""
    return p_institute + propensity * (1 - p_institute / _max(propensity, 1e-9)) * university_share


def partners_compatible(k_i, k_j, threshold):
    """Two firms partner if their knowledge similarity, SKIN's conservative attractiveness
    min / max of the two stocks, reaches the threshold (written without a division:
    min >= threshold * max, and some knowledge on one side)."""
    hi = _max(k_i, k_j)
    return (_min(k_i, k_j) >= threshold * hi) & (hi > 0)


def spillover(k_i, k_j, rate):
    """Knowledge a firm absorbs from a partner: a share of the partner's lead."""
    return rate * _max(0.0, k_j - k_i)


def hightech_share_update(share, success, gain, decay):
    """High-tech products' revenue share rises after an innovation and erodes without one."""
    return success * (share + (1.0 - share) * gain) + _not(success) * (share * (1.0 - decay))


def knowledge_update(knowledge, depreciation, success, with_institute, institute_gain,
                     with_university, university_gain, spill, served, commissioner_gain):
    """A year of knowledge: the stock depreciates, +1 per innovation, plus what collaboration
    with an institute or a university, a partner's spillover and a science commissioner bring."""
    return (knowledge * (1 - depreciation) + success + with_institute * institute_gain
            + with_university * university_gain + spill + served * commissioner_gain)


def rd_learning_update(propensity, success, learning, cap):
    """A firm that innovated raises its R&D propensity (learning), up to ``cap`` (``max_rd_propensity``)."""
    return _where(success, _min(propensity * (1 + learning), cap), propensity)


def rd_start_probability(start_rate, subsidy_response, subsidy_rate):
    """Probability a firm without R&D sets up an R&D team this year (higher when subsidised)."""
    return start_rate * (1 + subsidy_response * subsidy_rate)


def new_rd_propensity(u, median, spread):
    """R&D propensity of a new R&D team from a uniform draw: ``median`` (``new_rd_propensity``)
    times a log-uniform factor with sd ``spread`` (``rd_propensity_spread``)."""
    return median * _exp(spread * math.sqrt(3) * (2 * u - 1))


def rd_ratio_3y(rd_lag1, rd_lag2, rd_now, sales_lag1, sales_lag2, sales_now):
    """R&D / sales over the last three years, the HTE test's measure (fewer years if younger)."""
    return (rd_lag1 + rd_lag2 + rd_now) / _max(sales_lag1 + sales_lag2 + sales_now, 1e-6)


def hte_fresh_ip_probability(innovations_since, ip_per_innovation):
    """Probability a firm holds IP it has not used in a certification yet. Re-certification needs
    IP since the last certificate: class II IP (utility models, designs, software copyrights)
    counts in one application only (《高新技术企业认定管理工作指引》). Each innovation since the
    last certificate brought usable IP with ``ip_per_innovation``."""
    return 1.0 - (1.0 - ip_per_innovation) ** innovations_since


def hte_score_pass_probability(score_mean, score_sd, score_min):
    """Probability an application scores ABOVE ``score_min`` (70, 不含70: a strict inequality).
    Scores are whole points of a normal spread (mean ``score_mean``, sd ``score_sd``) rounded to
    the point, so passing means at least ``score_min + 1``: the normal above ``score_min + 0.5``."""
    z = (score_min + 0.5 - score_mean) / _max(score_sd, 1e-9)
    return 0.5 * _erfc(z * (1 / math.sqrt(2)))


def hte_renewal_probability(innovations_since, ip_per_innovation, field_share, score_pass):
    """Probability a still-eligible firm whose certificate ran out is re-certified: it has fresh
    IP (``hte_fresh_ip_probability``), its products are still in the national list of supported
    high-tech fields (its sector's ``field_share``), and it scores above 70 (``score_pass``)."""
    return hte_fresh_ip_probability(innovations_since, ip_per_innovation) * field_share * score_pass


def hte_grant_probability(renewing, first, apply_prob, reward_response, reward_m, approval_rate, renew_prob):
    """Probability an eligible firm holds a new certificate at the end of the year: re-certified
    (``renew_prob``, the firm's ``hte_renewal_probability``) if its certificate just ran out, else
    applies (more often with a reward of ``reward_m`` million CNY) and is approved."""
    p_first = _min(1, apply_prob * (1 + reward_response * reward_m)) * approval_rate
    return renewing * renew_prob + (first & _not(renewing)) * p_first


def ip_since_update(innovations_since, success, granted):
    """Innovations since the firm's last certificate, at the end of the year: this year's
    innovation counts, and a certificate granted this year uses them up."""
    return _not(granted) * (innovations_since + success)


def campaign_probability(prob, reached_share, lift):
    """A yearly probability under a campaign (registration drive, HTE cultivation pool): the
    campaign reaches a share ``reached_share`` of the firms it targets and closes a share ``lift``
    of a reached firm's gap to 1; over the targeted firms, prob + reached x (1 - prob) x lift."""
    return prob + reached_share * (1.0 - prob) * lift


def tech_based_update(registered, eligible, u, register_prob, lapse_prob):
    """Registration next year from a uniform draw: eligible firms register with ``register_prob``;
    registered firms that no longer qualify lapse with ``lapse_prob``."""
    lapses = _not(eligible) & (u < lapse_prob)
    return (registered & _not(lapses)) | (_not(registered) & eligible & (u < register_prob))


# entrants' start state (``entrant_state``): revenue spread (lognormal σ of the growth shock's
# scale) of recruited firms and start-ups; a recruited firm's R&D over the lever's minimum; the
# share of ``recruit_hte_share`` a recruitment without the plan's conditions brings
RECRUIT_REVENUE_SIGMA, STARTUP_REVENUE_SIGMA = 0.8, 0.6
ENTRANT_RD_MARGIN = 1.05
UNCONDITIONED_HTE_FACTOR = 0.5


def entrant_state(recruited, incubated, year, draws, industrial, recruit_median_revenue, entrant_revenue,
                  entrant_rd_share, min_rd, conditions, recruit_hte_share, st_factor_sd, rd_median, rd_spread):
    """The start state of entering firms (array over entrants, or one entrant's scalars).

    ``draws`` holds the entrant's uniforms by purpose: ``revenue`` (a growth-shock quantile),
    ``rd`` (R&D propensity spread), ``has_rd``, ``st``, ``knowledge``, ``hightech``. A recruited firm
    (科技招商) is larger, does R&D above the plan's minimum when its conditions are enforced,
    arrives registered as tech-based with a district platform, and may bring an HTE certificate
    (certificates move with the firm); an incubated start-up does R&D and has some knowledge;
    a spontaneous start-up does R&D with probability ``entrant_rd_share``. An entrant doing R&D
    plans ``rd_median`` of sales (``entrant_rd_propensity``) times a log-uniform factor with sd
    ``rd_spread`` (``rd_propensity_spread``); a recruited firm at least ``ENTRANT_RD_MARGIN`` times
    the lever's minimum.
    """
    shock = growth_shock(draws["revenue"])
    revenue = _where(recruited, recruit_median_revenue * _exp(RECRUIT_REVENUE_SIGMA * shock),
                     entrant_revenue * _exp(STARTUP_REVENUE_SIGMA * shock))
    spread = math.sqrt(3) * (2 * draws["rd"] - 1)   # a uniform on the log scale, sd 1
    base_prop = rd_median * _exp(rd_spread * spread)
    has_rd = recruited | incubated | (draws["has_rd"] < entrant_rd_share)
    propensity = _where(recruited, _max(base_prop, min_rd * ENTRANT_RD_MARGIN), _where(has_rd, base_prop, 0.0))
    # recruited firms all do R&D, so their has_rd draw decides whether they bring a certificate;
    # given that (u < q), u / q is again uniform and sets the certificate's remaining years
    q_hte = recruit_hte_share * (1.0 if conditions else UNCONDITIONED_HTE_FACTOR)
    brings_hte = recruited & (draws["has_rd"] < q_hte)
    hte_years_left = _floor(3 * draws["has_rd"] / _max(q_hte, 1e-12))
    k, h = draws["knowledge"], draws["hightech"]
    return {
        "revenue": revenue, "propensity": propensity, "rd_ratio": propensity,
        "st_factor": _exp(st_factor_sd * math.sqrt(3) * (2 * draws["st"] - 1)),
        "knowledge": _where(recruited, 2.5 + 2 * k, _where(incubated, 1 + k, 0.3 * k)),
        "hightech": _where(recruited, 0.6 + 0.3 * h, _where(incubated, 0.2 + 0.5 * h, 0.3 * h)),
        "in_zone": industrial & (recruited | incubated),
        "tech_based": recruited & (conditions | brings_hte),
        "hte_until": _where(brings_hte, year + hte_years_left, 0),
        "platform": _where(recruited & conditions, DISTRICT, NONE),
    }


# ---- growth, exit, platforms ---------------------------------------------------------------

def growth_shock(u):
    """Unit-variance Laplace shock from a uniform: firm growth rates are tent-shaped (Stanley et
    al. 1996; Bottazzi and Secchi 2006), and the transform costs a fraction of a normal draw."""
    c = u - 0.5
    # |c| < 0.5 always; the factor keeps u = 0 finite (about -11.7 sd, never -inf)
    return _copysign(_log1p(-1.9999998 * _abs(c)), -c) * (1 / math.sqrt(2))


def revenue_after_growth(revenue, macro_growth, premium, success, sd, shock):
    """Next year's revenue: the economy's growth, an innovation premium and an idiosyncratic
    shock (mean-preserving on the log scale), capped at MAX_REVENUE (which only extreme parameter
    settings reach)."""
    return _min(revenue * _exp(macro_growth + premium * success + sd * shock - 0.5 * sd * sd), MAX_REVENUE)


def grant_multiplier(response, grant_m):
    """How much a grant of ``grant_m`` million CNY raises an upgrade hazard (linear, assumption)."""
    return 1 + response * grant_m


def subsidy_rate_paid(promised_rate, pot, eligible_rd):
    """The R&D subsidy rate actually paid: the promised rate, or less if the budget pot left after
    rewards, grants and financing cannot cover it for all eligible R&D."""
    return _min(promised_rate, pot / _max(eligible_rd, 1e-9))


def maker_upgrade_probability(hazard, grant_response, support_m):
    """Probability a university maker space moves up one level, raised by support per space."""
    return hazard * (1 + grant_response * support_m)


def exit_probability(base, age, tech_based, young_multiplier, tech_protection, financing_relief, young_age):
    """Annual exit probability: higher when young (younger than ``young_age``, ``young_firm_age``),
    lower for tech-based firms and with financing support."""
    p = base * _where(age < young_age, young_multiplier, 1.0)
    return p * _where(tech_based, (1.0 - tech_protection) * (1.0 - financing_relief), 1.0)


def platform_upgrade_probability(level, rd_spend, above_scale_or_hte, hazards, rules: RuleSet, grant_multipliers):
    """Probability a firm's R&D platform moves up one level this year.

    ``hazards`` and ``grant_multipliers`` are (district, municipal, national) tuples. A district
    platform needs R&D >= 0.3m; a municipal one an above-scale firm or an HTE and R&D >= 1.5m;
    a national one a municipal platform and R&D >= 30m CNY (assumptions in docs/ODD.md).
    """
    to_d = (level == NONE) & (rd_spend >= rules.platform_min_rd_district)
    to_m = (level == DISTRICT) & (rd_spend >= rules.platform_min_rd_municipal) & above_scale_or_hte
    to_n = (level == MUNICIPAL) & (rd_spend >= rules.platform_min_rd_national)
    # the three cases exclude each other (one level each), so the sum is exactly one of its terms
    return (to_d * (hazards[0] * grant_multipliers[0]) + to_m * (hazards[1] * grant_multipliers[1])
            + to_n * (hazards[2] * grant_multipliers[2]))


# readiness stages of the zone for national status (the ``htz_readiness`` indicator)
HTZ_MUNICIPAL, HTZ_APPLYING, HTZ_LISTED, HTZ_NATIONAL = 0, 1, 2, 3


# how steeply the zone's readiness hazard rises towards the bar (readiness ** this)
HTZ_READINESS_EXPONENT = 2


def htz_hazard(zone_hte, requirement, hazard_ready, push_multiplier, cap):
    """Annual probability the zone moves up one readiness stage (municipal zone -> application
    and self-assessment -> the expert site-visit list): the ready hazard scaled by readiness^2
    (``HTZ_READINESS_EXPONENT``), readiness being the zone's HTEs over the bar, capped at 1; the
    zone drive multiplies it; at most ``cap`` (``htz_hazard_cap``)."""
    readiness = _min(1.0, zone_hte / requirement)
    return _min(cap, hazard_ready * readiness ** HTZ_READINESS_EXPONENT * push_multiplier)


def htz_round(u, round_prob):
    """A national round of approvals (国家高新区升级批复) happens this year, from one uniform.
    Rounds are national events with pauses of several years: none 2023 to November 2025."""
    return u < round_prob


def htz_zone_update(stage, u_advance, u_approve, in_round, hazard, round_approval):
    """The zone's readiness stage at the end of the year (``HTZ_*``). A zone on the expert list
    is approved as national only in a year with a national round, with ``round_approval``
    (``u_approve``); otherwise a zone below the list moves up one stage with ``hazard``
    (``u_advance``). A zone listed this year waits for the next round; national is final."""
    listed = stage == HTZ_LISTED
    approved = listed & in_round & (u_approve < round_approval)
    advances = (stage < HTZ_LISTED) & (u_advance < hazard)
    return stage + approved + advances


def saturating(offers, pool):
    """What a budget lands when the pool it draws on is limited: offers / pool -> 0 gives the
    offers, many offers give the pool (pool x (1 - exp(-offers / pool)))."""
    return pool * -np.expm1(-np.asarray(offers) / np.maximum(pool, 1e-12))
