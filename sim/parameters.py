"""The registry of model parameters: name, section, unit, allowed range and meaning.

Every number the model uses lives in a scenario file (values and distributions, with sources in
comments); this registry only says which parameters exist, what they mean, in which unit, and
which values are physically allowed. The scenario schema, the JSON Schema, the validation
messages and the parameter table of docs/ODD.md are all generated from it, so they cannot drift.

Sections:
- ``initial``: start values in the base year (most are unobserved for Hechuan: distributions);
- ``uncertainties``: behavioural responses, exogenous paths, approval rates, hazards;
- ``rules``: certification, tax and statistical rules as written in the regulations.
"""

from __future__ import annotations

from dataclasses import dataclass

INF = float("inf")

# the sectors of the firm population (``sim.scenario.schema.SECTORS``, which imports this module;
# tests/test_hte_renewal.py checks the two lists agree): the per-sector parameters are named by them
SECTORS = ("auto", "it", "medicine", "materials", "building_materials", "consumer_goods", "agri_food", "other")


@dataclass(frozen=True)
class Param:
    name: str
    section: str
    unit: str
    low: float
    high: float
    meaning: str
    integer: bool = False
    # a structural constant of the model's form moved from the code into the registry (issue 12):
    # it draws its uniform from a stream of its own (``sim.core.params``), so moving it left every
    # other parameter's draw, and every result, unchanged
    structural: bool = False


def _p(section: str, rows: list[tuple], structural: bool = False) -> list[Param]:
    return [Param(name, section, unit, lo, hi, meaning, *rest, structural=structural)
            for name, unit, lo, hi, meaning, *rest in rows]


INITIAL = _p("initial", [
    ("gdp", "100m_CNY", 1, 100_000, "Hechuan GDP in the base year"),
    ("cq_rd_intensity", "pct", 0, 10, "Chongqing society-wide R&D spending / GDP in the base year"),
    ("firms", "firms", 100, 20_000, "innovation-relevant enterprises alive in the base year (one agent each)", True),
    ("above_scale_industrial", "firms", 10, 5_000, "above-scale (规上) industrial firms among them", True),
    ("hte_count", "firms", 0, 5_000, "high-tech enterprises with a valid certificate", True),
    ("tech_based_count", "firms", 0, 15_000, "registered tech-based enterprises (科技型企业)", True),
    ("rd_intensity", "pct", 0, 10, "Hechuan society-wide R&D spending / GDP"),
    ("rd_enterprise_share", "share", 0.2, 1, "enterprises' share of society-wide R&D spending"),
    ("firms_with_rd_share", "share", 0.01, 1, "share of the modelled firms that spend anything on R&D"),
    ("digital_core_share", "pct", 0, 50, "digital-economy core industries' value added / GDP"),
    ("digital_agent_share", "share", 0, 1, "share of digital-core value added produced by the modelled firms"),
    ("platform_share_above_scale", "share", 0, 1, "above-scale industrial firms with a municipal-or-higher R&D platform"),
    ("platform_share_hte", "share", 0, 1, "HTEs with a municipal-or-higher R&D platform"),
    ("district_platform_share", "share", 0, 1, "R&D-active firms without a higher platform that hold a district-level one"),
    ("national_platforms", "platforms", 0, 100, "national-level R&D platforms held by firms", True),
    ("agri_platforms", "platforms", 0, 500, "agricultural S&T platforms (firm centres, expert workstations, alliances)", True),
    ("hte_in_zone_share", "share", 0, 1, "share of the district's HTEs located in the high-tech zone"),
    ("innovation_rank", "rank", 1, 38, "Hechuan's rank by composite innovation index among Chongqing's 38 districts/counties", True),
    ("tb_eligible_backlog", "share", 0, 1, "share of unregistered R&D firms that already meet the tech-based IP bar"),
    ("hte_eligible_backlog", "firms", 0, 5_000, "uncertified firms meeting every HTE bar (they apply in the coming years)", True),
    ("rd_labour_slack", "share", -0.5, 2, "local R&D labour supply / firms' R&D staff demand - 1"),
    ("incubator_occupancy", "share", 0, 1, "tenants / capacity in incubators and accelerators"),
    ("university_projects", "projects", 0, 100_000, "S&T projects local universities carried out before the base "
                                                    "year that count toward the plan's goal (since the plan began)", True),
    ("htz_readiness", "stage", 0, 3, "the zone's readiness stage for national status in the base year (0 municipal "
                                     "zone, 1 application and self-assessment, 2 on the expert site-visit list, "
                                     "3 national)", True),
])

UNCERTAINTIES = _p("uncertainties", [
    # macro and exogenous environment
    ("gdp_growth", "pct_per_year", -10, 20, "mean real GDP growth of Hechuan over the horizon"),
    ("gdp_growth_sd", "pct", 0, 10, "year-to-year standard deviation of GDP growth"),
    ("cq_rd_trend", "pp_per_year", -0.5, 1, "annual change of Chongqing's R&D intensity"),
    ("cq_rd_sd", "pp", 0, 1, "year-to-year noise of Chongqing's R&D intensity change"),
    ("peer_index_growth", "pct_per_year", -5, 30, "mean annual growth of peer districts' innovation index"),
    ("peer_index_spread", "pct_per_year", 0, 20, "spread (sd) of peer districts' index growth rates"),
    ("peer_index_dispersion", "log_sd", 0.01, 2, "dispersion of peers' initial innovation index (log scale)"),
    ("first_tier_size", "districts", 1, 38, "number of districts counted as Chongqing's first tier (第一方阵)", True),
    ("nonfirm_rd_growth", "pct_per_year", -10, 40, "growth of R&D spending by universities, hospitals and government bodies"),
    ("other_digital_growth", "pct_per_year", -20, 50, "growth of digital-core value added outside the modelled firms"),
    # firm dynamics
    ("revenue_growth_sd", "log_sd", 0, 2, "idiosyncratic annual revenue shock of a firm"),
    ("innovation_revenue_premium", "log_growth", 0, 1, "extra revenue growth in a year with a successful innovation"),
    ("exit_rate", "per_year", 0, 0.5, "annual exit probability of an established non-tech firm"),
    ("young_exit_multiplier", "ratio", 1, 10, "exit probability multiplier for firms younger than 5 years"),
    ("tech_exit_protection", "share", 0, 1, "reduction of the exit probability for tech-based firms"),
    ("startup_rate", "per_1000_firms", 0, 200, "spontaneous tech start-ups per year per 1000 modelled firms"),
    ("entrant_revenue", "m_CNY", 0.01, 100, "median first-year revenue of a start-up (spontaneous or incubated)"),
    ("entrant_rd_share", "share", 0, 1, "share of spontaneous start-ups doing R&D (incubated ones all do)"),
    ("recruit_hte_share", "share", 0, 1, "share of recruited tech firms bringing a valid HTE certificate"),
    ("revenue_per_employee", "m_CNY", 0.05, 20, "revenue per employee"),
    ("taxable_margin", "share", 0, 1, "a firm's taxable income / sales (for the small low-profit enterprise test)"),
    # R&D decisions and knowledge
    ("rd_cost_elasticity", "elasticity", 0, 5, "elasticity of firms' R&D intensity to its after-tax user cost"),
    ("rd_adjust_speed", "share_per_year", 0, 1, "share of the gap to target R&D intensity closed per year"),
    ("rd_start_rate", "per_year", 0, 1, "probability a firm without R&D starts doing R&D in a year"),
    ("rd_start_subsidy_response", "ratio", 0, 50, "rise of that probability per unit of R&D subsidy rate"),
    ("rd_learning", "share", 0, 1, "relative rise of a firm's R&D propensity after a successful innovation"),
    ("hte_bunching_margin", "share", 0, 1, "firms within this relative distance below the HTE R&D threshold raise R&D to meet it"),
    ("knowledge_productivity", "per_FTE", 0, 5, "k in P(innovation) = 1 - exp(-k * effective R&D staff)"),
    ("knowledge_depreciation", "per_year", 0, 1, "share of a firm's knowledge stock lost per year"),
    ("hightech_gain", "share", 0, 1, "share of the non-high-tech revenue turned high-tech by a successful innovation"),
    ("hightech_decay", "share_per_year", 0, 1, "yearly decay of the high-tech revenue share without innovation"),
    ("rd_wage", "m_CNY_per_FTE", 0.02, 2, "annual cost of one R&D full-time equivalent"),
    ("rd_labour_share", "share", 0, 1, "share of R&D spending that pays R&D staff"),
    ("st_staff_multiplier", "ratio", 1, 10, "S&T staff (HTE definition) per R&D full-time equivalent"),
    ("rd_labour_growth", "pct_per_year", -10, 30, "natural growth of the local R&D labour pool"),
    ("labour_migration", "share_per_year", 0, 1, "share of an R&D staff shortage filled by people moving in by the next year"),
    # collaboration
    ("collab_propensity", "share_per_year", 0, 1, "probability an R&D-active firm seeks a university or institute partner"),
    ("institute_gain", "knowledge_units", 0, 10, "knowledge a firm gains from a year's collaboration with an institute"),
    ("university_gain", "knowledge_units", 0, 10, "knowledge a firm gains from a year's collaboration with a university"),
    ("spillover_rate", "share", 0, 1, "share of a firm partner's knowledge lead absorbed in a partnership (SKIN)"),
    ("partner_threshold", "share", 0, 1, "minimum knowledge similarity for two firms to partner (SKIN, conservative)"),
    # certification and registration behaviour
    ("tb_register_prob", "per_year", 0, 1, "probability an eligible firm registers as tech-based in a year"),
    ("tb_lapse_prob", "per_year", 0, 1, "probability a registered but no longer eligible firm loses tech-based status"),
    ("hte_apply_prob", "per_year", 0, 1, "probability an eligible firm without certificate applies in a year"),
    ("hte_ip_per_innovation", "share", 0, 1, "probability an innovation gives the firm new IP it can use in one HTE "
                                             "application (class II IP counts only once)"),
    ("hte_renew_score_mean", "points", 0, 100, "mean evaluation score (of 100) of an eligible firm applying for "
                                               "re-certification"),
    ("hte_renew_score_sd", "points", 0, 50, "spread (sd) of those scores across firms"),
    *[(f"hte_field_share_{sector}", "share", 0, 1, f"share of the {sector} sector's HTEs whose main products are "
       "still in the national list of supported high-tech fields at re-certification") for sector in SECTORS],
    ("hte_approval_rate", "share", 0, 1, "share of HTE applications approved"),
    ("hte_reward_response", "per_m_CNY", 0, 10, "rise of the application odds per million CNY of certification reward"),
    # platforms
    ("platform_hazard_district", "per_year", 0, 1, "probability an eligible firm sets up a district-level platform"),
    ("platform_hazard_municipal", "per_year", 0, 1, "probability an eligible district platform is upgraded to municipal"),
    ("platform_hazard_national", "per_year", 0, 1, "probability an eligible municipal platform is upgraded to national"),
    ("platform_grant_response", "per_m_CNY", 0, 10, "rise of the upgrade odds per million CNY of platform grant"),
    # digital economy
    ("digital_adoption_rate", "per_year", 0, 0.5, "probability an innovating non-digital firm enters digital-core activity"),
    # incubation, recruitment, talent, universities, agriculture, zone
    ("incubator_graduation_rate", "per_year", 0, 1, "share of incubator/accelerator tenants graduating per year"),
    ("incubator_failure_rate", "per_year", 0, 1, "share of tenants failing per year"),
    ("spinoff_rate", "per_year", 0, 50, "start-ups per university per year per maker-space level"),
    ("recruit_cost", "m_CNY_per_firm", 0.1, 500, "incentive cost per recruited tech firm"),
    ("recruit_yield", "share", 0, 1, "share of funded recruitment offers that land a firm"),
    ("recruit_pool", "firms_per_year", 1, 1000, "most tech firms a year Hechuan could land with unlimited money"),
    ("recruit_condition_yield", "ratio", 0, 1, "landing rate multiplier when the plan's R&D/platform/patent conditions are enforced"),
    ("talent_cost", "m_CNY_per_talent", 0.05, 50, "cost of attracting one high-level talent (三江英才计划)"),
    ("talent_pool", "talents_per_year", 1, 10000, "most high-level talents a year Hechuan could attract with unlimited money"),
    ("talent_uptake", "share", 0, 1, "share of funded talent packages that bring a talent to Hechuan"),
    ("talent_attrition", "per_year", 0, 1, "share of attracted high-level talents leaving per year"),
    ("talent_boost", "per_talent_per_100_FTE", 0, 5, "rise of R&D productivity per high-level talent per 100 R&D FTE in the district"),
    ("graduate_retention", "share", 0, 1, "share of local graduates taking jobs in Hechuan"),
    ("graduate_rd_share", "share", 0, 1, "share of retained graduates joining the R&D labour pool"),
    ("project_rate", "projects_per_year", 0, 100, "S&T projects local universities carry out per year without extra support"),
    ("collab_project_rate", "projects_per_collab", 0, 1, "university S&T projects arising per firm collaboration"),
    ("project_cost", "m_CNY_per_project", 0.01, 20, "district funding per additional university S&T project"),
    ("maker_upgrade_hazard", "per_year", 0, 1, "probability a university maker space moves up one level in a year"),
    ("maker_grant_response", "per_m_CNY", 0, 20, "rise of the maker-space upgrade odds per million CNY of support"),
    ("agri_platform_rate", "platforms_per_year", 0, 20, "new agricultural S&T platforms per year without the lever"),
    ("agri_platform_cost", "m_CNY_per_platform", 0.05, 50, "cost of one additional agricultural S&T platform"),
    ("commissioner_gain", "knowledge_units", 0, 5, "knowledge an agri firm served by a science commissioner gains in a year"),
    ("commissioner_reach", "firms_per_commissioner", 0, 50, "agri firms one science commissioner serves per year"),
    ("incubator_intake", "share", 0, 1, "share of spontaneous start-ups that seek an incubator place"),
    ("st_factor_sd", "log_sd", 0, 2, "spread across firms of S&T staff intensity at equal R&D spending"),
    ("ip_rd_response", "per_100m_CNY", 0, 5, "relative rise of R&D propensity per 100m CNY/yr of IP protection"),
    ("financing_exit_response", "per_100m_CNY", 0, 5, "relative fall of tech firms' exit rate per 100m CNY/yr of financing support"),
    ("institute_capacity_cost", "m_CNY_per_firm", 0.01, 10, "institute funding per additional firm served per year"),
    ("incubator_slot_cost", "m_CNY_per_slot", 0.01, 10, "funding per additional incubator tenant slot per year"),
    ("campaign_reach_cost", "m_CNY_per_firm", 0.001, 10, "registration drive's cost per unregistered R&D firm it "
                                                          "reaches in a year"),
    ("campaign_register_lift", "share", 0, 1, "share of a reached eligible firm's non-registration the drive closes"),
    ("campaign_pool_cost", "m_CNY_per_firm", 0.001, 10, "cultivation pool's cost per HTE candidate coached in a year"),
    ("campaign_apply_lift", "share", 0, 1, "share of a coached eligible firm's non-application the pool closes"),
    ("htz_hazard_ready", "per_year", 0, 1, "annual probability a zone meeting the HTE requirement moves up one readiness "
                                           "stage (to the application, then to the expert list)"),
    ("htz_hte_requirement", "firms", 1, 1000, "HTEs in the zone at which it is fully ready for national status"),
    ("htz_push_response", "per_100m_CNY", 0, 10, "rise of the readiness hazard per 100m CNY/yr of zone upgrade effort"),
    ("htz_round_prob", "per_year", 0, 1, "probability of a national round of high-tech-zone approvals in a year"),
    ("htz_round_approval", "share", 0, 1, "probability a zone on the expert list is approved in a national round"),
    ("htz_recruit_bonus", "share", 0, 5, "extra recruitment yield once the zone is national"),
])

RULES = _p("rules", [
    ("hte_rd_min_small", "pct", 0, 100, "HTE: R&D / sales over 3 years, sales <= band 1"),
    ("hte_rd_min_mid", "pct", 0, 100, "HTE: R&D / sales over 3 years, sales in band 2"),
    ("hte_rd_min_large", "pct", 0, 100, "HTE: R&D / sales over 3 years, sales above band 2"),
    ("hte_band_small_max", "m_CNY", 0, INF, "HTE: upper sales limit of band 1"),
    ("hte_band_mid_max", "m_CNY", 0, INF, "HTE: upper sales limit of band 2"),
    ("hte_st_staff_min", "pct", 0, 100, "HTE: S&T staff / employees"),
    ("hte_hightech_revenue_min", "pct", 0, 100, "HTE: high-tech products' revenue / revenue"),
    ("hte_min_age", "years", 0, 20, "HTE: years registered before applying", True),
    ("hte_validity", "years", 1, 10, "HTE: years a certificate is valid", True),
    ("hte_knowledge_min", "knowledge_units", 0, 100, "HTE: knowledge stock standing for core IP and the innovation score"),
    ("hte_score_min", "points", 0, 100, "HTE: evaluation score an application must exceed (strictly: 70 fails)"),
    ("tsme_max_employees", "persons", 1, INF, "tech SME: maximum employees"),
    ("tsme_max_sales", "m_CNY", 0, INF, "tech SME: maximum sales"),
    ("tb_rd_min", "pct", 0, 100, "tech-based registration: minimum R&D / sales"),
    ("tb_st_staff_min", "pct", 0, 100, "tech-based registration: minimum S&T staff / employees"),
    ("tb_knowledge_min", "knowledge_units", 0, 100, "tech-based registration: knowledge stock standing for IP"),
    ("cit_rate", "pct", 0, 100, "corporate income tax rate"),
    ("cit_rate_hte", "pct", 0, 100, "corporate income tax rate of certified HTEs"),
    ("superdeduction_extra", "pct", 0, 300, "R&D super-deduction over the horizon: extra share of R&D deducted from taxable income"),
    ("superdeduction_extra_base", "pct", 0, 300, "R&D super-deduction in the base year (firms' R&D propensities are measured under it)"),
    ("superdeduction_schedule", "flag", 0, 1, "1: the super-deduction follows the rates in force each year by firm type "
                                             "(the superdeduction_general/manufacturing/tsme rows); 0: the two flat "
                                             "rates above", True),
    ("superdeduction_general_2017", "pct", 0, 300, "super-deduction of most firms up to 2017"),
    ("superdeduction_general_2018", "pct", 0, 300, "super-deduction of most firms 2018-2022"),
    ("superdeduction_general_2023", "pct", 0, 300, "super-deduction of most firms from 2023"),
    ("superdeduction_manufacturing_2021", "pct", 0, 300, "super-deduction of manufacturing firms from 2021"),
    ("superdeduction_tsme_2017", "pct", 0, 300, "super-deduction of tech-based SMEs 2017-2021"),
    ("superdeduction_tsme_2022", "pct", 0, 300, "super-deduction of tech-based SMEs from 2022"),
    ("slpe_max_employees", "persons", 1, INF, "small low-profit enterprise (小型微利企业): maximum employees"),
    ("slpe_max_income", "m_CNY", 0, INF, "small low-profit enterprise: maximum annual taxable income"),
    ("slpe_low_bracket", "m_CNY", 0, INF, "small low-profit enterprise: upper limit of the lower income bracket"),
    ("slpe_rate_low_2017", "pct", 0, 100, "small low-profit enterprise: effective tax rate, lower bracket, 2017-2018"),
    ("slpe_rate_low_2019", "pct", 0, 100, "small low-profit enterprise: effective tax rate, lower bracket, 2019-2020"),
    ("slpe_rate_low_2021", "pct", 0, 100, "small low-profit enterprise: effective tax rate, lower bracket, 2021-2022"),
    ("slpe_rate_low_2023", "pct", 0, 100, "small low-profit enterprise: effective tax rate, lower bracket, from 2023"),
    ("slpe_rate_high_2019", "pct", 0, 100, "small low-profit enterprise: effective tax rate, upper bracket, 2019-2021"),
    ("slpe_rate_high_2022", "pct", 0, 100, "small low-profit enterprise: effective tax rate, upper bracket, from 2022"),
    ("above_scale_revenue", "m_CNY", 0, INF, "revenue from which an industrial firm is above-scale (规上)"),
    ("platform_min_rd_district", "m_CNY", 0, INF, "R&D spending needed to run a district-level platform"),
    ("platform_min_rd_municipal", "m_CNY", 0, INF, "R&D spending needed for a municipal-level platform"),
    ("platform_min_rd_national", "m_CNY", 0, INF, "R&D spending needed for a national-level platform"),
])

# Structural constants that were numbers in the engines' code until issue 12, now parameters so
# that a screening can vary them; their values and reasons are in the scenario like every other
# parameter's. (The model's other fixed numbers stay in code: ``sim.constants`` lists them.)
STRUCTURAL = _p("initial", [
    ("rd_propensity_sigma", "log_sd", 0, 3, "spread (lognormal σ) of incumbent R&D firms' R&D propensity before it is "
                                            "scaled to the drawn R&D intensity"),
    ("firm_age_mean", "years", 0.5, 40, "mean age of incumbent firms in the base year (1 + an exponential, at most 40)"),
], structural=True) + _p("uncertainties", [
    ("student_growth", "pct_per_year", -10, 20, "annual growth of university enrolment"),
    ("study_years", "years", 1, 10, "years of study: a university's graduates a year are its students / this"),
    ("htz_index_bonus", "log_points", 0, 1, "rise of Hechuan's log innovation index once its zone is national"),
    ("hte_bunching_target", "ratio", 1, 1.5, "R&D / sales a bunching firm aims at, relative to its HTE band threshold"),
    ("max_rd_propensity", "share", 0.01, 1, "highest R&D propensity (R&D / sales at base-year user cost) a firm "
                                            "reaches by learning, and in the start state"),
    ("max_rd_ratio", "share", 0.01, 1, "highest R&D / sales a firm spends in a year"),
    ("young_firm_age", "years", 0, 40, "age below which a firm counts as young (young_exit_multiplier)"),
    ("new_rd_propensity", "share", 0, 0.5, "median R&D propensity of a firm's newly set-up R&D team"),
    ("rd_propensity_spread", "log_sd", 0, 3, "spread (sd of a log-uniform) of new R&D teams' and entrants' R&D "
                                             "propensity"),
    ("entrant_rd_propensity", "share", 0, 0.5, "median R&D propensity of an entrant doing R&D (a recruited firm at "
                                               "least the lever's minimum)"),
    ("min_user_cost", "share", 0.01, 1, "lowest after-tax cost of one yuan of R&D to a firm, however large the "
                                        "subsidy"),
    ("financing_relief_cap", "share", 0, 1, "largest fall of a tech firm's exit odds that financing support buys"),
    ("htz_hazard_cap", "per_year", 0, 1, "highest annual probability the zone moves up a readiness stage"),
], structural=True)

ALL: list[Param] = INITIAL + UNCERTAINTIES + RULES + STRUCTURAL
BY_SECTION: dict[str, dict[str, Param]] = {
    sec: {p.name: p for p in ALL if p.section == sec} for sec in ("initial", "uncertainties", "rules")
}
