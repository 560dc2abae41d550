"""The registry's plausible ranges: for every model parameter, the range a screening varies it over.

``sim.parameters`` says which values are *allowed* (physically possible); this table says which
values are *plausible* for Hechuan, with the reasoning, so that a parameter held at a point value in
a scenario can still be screened (``innovsim screen``). Keyed by the registry's dotted name
(``"uncertainties.rd_learning"``). A test checks that every registry parameter has a row and that
each range lies inside the allowed one.

How the rows were set (the figures and sources are those of ``scenarios/baseline.toml`` and
``docs/ODD.md``):

- a parameter the baseline gives a distribution: the distribution's support, widened where the
  calibrated 2025 state (``calibration/posterior/posterior.csv``, 5-95%) lies outside it;
- an observed figure or a rule of law: the range a revision of the statistics, or a reform within
  the plan's horizon, could plausibly bring (a stated judgement);
- an assumption held at a point value: a stated judgement, mostly half to one and a half times the
  point value ("±50%"), because no source narrows it; narrower or wider where the reasoning says so.

A basis starts with its kind: ``observed:``, ``literature:``, ``law:``, ``derived:``, ``estimate:``
(a reasoned estimate from related figures) or ``assumption:``. The screening (``sim.screening``)
varies a parameter with a distribution in the scenario over that distribution, and one held at a
point value over the range below.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("observed", "literature", "law", "derived", "estimate", "assumption")


@dataclass(frozen=True)
class Plausible:
    low: float
    high: float
    basis: str  # "observed: ...", "literature: ...", "law: ...", "derived: ..." or "assumption: ..."


def _half(value: float, why: str, low: float | None = None, high: float | None = None) -> Plausible:
    """Half to one and a half times ``value`` (clipped to ``low``/``high``): the judgement for a
    point assumption that no source narrows."""
    lo = value * 0.5 if low is None else max(low, value * 0.5)
    hi = value * 1.5 if high is None else min(high, value * 1.5)
    return Plausible(lo, hi, f"assumption: {why}; no source narrows it, so half to one and a half times the "
                             f"baseline's {value:g}")


def _support(low: float, high: float, why: str) -> Plausible:
    """The support of the baseline's distribution, with the reasoning of its scenario comment."""
    if ":" not in why:          # a bare "assumption": the distribution is the whole of the reasoning
        return Plausible(low, high, f"{why}: the baseline's distribution spans {low:g}-{high:g}")
    return Plausible(low, high, f"{why} (the baseline's distribution spans {low:g}-{high:g})")


_FIELD_SHARE_CORE = ("assumption: products squarely in a supported high-tech field (vehicles, IT, medicine, new "
                     "materials; baseline 0.97-0.98); a re-examination could still reclassify a few firms")
_FIELD_SHARE_EDGE = "assumption: products at the edge of the list of supported fields"

PLAUSIBLE: dict[str, Plausible] = {
    # ---- initial: start values ------------------------------------------------------------------
    "initial.gdp": Plausible(900, 1600, "observed: 1000.28 in 2022 (hc_gdp) and 912.51 in 2019; the upper end covers "
                                        "the later base years a scenario may start from (calibrated 2025 state "
                                        "1070-1481, 5-95%)"),
    "initial.cq_rd_intensity": Plausible(2.2, 2.9, "observed: Chongqing 2.36% in 2022 (cq_rd_intensity); up to the "
                                                   "calibrated 2025 state (2.40-2.84, 5-95%)"),
    "initial.firms": Plausible(3000, 5500, "estimate: about one in seven of Hechuan's 25-35 thousand enterprises "
                                           "(baseline triangular 3,500-5,500), down to the calibrated 2025 state "
                                           "(3,139-4,247, 5-95%)"),
    "initial.above_scale_industrial": Plausible(320, 600, "estimate: Hechuan's 3.4% of Chongqing's ~7,000 above-scale "
                                                          "firms (baseline 320-540), up to the calibrated 2025 state "
                                                          "(415-579, 5-95%)"),
    "initial.hte_count": Plausible(80, 200, "estimate: peer Bishan 239 in 2020, Hechuan's 2022 applications (>80, 49 "
                                            "in the first batch); baseline 110-200, calibrated 2025 state 80-156"),
    "initial.tech_based_count": _support(600, 1150, "estimate: peer Bishan 1,102 in 2020 and the plan's 1,500 by "
                                                    "2026 at 12-18%/yr"),
    "initial.rd_intensity": Plausible(1.3, 2.5, "estimate: below Chongqing's 2.36% (the plan's goal says so); baseline "
                                                "1.3-2.3, calibrated 2025 state 1.67-2.48"),
    "initial.rd_enterprise_share": _support(0.75, 0.90, "assumption: enterprises perform ~4/5 of R&D in Chinese "
                                                        "regions"),
    "initial.firms_with_rd_share": _support(0.30, 0.50, "assumption: a minority of the modelled firms do R&D"),
    "initial.digital_core_share": Plausible(3.0, 12.0, "estimate: Chongqing 7.7% in 2022, Hechuan without an "
                                                       "electronics cluster (baseline 3.0-6.5); the calibrated 2025 "
                                                       "state reaches 4.8-12.2"),
    "initial.digital_agent_share": _support(0.4, 0.8, "assumption: the rest is telecoms, platforms, public digital "
                                                      "services"),
    "initial.platform_share_above_scale": _support(0.15, 0.35, "estimate: 30% of Chongqing's above-scale firms had "
                                                               "an R&D institution of any level in 2021"),
    "initial.platform_share_hte": _support(0.35, 0.65, "estimate: HTEs are the firms most likely to hold one"),
    "initial.district_platform_share": _support(0.10, 0.30, "assumption"),
    "initial.national_platforms": Plausible(1, 3, "estimate: the plan asks for >= 3, implying fewer in 2022 (baseline "
                                                  "1-2); the calibrated 2025 state reaches 3"),
    "initial.agri_platforms": Plausible(10, 40, "estimate: the plan asks for >= 20 (baseline 10-14 in 2022); the "
                                                "calibrated 2025 state 20-40"),
    "initial.hte_in_zone_share": _support(0.45, 0.75, "assumption: the zone hosts most industrial HTEs"),
    "initial.innovation_rank": Plausible(8, 18, "estimate: class 4 of 5 in 2015, not in the top 3 in 2021 (baseline "
                                                "10-18); the calibrated 2025 state 8-17"),
    "initial.tb_eligible_backlog": _support(0.10, 0.40, "estimate: firms a registration campaign can still reach"),
    "initial.hte_eligible_backlog": Plausible(5, 60, "estimate: about a fifth of the HTE count waiting (baseline "
                                                     "10-60); the calibrated 2025 state 5-22"),
    "initial.rd_labour_slack": _support(-0.05, 0.15, "assumption: a tight R&D labour market"),
    "initial.incubator_occupancy": _support(0.5, 0.9, "assumption"),
    "initial.university_projects": Plausible(0, 70, "derived: none before the plan began in 2022 (baseline 0); a "
                                                    "later base year counts those since 2022 (calibrated 2025 state "
                                                    "36-69)"),
    "initial.htz_readiness": Plausible(0, 1, "estimate: a municipal zone since 2021 with no reported application or "
                                             "site visit (baseline 0 or 1)"),
    # ---- uncertainties: macro and the exogenous environment ---------------------------------------
    "uncertainties.gdp_growth": _support(2.5, 6.5, "observed: 3.1%/yr nominal 2019-22 in the Covid years, 8.9% in "
                                                   "2019"),
    "uncertainties.gdp_growth_sd": Plausible(0.5, 3.0, "assumption: year-to-year swings of a district's growth of "
                                                       "1-3 pp (1.5 in the baseline)"),
    "uncertainties.cq_rd_trend": _support(0.05, 0.15, "observed: 1.88% (2017) -> 2.36% (2022), +0.096 pp/yr"),
    "uncertainties.cq_rd_sd": Plausible(0.01, 0.06, "observed: yearly steps 2019-22 of +0.05 to +0.20 pp around the "
                                                    "trend (0.03 in the baseline)"),
    "uncertainties.peer_index_growth": _support(0.5, 4.0, "assumption: a typical district's composite index growth"),
    "uncertainties.peer_index_spread": _half(1.5, "districts' growth rates differ by ~1.5 pp/yr"),
    "uncertainties.peer_index_dispersion": _half(0.35, "spread of 38 districts' index levels (log sd)"),
    "uncertainties.first_tier_size": Plausible(8, 10, "estimate: recent reports put 8-10 districts in the first tier "
                                                      "(DESIGN.md)"),
    "uncertainties.nonfirm_rd_growth": _support(3, 10, "assumption"),
    "uncertainties.other_digital_growth": _support(4, 14, "assumption: Chongqing's broad digital economy rose fast "
                                                          "2021-22"),
    # ---- firm dynamics --------------------------------------------------------------------------------
    "uncertainties.revenue_growth_sd": _half(0.20, "typical SME sales volatility (log sd)"),
    "uncertainties.innovation_revenue_premium": _support(0.02, 0.10, "assumption"),
    "uncertainties.exit_rate": _support(0.025, 0.05, "assumption: annual exit of established SMEs"),
    "uncertainties.young_exit_multiplier": Plausible(1.5, 3.0, "assumption: young firms exit about twice as often "
                                                               "(2 in the baseline); 1.5-3 spans the usual "
                                                               "firm-demography ratios"),
    "uncertainties.tech_exit_protection": _half(0.4, "tech-based firms exit less often"),
    "uncertainties.startup_rate": _support(35, 120, "derived: the 2017 and 2022 firm priors imply ~3.4%/yr net growth, "
                                                "60-90 start-ups per 1,000 firms with exits of 4-5%; fitted"),
    "uncertainties.entrant_revenue": _half(1.5, "first-year revenue of a start-up, m CNY"),
    "uncertainties.entrant_rd_share": _half(0.5, "half the spontaneous start-ups do R&D"),
    "uncertainties.recruit_hte_share": _half(0.4, "the plan targets firms with core technology"),
    "uncertainties.revenue_per_employee": _half(0.8, "m CNY per employee in manufacturing SMEs"),
    # ---- R&D and knowledge ----------------------------------------------------------------------------
    "uncertainties.rd_cost_elasticity": _support(0.3, 1.2, "literature: user-cost elasticity of R&D ~0.5-1 (Bloom, "
                                                           "Griffith & Van Reenen 2002)"),
    "uncertainties.rd_adjust_speed": _half(0.4, "partial adjustment of R&D"),
    "uncertainties.taxable_margin": _support(0.03, 0.10, "assumption: pre-tax profit / sales of Chongqing SMEs"),
    "uncertainties.rd_start_rate": _support(0.01, 0.08, "assumption: some firms set up R&D each year; fitted"),
    "uncertainties.rd_start_subsidy_response": _half(5.0, "a 5% subsidy rate raises the start rate by a quarter"),
    "uncertainties.rd_learning": Plausible(0.0, 0.10, "assumption: no source; from no learning at all to twice the "
                                                      "baseline's 0.05 (a success raises the R&D propensity by up "
                                                      "to a tenth)"),
    "uncertainties.hte_bunching_margin": _support(0.10, 0.35, "literature: bunching at the HTE thresholds (Chen, Liu, "
                                                              "Suarez Serrato & Xu 2021, AER)"),
    "uncertainties.knowledge_productivity": _support(0.03, 0.10, "assumption: a 5-FTE lab innovates in about one year "
                                                                 "of four"),
    "uncertainties.knowledge_depreciation": Plausible(0.10, 0.25, "literature: R&D capital depreciation ~15%/yr, "
                                                                  "10-25% across industries (Hall 2007)"),
    "uncertainties.hightech_gain": _half(0.20, "a new product line shifts a fifth of the rest of sales"),
    "uncertainties.hightech_decay": Plausible(0.0, 0.05, "assumption: product classification is sticky (0.02 in the "
                                                         "baseline); from none to 5% a year"),
    "uncertainties.rd_wage": Plausible(0.10, 0.25, "estimate: labour cost per R&D FTE; Chongqing's 2022 average wage "
                                                   "0.107m CNY (non-private units), 0.060m (private), 0.149m in "
                                                   "research and technical services (2021), plus ~30% employer "
                                                   "contributions: 0.10 (SME technicians) to 0.25 (engineers)"),
    "uncertainties.rd_labour_share": Plausible(0.40, 0.70, "assumption: labour's share of R&D spending (0.55); "
                                                           "Chinese R&D statistics put it at roughly 0.4-0.7"),
    "uncertainties.st_staff_multiplier": Plausible(1.2, 2.4, "assumption: S&T staff (HTE definition) per R&D FTE "
                                                             "(1.6)"),
    "uncertainties.rd_labour_growth": _support(2, 6, "assumption"),
    "uncertainties.labour_migration": _support(0.1, 0.4, "assumption: some R&D staff move out to Hechuan when it "
                                                         "pays"),
    # ---- collaboration ----------------------------------------------------------------------------------
    "uncertainties.collab_propensity": _half(0.30, "share of R&D firms seeking a partner each year"),
    "uncertainties.institute_gain": _half(0.5, "knowledge from a year's work with an institute"),
    "uncertainties.university_gain": _half(0.3, "mostly applied colleges"),
    "uncertainties.spillover_rate": _half(0.10, "SKIN-like knowledge exchange"),
    "uncertainties.partner_threshold": Plausible(0.3, 0.7, "literature: SKIN's default attractiveness threshold 0.3; "
                                                           "0.5 for an annual regional model (assumption), up to 0.7"),
    # ---- certification and registration behaviour --------------------------------------------------------
    "uncertainties.tb_register_prob": _support(0.40, 0.80, "assumption: registration campaigns reach most eligible "
                                                           "firms"),
    "uncertainties.tb_lapse_prob": _support(0.1, 0.4, "assumption: registrations are reviewed yearly; firms that no "
                                                  "longer qualify lapse within 1-10 years; fitted"),
    "uncertainties.hte_apply_prob": _support(0.40, 0.80, "assumption: certification is worth 10 pp of profit tax"),
    "uncertainties.hte_ip_per_innovation": _support(0.5, 0.9, "assumption: most innovations are filed as IP in time"),
    "uncertainties.hte_renew_score_mean": _support(74, 84, "assumption: ~83% of eligible renewals above 70"),
    "uncertainties.hte_renew_score_sd": Plausible(5, 12, "assumption: firms' scores spread over about +-15 points "
                                                         "(sd 8)"),
    "uncertainties.hte_field_share_auto": Plausible(0.90, 1.0, _FIELD_SHARE_CORE),
    "uncertainties.hte_field_share_it": Plausible(0.90, 1.0, _FIELD_SHARE_CORE),
    "uncertainties.hte_field_share_medicine": Plausible(0.90, 1.0, _FIELD_SHARE_CORE),
    "uncertainties.hte_field_share_materials": Plausible(0.90, 1.0, _FIELD_SHARE_CORE),
    "uncertainties.hte_field_share_building_materials": _support(0.75, 0.97, _FIELD_SHARE_EDGE),
    "uncertainties.hte_field_share_consumer_goods": _support(0.70, 0.95, _FIELD_SHARE_EDGE),
    "uncertainties.hte_field_share_agri_food": _support(0.70, 0.95, _FIELD_SHARE_EDGE),
    "uncertainties.hte_field_share_other": _support(0.75, 0.97, _FIELD_SHARE_EDGE),
    "uncertainties.hte_approval_rate": _support(0.55, 0.85, "assumption"),
    "uncertainties.hte_reward_response": _half(1.0, "a 0.2m CNY reward raises application odds by 20%"),
    # ---- platforms -----------------------------------------------------------------------------------------
    "uncertainties.platform_hazard_district": _half(0.08, "district platforms are cheap to set up"),
    "uncertainties.platform_hazard_municipal": _half(0.06, "municipal recognition is reviewed yearly"),
    "uncertainties.platform_hazard_national": Plausible(0.005, 0.02, "assumption: national platforms are rare events "
                                                                     "(0.01); half to twice"),
    "uncertainties.platform_grant_response": _half(0.5, "grants speed up upgrades somewhat"),
    "uncertainties.digital_adoption_rate": _half(0.03, "few innovating firms enter digital-core activity"),
    # ---- incubation, recruitment, talent, universities, agriculture, the zone ---------------------------------
    "uncertainties.incubator_graduation_rate": Plausible(0.20, 0.33, "assumption: 3-5 years in an incubator (0.25)"),
    "uncertainties.incubator_failure_rate": _half(0.12, "tenants failing per year"),
    "uncertainties.spinoff_rate": _half(3.0, "start-ups per university and maker-space level"),
    "uncertainties.recruit_cost": _support(1.5, 5.0, "assumption: m CNY of incentives per tech firm"),
    "uncertainties.recruit_yield": _support(0.3, 0.7, "assumption"),
    "uncertainties.recruit_pool": _support(15, 60, "assumption: competition among Chongqing's districts limits the "
                                                   "catch"),
    "uncertainties.recruit_condition_yield": _half(0.7, "the plan's conditions deter some projects", high=1.0),
    "uncertainties.talent_cost": _support(0.6, 1.5, "assumption: m CNY per high-level talent package"),
    "uncertainties.talent_pool": _support(40, 160, "assumption: talents willing to move to an outer district"),
    "uncertainties.talent_uptake": _half(0.6, "share of funded packages that bring a talent"),
    "uncertainties.talent_attrition": _half(0.10, "attracted talents leaving per year"),
    "uncertainties.talent_boost": _half(0.05, "per talent per 100 R&D FTE"),
    "uncertainties.graduate_retention": _support(0.10, 0.25, "assumption"),
    "uncertainties.graduate_rd_share": _half(0.10, "retained graduates joining R&D"),
    "uncertainties.project_rate": _support(2, 8, "estimate: mostly private applied colleges with little research "
                                                 "funding"),
    "uncertainties.collab_project_rate": _half(0.02, "university projects per firm collaboration"),
    "uncertainties.project_cost": _half(0.8, "m CNY district co-funding per project"),
    "uncertainties.maker_upgrade_hazard": _half(0.05, "maker spaces move up a level rarely"),
    "uncertainties.maker_grant_response": _half(0.5, "support speeds up upgrades somewhat"),
    "uncertainties.agri_platform_rate": _support(0.3, 1.2, "assumption"),
    "uncertainties.agri_platform_cost": _support(1.0, 2.5, "assumption"),
    "uncertainties.commissioner_gain": _half(0.5, "knowledge a served agri firm gains a year"),
    "uncertainties.commissioner_reach": Plausible(2, 5, "assumption: a commissioner follows about three agri firms"),
    "uncertainties.incubator_intake": _half(0.4, "share of start-ups seeking a place"),
    "uncertainties.st_factor_sd": _half(0.4, "spread of S&T staff intensity at equal R&D"),
    "uncertainties.ip_rd_response": _half(0.5, "IP protection raises R&D propensity somewhat"),
    "uncertainties.financing_exit_response": _half(1.0, "financing support lowers tech firms' exit"),
    "uncertainties.institute_capacity_cost": _half(0.1, "m CNY per additional firm served"),
    "uncertainties.incubator_slot_cost": _half(0.1, "m CNY per additional tenant slot"),
    "uncertainties.campaign_reach_cost": _support(0.01, 0.05, "assumption: 1-5万 CNY per firm reached"),
    "uncertainties.campaign_register_lift": _support(0.3, 0.7, "assumption: a reached firm closes half its gap"),
    "uncertainties.campaign_pool_cost": _support(0.02, 0.10, "assumption: 5-10万 per candidate from Chongqing "
                                                             "districts"),
    "uncertainties.campaign_apply_lift": _support(0.3, 0.8, "assumption: a coached candidate closes half its gap"),
    "uncertainties.htz_hazard_ready": _support(0.06, 0.30, "estimate: each readiness step takes years (Kaizhou, "
                                                           "Tongliang, Yongchuan)"),
    "uncertainties.htz_hte_requirement": _support(50, 120, "observed: Rongchang had 44 HTEs in its zone when upgraded "
                                                           "in 2018; the bar has risen since"),
    "uncertainties.htz_push_response": _half(1.0, "the zone drive speeds up readiness"),
    "uncertainties.htz_round_prob": _support(0.15, 0.70, "estimate: national rounds in about 3 of the 6 years "
                                                         "2021-26"),
    "uncertainties.htz_round_approval": _support(0.50, 0.95, "assumption: most listed zones are approved in the next "
                                                             "round"),
    "uncertainties.htz_recruit_bonus": _half(0.3, "a national zone attracts more firms"),
    # ---- rules: certification, tax and statistical rules ------------------------------------------------------
    "rules.hte_rd_min_small": Plausible(4, 6, "law: 5% (2016 HTE measures); the 2008 measures asked 6%, a reform "
                                              "could move it by a point"),
    "rules.hte_rd_min_mid": Plausible(3, 5, "law: 4% since 2008; a reform could move it by a point"),
    "rules.hte_rd_min_large": Plausible(2, 4, "law: 3% since 2008; a reform could move it by a point"),
    "rules.hte_band_small_max": Plausible(40, 60, "law: 50m CNY since 2016 (it was 50m in 2008 too); ±20% for a "
                                                  "reform"),
    "rules.hte_band_mid_max": Plausible(160, 240, "law: 200m CNY since 2016; ±20% for a reform"),
    "rules.hte_st_staff_min": Plausible(8, 12, "law: 10% since 2016 (30% before); ±2 pp for a reform"),
    "rules.hte_hightech_revenue_min": Plausible(50, 70, "law: 60% since 2008; ±10 pp for a reform"),
    "rules.hte_min_age": Plausible(1, 2, "law: one year registered (2016 measures); a stricter reform might ask two"),
    "rules.hte_validity": Plausible(2, 4, "law: 3 years since 2008; a reform could shorten or lengthen it by a year"),
    "rules.hte_knowledge_min": Plausible(0.5, 1.5, "assumption: the knowledge stock standing for core IP and the "
                                                   "innovation score (1.0); half to one and a half times"),
    "rules.hte_score_min": Plausible(65, 75, "law: above 70 points (企业评分70分以上); ±5 points for a reform or "
                                             "stricter local review"),
    "rules.tsme_max_employees": Plausible(400, 600, "law: 500 employees (2017 tech-SME measures); ±20% for a reform"),
    "rules.tsme_max_sales": Plausible(160, 240, "law: 200m CNY sales (2017 tech-SME measures); ±20% for a reform"),
    "rules.tb_rd_min": Plausible(2, 5, "estimate: the R&D share that passes the tech-SME score of 60 points "
                                         "(2017 measures): 2% with top staff and IP scores, 3-4% with one "
                                         "first-class IP, 4-5% with second-class IP only"),
    "rules.tb_st_staff_min": Plausible(8, 12, "law: 10% (the staff score may not be 0, 2017 tech-SME measures); "
                                             "±2 pp for a reform"),
    "rules.tb_knowledge_min": _half(0.1, "at least some IP (a utility model or software copyright)"),
    "rules.slpe_max_employees": Plausible(200, 300, "law: 300 staff (2023年第6号); a tightening to 200 is the "
                                                    "plausible reform"),
    "rules.slpe_max_income": Plausible(1, 5, "law: 3m CNY of taxable income (2023年第6号); 1m before 2019, 5m a "
                                             "plausible widening"),
    "rules.slpe_low_bracket": Plausible(0.5, 1, "law: the 1m CNY bracket (财税〔2019〕13号); 0.5m in 2017"),
    "rules.slpe_rate_low_2017": Plausible(8, 12, "law: 10% effective (财税〔2017〕43号, 〔2018〕77号); a past rate "
                                                 "the forecast does not use, +-20% so a screening can show that"),
    "rules.slpe_rate_low_2019": Plausible(4, 6, "law: 5% effective (财税〔2019〕13号); a past rate, +-20%"),
    "rules.slpe_rate_low_2021": Plausible(2, 3, "law: 2.5% effective (2021年第12号); a past rate, +-20%"),
    "rules.slpe_rate_low_2023": Plausible(2.5, 10, "law: 5% effective to 2027 (2023年第12号); after 2027 from a "
                                                   "halving to the 2017 rate"),
    "rules.slpe_rate_high_2019": Plausible(8, 12, "law: 10% effective (财税〔2019〕13号); a past rate, +-20%"),
    "rules.slpe_rate_high_2022": Plausible(5, 10, "law: 5% effective to 2027 (2022年第13号, 2023年第12号); after 2027 "
                                                  "up to the 2019 rate"),
    "rules.cit_rate": Plausible(20, 25, "law: 25% (Enterprise Income Tax Law, art. 4) since 2008; a cut to 20% is "
                                        "the plausible reform"),
    "rules.cit_rate_hte": Plausible(10, 15, "law: 15% (Enterprise Income Tax Law, art. 28) since 2008; a cut to 10% "
                                            "is the plausible reform"),
    "rules.superdeduction_extra": Plausible(75, 120, "law: 100% for all firms from 2023 (no end date); a rollback to "
                                                     "2018's 75% or a rise like the 120% of some 2024 pilots"),
    "rules.superdeduction_extra_base": Plausible(50, 100, "law: 75% in the base year 2022 for most firms (50% until "
                                                          "2017, 100% for manufacturing from 2021)"),
    "rules.superdeduction_schedule": Plausible(0, 1, "derived: 1 runs each year's rates by firm type, 0 the two flat "
                                                     "rates: a switch of the model's form, not an estimate"),
    "rules.superdeduction_general_2017": Plausible(40, 60, "law: 50% up to 2017 (财税〔2015〕119号); ±10 pp stands "
                                                           "for firms' partial take-up"),
    "rules.superdeduction_general_2018": Plausible(65, 85, "law: 75% in 2018-2022 (财税〔2018〕99号); ±10 pp stands "
                                                           "for partial take-up"),
    "rules.superdeduction_general_2023": Plausible(75, 120, "law: 100% from 2023 (2023年第7号, no end date); a "
                                                            "rollback to 75% or a rise to 120%"),
    "rules.superdeduction_manufacturing_2021": Plausible(75, 120, "law: 100% from 2021 (2021年第13号); a rollback to "
                                                                  "75% or a rise to 120%"),
    "rules.superdeduction_tsme_2017": Plausible(65, 85, "law: 75% for tech SMEs 2017-2021 (财税〔2017〕34号); ±10 pp "
                                                        "for partial take-up"),
    "rules.superdeduction_tsme_2022": Plausible(75, 120, "law: 100% from 2022 (2022年第16号); a rollback to 75% or "
                                                         "a rise to 120%"),
    "rules.above_scale_revenue": Plausible(15, 25, "law: 20m CNY of revenue (NBS statistical rule since 2011); ±5m "
                                                   "for a revision"),
    "rules.platform_min_rd_district": _half(0.3, "R&D spending needed to run a district-level platform"),
    "rules.platform_min_rd_municipal": Plausible(0.5, 2.5, "assumption: R&D spending a municipal platform needs "
                                                           "(1.5m CNY); from 0.5m (the municipal platform "
                                                           "grant's size) to 2.5m"),
    "rules.platform_min_rd_national": _half(30, "R&D spending needed for a national-level platform"),
    # the structural constants moved from the code into the registry (sim.parameters.STRUCTURAL)
    "initial.rd_propensity_sigma": Plausible(0.5, 1.2, "assumption: R&D intensities among R&D-doing SMEs span a "
                                                      "factor of about 4 to 22 between the 10th and 90th percentile"),
    "initial.firm_age_mean": Plausible(5, 12, "assumption: mean age of Chinese SMEs; about 5 (young-skewed "
                                              "registrations) to 12 years (established manufacturers)"),
    "uncertainties.student_growth": Plausible(0, 5.6, "derived: 0 (stable enrolment) to 5.6% a year, the district's "
                                                      "2027 target of 130,000 students (obs: "
                                                      "hc_target_university_students) over the 94,000 of 2021"),
    "uncertainties.study_years": Plausible(3, 4, "assumption: three-year vocational (专科) to four-year "
                                                 "undergraduate (本科) programmes"),
    "uncertainties.htz_index_bonus": Plausible(0, 0.15, "assumption: national status from no weight in the "
                                                        "ranking to a bonus worth several ranks"),
    "uncertainties.hte_bunching_target": Plausible(1.0, 1.1, "assumption: bunching firms aim from exactly the "
                                                             "threshold to a 10% safety margin above it"),
    "uncertainties.max_rd_propensity": Plausible(0.15, 0.5, "assumption: the highest R&D / sales of Chinese tech "
                                                            "firms, about 15-30%, up to 50% for research firms"),
    "uncertainties.max_rd_ratio": Plausible(0.3, 0.8, "assumption: the most a firm spends on R&D in a year, from "
                                                      "the learning cap up to 80% of sales"),
    "uncertainties.young_firm_age": Plausible(3, 7, "assumption: the young-firm window of firm-demography "
                                                    "statistics, 3 to 7 years"),
    "uncertainties.new_rd_propensity": Plausible(0.01, 0.04, "assumption: a new R&D team spends 1-4% of sales, "
                                                             "around the lowest tech-based R&D bar of 2% "
                                                             "(rules.tb_rd_min)"),
    "uncertainties.rd_propensity_spread": Plausible(0.25, 1.0, "assumption: entrants' R&D propensity spreads by a "
                                                               "factor of 1.5 to 5.7 either way"),
    "uncertainties.entrant_rd_propensity": Plausible(0.02, 0.05, "assumption: an R&D-doing entrant spends 2-5% of "
                                                                 "sales, from the tech-based bar to the small-firm "
                                                                 "HTE bar"),
    "uncertainties.min_user_cost": Plausible(0.05, 0.3, "assumption: the share of its R&D a firm bears at least, "
                                                        "whatever the subsidy; binds only for subsidies above "
                                                        "about 45-80%"),
    "uncertainties.financing_relief_cap": Plausible(0.5, 1.0, "assumption: financing support removes at most half "
                                                              "to all of a tech firm's exit risk"),
    "uncertainties.htz_hazard_cap": Plausible(0.8, 1.0, "assumption: a fully ready zone moves up a stage within a "
                                                        "year with 80-100%"),
}
