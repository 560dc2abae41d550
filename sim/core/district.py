"""The district-level part of a simulated year, shared by both engines.

Everything here works on a ``District`` whose arrays are shaped (replicates,) or (replicates, k):
the vectorized core passes a block of replicates, the Mesa model (``sim.abm``) its one replicate
as a block of one. Firm-level decisions are not here: the core makes them on (replicates, firms)
arrays in ``step.py``, the Mesa agents one firm at a time in ``sim/abm/agents.py``, both calling
``sim.rules``. What the firms add up to (R&D staff wanted, active firms by sector, ...) comes in
as arguments, so the two engines run this code on the same footing.
"""

from __future__ import annotations

import numpy as np

from .. import rules as R
from .. import sectors
from ..sectors import AGRI, N_SECTORS
from .init import Layout
from .state import District


def environment(d: District, p: dict, z_macro: np.ndarray) -> np.ndarray:
    """Step 1: GDP, Chongqing's R&D intensity and the peers' index move on; returns this year's
    real GDP growth (a fraction). ``z_macro`` holds two standard normals per replicate."""
    growth = (p["gdp_growth"] + p["gdp_growth_sd"] * z_macro[:, 0]) / 100
    d.gdp *= 1 + growth
    d.cq_rd += p["cq_rd_trend"] + p["cq_rd_sd"] * z_macro[:, 1]
    d.peers += d.peer_growth
    return growth


def subsidy_pot(d: District, lv) -> np.ndarray:
    """Step 2: what is left of the fiscal lever for R&D subsidies after financing support and
    the rewards and grants owed for last year's certificates and upgrades (m CNY)."""
    committed = lv.financing + d.prev_hte_new * lv.hte_reward + d.prev_upgrades @ np.array([lv.grant_municipal,
                                                                                          lv.grant_national])
    return np.maximum(0.0, lv.budget["fiscal_support"] - committed)


def ip_multiplier(p: dict, lv) -> np.ndarray:
    """How much IP protection spending raises firms' target R&D."""
    return 1 + p["ip_rd_response"] * lv.budget["ip_protection"] / 100


def talent_market(d: District, p: dict, lv, demand: np.ndarray) -> np.ndarray:
    """Step 4: graduates, the talent plan and migration renew the local R&D labour pool; returns
    the talent factor, the share of the R&D staff firms want (``demand``, FTE) that they get."""
    graduates = np.sum(d.students, axis=1) / p["study_years"]
    new_talents = R.saturating(lv.budget["talent_plan"] * p["talent_uptake"] / p["talent_cost"], p["talent_pool"])
    leaving = d.talents * p["talent_attrition"]
    d.talents = d.talents - leaving + new_talents
    d.labour_supply = (d.labour_supply * (1 + p["rd_labour_growth"] / 100)
                       + graduates * p["graduate_retention"] * p["graduate_rd_share"] + new_talents - leaving)
    tf = R.talent_factor(d.labour_supply, demand)
    # a shortage draws R&D staff from elsewhere in Chongqing, closing part of the gap next year
    d.labour_supply += p["labour_migration"] * np.maximum(0.0, demand - d.labour_supply)
    return tf


def talent_multiplier(d: District, p: dict, staff_total: np.ndarray) -> np.ndarray:
    """High-level talents raise the innovation productivity of the R&D staff they join."""
    return 1 + p["talent_boost"] * d.talents / np.maximum(staff_total / 100, 1.0)


def collaboration_shares(L: Layout, p: dict, lv, year: int, n_rd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step 5: the share of R&D-active firms seeking a partner that the open institutes of each
    sector, (replicates, sectors), and the universities, (replicates,), can take this year.
    ``n_rd`` counts the R&D-active firms per (replicate, sector)."""
    B = n_rd.shape[0]
    open_inst = L.inst_opens <= year
    inst_cap = L.inst_capacity * open_inst
    extra = lv.budget["institute_support"] / p["institute_capacity_cost"] / max(inst_cap.sum(), 1.0)
    cap_sector = np.zeros((B, N_SECTORS))
    np.add.at(cap_sector, (slice(None), L.inst_sector), inst_cap[None, :] * (1 + extra[:, None]))
    a_inst = R.capacity_share(cap_sector, p["collab_propensity"][:, None] * n_rd)
    a_univ = R.capacity_share(L.univ_capacity.sum(), p["collab_propensity"] * n_rd.sum(axis=1))
    return a_inst, a_univ


def commissioner_share(p: dict, lv, n_agri: np.ndarray) -> np.ndarray:
    """Share of agri-food firms a science commissioner (科技特派员) serves this year."""
    return R.capacity_share(lv.commissioners * p["commissioner_reach"], n_agri)


def platform_hazards(p: dict, lv) -> tuple[tuple, tuple]:
    """The (district, municipal, national) upgrade hazards of a platform and the multipliers the
    year's grants put on them (none on district platforms). ``p`` holds the parameters in either
    engine's form: the core's float32 (replicates, 1) columns, the Mesa model's scalars."""
    response = p["platform_grant_response"]
    hazards = (p["platform_hazard_district"], p["platform_hazard_municipal"], p["platform_hazard_national"])
    return hazards, (1.0, R.grant_multiplier(response, lv.grant_municipal),
                     R.grant_multiplier(response, lv.grant_national))


def hte_score_pass(p: dict, rules) -> np.ndarray:
    """Probability a re-certification scores above the bar (``rules.hte_score_min``), per replicate."""
    return R.hte_score_pass_probability(p["hte_renew_score_mean"], p["hte_renew_score_sd"], rules.hte_score_min)


def hte_field_shares(p: dict) -> np.ndarray:
    """Per replicate and sector, the share of HTEs whose products are in the supported fields,
    (replicates, sectors) in sector order."""
    return np.stack([np.asarray(p[f"hte_field_share_{s}"], float) for s in sectors.SECTORS], axis=-1)


def campaign_reach(p: dict, lv, n_unregistered, n_candidates) -> tuple[np.ndarray, np.ndarray]:
    """The registration campaign's reach this year, per replicate: the share of the unregistered
    R&D firms (``n_unregistered``, start of the year) the tech-based drive reaches, and the share
    of the HTE candidates (``n_candidates``: firms meeting every HTE bar without a certificate at
    the end of last year) the cultivation pool coaches; each within what its budget pays for."""
    reach = R.capacity_share(lv.campaign_registration / p["campaign_reach_cost"], np.asarray(n_unregistered, float))
    pool = R.capacity_share(lv.campaign_cultivation / p["campaign_pool_cost"], np.asarray(n_candidates, float))
    return reach, pool


def financing_relief(p: dict, lv) -> np.ndarray:
    """How much financing support lowers a tech-based firm's exit odds (a share, at most
    ``financing_relief_cap``)."""
    return np.minimum(p["financing_relief_cap"], p["financing_exit_response"] * lv.financing / 100)


def entry_means(d: District, p: dict, lv, n_alive_start: np.ndarray, univ_collabs: np.ndarray) -> np.ndarray:
    """Step 10: the year's expected start-ups, recruited firms, university spin-offs, university
    projects and new agricultural platforms, (replicates, 5); each count is Poisson."""
    budget = lv.budget
    maker_levels = d.maker.sum(axis=1)
    recruit_yield = p["recruit_yield"] * (1 + p["htz_recruit_bonus"] * d.national)
    if lv.recruit_conditions:
        recruit_yield = recruit_yield * p["recruit_condition_yield"]
    return np.stack([p["startup_rate"] / 1000 * n_alive_start,
                     R.saturating(budget["tech_recruitment"] / p["recruit_cost"] * recruit_yield, p["recruit_pool"]),
                     p["spinoff_rate"] * maker_levels,
                     p["project_rate"] + p["collab_project_rate"] * univ_collabs + funded_projects(p, lv),
                     p["agri_platform_rate"] + budget["agri_st"] * lv.agri_platform_share / p["agri_platform_cost"]],
                    axis=1)


def funded_projects(p: dict, lv) -> np.ndarray:
    """University S&T projects the university-industry lever pays for this year."""
    return lv.budget["university_industry"] * lv.project_share / p["project_cost"]


def recruit_sector_cdf(lv, L: Layout) -> np.ndarray:
    """Cumulative sector shares of recruited firms: the recruitment lever's sector mix, or the
    population's when there is no such lever."""
    mix = L.sector_shares if lv.recruit_sector_mix is None else sectors.table(lv.recruit_sector_mix)
    return sectors.cdf(mix)


def incubator_chain(d: District, L: Layout, p: dict, year: int, lv, streams, n_startups, n_spinoffs):
    """Tenants graduate, fail or move up the incubator -> accelerator/park chain; start-ups and
    university spin-offs fill free incubator places. Returns the graduates entering the firm
    population per incubator (block, C), their sector weights (block, sectors), and the start-ups
    that enter directly."""
    B, C = d.tenants.shape
    is_open = L.inc_opens <= year
    extra_slots = lv.budget["incubation"] / p["incubator_slot_cost"]
    base_cap = L.inc_capacity * is_open
    capacity = np.floor(base_cap[None, :] * (1 + extra_slots[:, None] / max(base_cap.sum(), 1.0)))
    grads = streams.binomial(d.tenants, np.broadcast_to(p["incubator_graduation_rate"][:, None], (B, C)))
    fails = streams.binomial(d.tenants - grads, np.broadcast_to(p["incubator_failure_rate"][:, None], (B, C)))
    d.tenants = d.tenants - grads - fails

    # incubator-stage graduates move into accelerators/parks with room, else enter the population
    upper = L.inc_stage > 0
    movers = grads[:, ~upper].sum(axis=1)
    entering = grads * upper  # graduates of accelerators and parks enter the population
    for j in np.flatnonzero(upper):
        room = np.maximum(capacity[:, j] - d.tenants[:, j], 0)
        take = np.minimum(room, movers)
        d.tenants[:, j] += take
        movers = movers - take
    share_inc = grads[:, ~upper] / np.maximum(grads[:, ~upper].sum(axis=1, keepdims=True), 1)
    entering = entering.astype(float)
    entering[:, ~upper] = np.round(share_inc * movers[:, None])

    # start-ups and spin-offs seek incubator places
    seekers = np.round(n_startups * p["incubator_intake"]) + n_spinoffs
    for j in np.flatnonzero(~upper):
        room = np.maximum(capacity[:, j] - d.tenants[:, j], 0)
        take = np.minimum(room, seekers)
        d.tenants[:, j] += take
        seekers = seekers - take
    direct = n_startups - np.round(n_startups * p["incubator_intake"])

    weights = np.zeros((B, N_SECTORS))
    for j in range(C):
        if L.inc_sector[j] >= 0:
            weights[:, L.inc_sector[j]] += entering[:, j]
        else:
            weights += entering[:, j:j + 1] * L.sector_shares[None, :]
    return entering, weights, direct


# the district's uniforms of a year (``u_small``): the zone's three, then one per university
U_ZONE_ROUND, U_ZONE_ADVANCE, U_ZONE_APPROVE = 0, 1, 2
N_ZONE_UNIFORMS = 3


def n_district_uniforms(n_universities: int) -> int:
    """How many uniforms the district draws each year (a fixed count: common random numbers)."""
    return N_ZONE_UNIFORMS + n_universities


def universities_and_zone(d: District, p: dict, lv, u_small: np.ndarray, n_projects, n_agri_new, zone_hte) -> None:
    """Step 11: students grow, maker spaces move up (one uniform per university), projects and
    agricultural platforms accumulate, and the zone's bid for national status moves on given its
    HTEs ``zone_hte``: a national round of approvals happens or not (``U_ZONE_ROUND``), a zone
    on the expert list may be approved in it (``U_ZONE_APPROVE``), a zone below the list may
    move up a readiness stage (``U_ZONE_ADVANCE``). Each is one uniform per replicate and year."""
    budget = lv.budget
    d.students *= 1 + p["student_growth"][:, None] / 100
    maker_support = budget["university_industry"] * (1 - lv.project_share)
    below_top = d.maker < R.NATIONAL
    per_space = maker_support / np.maximum(np.count_nonzero(below_top, axis=1), 1)
    p_maker = R.maker_upgrade_probability(p["maker_upgrade_hazard"], p["maker_grant_response"], per_space)
    d.maker += below_top & (u_small[:, N_ZONE_UNIFORMS:] < p_maker[:, None])
    d.projects += n_projects
    d.agri_standalone += n_agri_new
    push = 1 + p["htz_push_response"] * budget["htz_upgrade"] / 100
    hazard = R.htz_hazard(zone_hte, p["htz_hte_requirement"], p["htz_hazard_ready"], push, p["htz_hazard_cap"])
    d.htz_round = R.htz_round(u_small[:, U_ZONE_ROUND], p["htz_round_prob"])
    d.htz_stage = R.htz_zone_update(d.htz_stage, u_small[:, U_ZONE_ADVANCE], u_small[:, U_ZONE_APPROVE], d.htz_round,
                                    hazard, p["htz_round_approval"]).astype(np.int64)
    d.national = d.htz_stage == R.HTZ_NATIONAL


def close_year(d: District, p: dict, lv, first_grants, upgrades, subsidy_rate, eligible_rd, firm_rd) -> dict:
    """End of the year's books: what is owed next year for this year's first certificates and
    platform upgrades (``upgrades``: municipal, national per replicate), non-firm R&D and the
    digital economy outside the firms grow. Returns R&D spending (100m CNY) and lever spending."""
    d.prev_hte_new, d.prev_upgrades = first_grants.astype(float), upgrades
    d.nonfirm_rd *= 1 + p["nonfirm_rd_growth"] / 100
    lever_rd = lv.budget["institute_support"] + funded_projects(p, lv) * p["project_cost"]
    d.other_digital *= 1 + p["other_digital_growth"] / 100
    grants = np.array([lv.grant_municipal, lv.grant_national])
    fiscal_spent = np.minimum(lv.budget["fiscal_support"],
                              lv.financing + subsidy_rate * eligible_rd + first_grants * lv.hte_reward
                              + upgrades @ grants)
    spend = fiscal_spent + sum(v for k, v in lv.budget.items() if k != "fiscal_support")
    return {"rd_spending": (firm_rd + d.nonfirm_rd + lever_rd) / 100, "lever_spend": spend / 100}


# ---- indicators -------------------------------------------------------------------------------

def firm_counts(f, year: int, rules, count, total) -> dict:
    """What the indicators need to know of the firms at the end of ``year``: counts, and sums in
    m CNY. One rule for both engines: ``f`` holds the firms' state as arrays with the fields of
    ``state.Firms`` (a block's (replicates, slots), exited slots zeroed, or the Mesa model's
    living firms as 1-d arrays); ``count(mask)`` counts and ``total(values)`` sums over the firms
    (per replicate in the core, in the Mesa model's own order of summation)."""
    alive = f.alive
    hte = alive & R.hte_valid(f.hte_until, year)
    above = alive & R.above_scale(f.industrial, f.revenue, rules)
    muni = f.platform >= R.MUNICIPAL
    return {
        "firms": count(alive), "hte": count(hte), "above_scale": count(above), "tech_based": count(f.tech_based),
        "municipal": count(muni), "national_platforms": count(f.platform == R.NATIONAL),
        "above_scale_municipal": count(above & muni), "hte_municipal": count(hte & muni),
        "agri_municipal": count(alive & (f.sector == AGRI) & muni), "hte_in_zone": count(hte & f.in_zone),
        "firm_rd": total(f.rd_lag1),   # this year's R&D spending
        "digital_revenue": total(f.revenue * f.digital),
    }


def indicators(counts: dict, d: District, p: dict, extras: dict | None = None) -> dict:
    """The indicators of ``sim.indicators`` per replicate from the ``firm_counts`` and the
    district. ``extras`` holds the year's flows (new certificates, entrants, ...); without them
    (the base year) those are 0."""
    extras = dict(extras or {})
    n_hte, n_above, n_tb, n_muni = counts["hte"], counts["above_scale"], counts["tech_based"], counts["municipal"]
    rd_spending = extras.pop("rd_spending", (counts["firm_rd"] + d.nonfirm_rd) / 100)
    rd_intensity = rd_spending * 100 / d.gdp * 100
    digital_share = (d.digital_va_ratio * counts["digital_revenue"] + d.other_digital) / d.gdp * 100

    # composite innovation index: equal-weight log change of four components since the base year
    comps = np.stack([rd_intensity, n_hte / d.gdp, n_tb / d.gdp, n_muni / d.gdp], axis=1)
    index = (d.index0 + np.mean(np.log(np.maximum(comps, 1e-12) / d.components0), axis=1)
             + p["htz_index_bonus"] * d.national)
    rank = 1 + np.count_nonzero(d.peers > index[:, None], axis=1)

    out = {
        "national_htz": d.national.astype(float),
        "htz_readiness": d.htz_stage.astype(float),
        "htz_round": d.htz_round.astype(float),
        "rd_intensity": rd_intensity,
        "cq_rd_intensity": d.cq_rd.copy(),
        "hte_count": n_hte,
        "tech_based_count": n_tb,
        "digital_core_share": digital_share,
        "platform_share_above_scale": counts["above_scale_municipal"] / np.maximum(n_above, 1),
        "platform_share_hte": counts["hte_municipal"] / np.maximum(n_hte, 1),
        "national_platforms": counts["national_platforms"],
        "agri_platforms": d.agri_standalone + counts["agri_municipal"],
        "maker_spaces": np.count_nonzero(d.maker >= R.MUNICIPAL, axis=1),
        "university_projects": d.projects.copy(),
        "innovation_rank": rank,
        "first_tier_cutoff": p["first_tier_size"].copy(),
        "gdp": d.gdp / 100,
        "rd_spending": rd_spending,
        "firms": counts["firms"],
        "above_scale": n_above,
        "high_level_talents": d.talents.copy(),
        "hte_backlog": d.hte_backlog.copy(),
    }
    defaults = {"hte_new": 0, "hte_first": 0, "hte_in_zone": counts["hte_in_zone"], "entrants": 0, "recruited": 0,
                "incubated": 0, "exits": 0, "collaborations": 0, "talent_factor": 1.0, "lever_spend": 0.0,
                "entrants_dropped": 0}
    for k, v in defaults.items():
        out[k] = extras.get(k, v)
    B = d.gdp.shape[0]
    return {k: np.broadcast_to(np.asarray(v, dtype=np.float64), (B,)).copy() for k, v in out.items()}
