"""One simulated year for a block of replicates, fully vectorized over (replicates, firms).

Order within a year (docs/ODD.md, "Process overview and scheduling"); every firm decides from
the start-of-year state of the district and of its partners (synchronous update):

 1. exogenous environment: GDP, Chongqing's R&D intensity, peer districts' innovation index;
 2. levers: this year's budgets turned into subsidy rates, talents, capacities, grants;
 3. R&D decisions: user cost (subsidy, super-deduction, HTE tax rate), HTE bunching, adjustment;
 4. talent market: R&D staff hired within the local R&D labour supply;
 5. collaboration: institutes (by sector), universities, firm partners (SKIN), commissioners;
 6. knowledge production and innovation success (Keynes+Schumpeter), high-tech revenue share;
 7. certification: HTE (first and renewal, 3-year validity), tech-based registration and lapse;
 8. platform upgrades district -> municipal -> national, digital-core adoption;
 9. growth and exit; 10. entry: incubator chain, recruitment, spontaneous start-ups;
11. universities, agricultural platforms, the national high-tech-zone event; 12. indicators.
"""

from __future__ import annotations

import numpy as np

from .. import rules as R
from ..scenario.schema import SECTORS
from . import district as D
from .init import SLOT_GROUP, Layout
from .policy import Policy
from .state import (F32, N_FIRM_UNIFORMS, ORIGIN_INCUBATED, ORIGIN_RECRUITED, ORIGIN_SPONTANEOUS, U_AGRI,
                    U_CERT, U_COLLAB, U_EXIT, U_GROWTH, U_INNOVATE, U_PARTNER, U_PLATFORM, U_TECH_BASED, Block)
from .streams import ReplicateStreams

AGRI = SECTORS.index("agri_food")
N_SECTORS = len(SECTORS)


class Buffers:
    """Preallocated buffers for a block: the year's uniform draws and the (replicate, sector) keys."""

    def __init__(self, block_size: int, capacity: int):
        self.u = np.empty((block_size, N_FIRM_UNIFORMS, capacity), F32)
        self.row_key = (N_SECTORS * np.arange(block_size, dtype=np.int64))[:, None]


def _by_sector(mask: np.ndarray, sector_key: np.ndarray) -> np.ndarray:
    """Count of ``mask`` per (replicate, sector), shape (block, sectors); ``sector_key`` is
    sector + N_SECTORS * replicate row."""
    B = mask.shape[0]
    return np.bincount(sector_key.ravel(), weights=mask.ravel(), minlength=B * N_SECTORS).reshape(B, N_SECTORS)


def pick4(table: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Per firm, the entry ``2 * first + second`` of its replicate's row of a (block, 4) table."""
    kind = first.view(np.uint8) * np.uint8(2) + second.view(np.uint8)
    return np.take_along_axis(table, kind.astype(np.intp), axis=1)


def used_width(alive: np.ndarray) -> int:
    """The slots the block computes on: up to the highest living slot of any replicate, rounded
    up to whole groups of SLOT_GROUP (the capacity is a multiple of it)."""
    any_alive = np.flatnonzero(alive.any(axis=0))
    last = int(any_alive[-1]) + 1 if any_alive.size else 1
    return min(alive.shape[1], -(-last // SLOT_GROUP) * SLOT_GROUP)


def row_total(x: np.ndarray) -> np.ndarray:
    """Sum of each row in float64 that trailing empty slots (zeros) cannot change, so it does not
    depend on how many slots the block computes on: numpy sums each aligned group of SLOT_GROUP
    slots the same way whatever follows it, and the group sums are then added left to right."""
    B, W = x.shape
    groups = x.reshape(B, W // SLOT_GROUP, SLOT_GROUP).sum(axis=2, dtype=np.float64)
    return np.cumsum(groups, axis=1)[:, -1]


def step(b: Block, L: Layout, pol: Policy, year: int, streams: ReplicateStreams, buf: Buffers) -> dict:
    """Advance the block by one year in place; return this year's indicators, each (block,)."""
    full, d, p, rules = b.firms, b.district, b.params, L.rules
    B, N = full.alive.shape
    yi = year - L.base_year - 1
    c = b.params32                                           # per-replicate parameters as (block, 1)

    # all of this year's random numbers, in a fixed order per replicate (drawn for every slot,
    # so a replicate's stream does not depend on the block it runs in)
    streams.uniform(buf.u)
    # slots past the last living firm of the block are empty: compute on the used prefix only
    M = used_width(full.alive)
    f = full.prefix(M)
    u = buf.u[:, :, :M]
    free_at_start = ~full.alive
    z_macro = streams.normal(np.empty((B, 2)))
    u_small = streams.uniform(np.empty((B, 1 + len(L.univ_capacity))))

    # 1. exogenous environment
    growth = D.environment(d, p, z_macro)

    # 2. levers this year (m CNY)
    lv = pol.year(yi)
    reward_m, grant_muni, grant_nat = lv.hte_reward, lv.grant_municipal, lv.grant_national
    subsidy_pot = D.subsidy_pot(d, lv)

    alive = f.alive.copy()
    hte_now = R.hte_valid(f.hte_until, year)
    employees = f.revenue / c["revenue_per_employee"]
    subsidised = alive if lv.subsidy_all_firms else f.tech_based
    eligible_rd = row_total(f.rd_ratio * f.revenue * subsidised)
    subsidy_rate = R.subsidy_rate_paid(lv.subsidy_rate, subsidy_pot, eligible_rd)

    # 3. R&D decisions. The user cost takes four values per replicate (HTE or not, subsidised or
    # not): the rules are evaluated on those, then each firm picks its own (kind = 2 hte + subsidised)
    hte_kind = np.array([False, False, True, True])
    sub_kind = np.array([0.0, 1.0, 0.0, 1.0])
    uc = R.rd_user_cost(subsidy_rate[:, None] * sub_kind, hte_kind, rules)
    uc_ref = R.rd_user_cost(0.0, hte_kind, rules, superdeduction=rules.superdeduction_extra_base)
    ip_mult = D.ip_multiplier(p, lv)
    response = R.rd_target_ratio(1.0, uc, uc_ref, p["rd_cost_elasticity"][:, None], ip_mult[:, None]).astype(F32)
    target = f.propensity * pick4(response, hte_now, subsidised)
    band = R.hte_rd_threshold(f.revenue, rules)
    target = R.bunch_to_threshold(target, band, c["hte_bunching_margin"], f.tech_based)
    ratio = np.minimum(R.rd_adjust(f.rd_ratio, target, c["rd_adjust_speed"]), F32(0.5))  # stays 0 without R&D
    desired_rd = ratio * f.revenue
    staff_wanted = R.rd_staff(desired_rd, c["rd_labour_share"], c["rd_wage"])

    # 4. talent market: graduates, the talent plan, and the R&D labour pool
    demand = row_total(staff_wanted)
    tf = D.talent_market(d, p, lv, demand)
    staff = staff_wanted * tf[:, None].astype(F32)
    rd_spend = desired_rd * (1 - c["rd_labour_share"] * (1 - tf[:, None].astype(F32)))
    talent_mult = D.talent_multiplier(d, p, row_total(staff))

    # 5. collaboration, from start-of-year knowledge
    active = alive & (staff > 0)
    sector_key = f.sector + buf.row_key               # (replicate, sector) as one flat index
    a_inst, a_univ = D.collaboration_shares(L, p, lv, year, _by_sector(active, sector_key))
    p_inst = np.take((p["collab_propensity"][:, None] * a_inst).astype(F32).ravel(), sector_key)
    p_univ = R.university_collab_threshold(p_inst, c["collab_propensity"], a_univ[:, None].astype(F32))
    with_inst = active & (u[:, U_COLLAB] < p_inst)
    with_univ = active & ~with_inst & (u[:, U_COLLAB] < p_univ)

    partner = (u[:, U_PARTNER] * N).astype(np.int64)        # any slot of the block's capacity
    in_use = partner < M                                      # slots beyond M are empty
    partner = np.minimum(partner, M - 1) + M * np.arange(B)[:, None]   # flat index into (B, M)
    k_partner = np.take(np.ascontiguousarray(f.knowledge).ravel(), partner)
    has_partner = (active & in_use & np.take(active.ravel(), partner)
                   & R.partners_compatible(f.knowledge, k_partner, c["partner_threshold"]))
    agri = alive & (f.sector == AGRI)
    p_served = D.commissioner_share(p, lv, np.count_nonzero(agri, axis=1))
    served = agri & (u[:, U_AGRI] < p_served[:, None].astype(F32))

    # 6. knowledge production
    p_success = R.innovation_probability(staff * talent_mult[:, None].astype(F32), c["knowledge_productivity"])
    success = active & (u[:, U_INNOVATE] < p_success)
    spill = R.spillover(f.knowledge, k_partner, c["spillover_rate"]) * has_partner
    knowledge = R.knowledge_update(f.knowledge, c["knowledge_depreciation"], success, with_inst, c["institute_gain"],
                                   with_univ, c["university_gain"], spill, served, c["commissioner_gain"])
    hightech = R.hightech_share_update(f.hightech, success, c["hightech_gain"], c["hightech_decay"]) * alive
    propensity = R.rd_learning_update(f.propensity, success, c["rd_learning"])
    # firms without R&D may set up an R&D team (more often when subsidies are on offer); they
    # drew no innovation or certification, so those draws are theirs to use here
    p_start = R.rd_start_probability(c["rd_start_rate"], c["rd_start_subsidy_response"], subsidy_rate[:, None].astype(F32))
    starts = alive & (f.propensity == 0) & (u[:, U_INNOVATE] < p_start)
    propensity = np.where(starts, R.new_rd_propensity(u[:, U_CERT]), propensity)

    # 7. certification: HTE (first and renewal) and tech-based registration
    rd3 = R.rd_ratio_3y(f.rd_lag1, f.rd_lag2, rd_spend, f.sales_lag1, f.sales_lag2, f.revenue)
    st = R.st_share(staff, c["st_staff_multiplier"], f.st_factor, employees)
    eligible = alive & R.hte_eligible(f.age, rd3, f.revenue, st, hightech, knowledge, rules)
    # a certificate valid through year t-1 is re-examined in year t; approval keeps it continuous
    renewing = alive & (f.hte_until == year - 1)
    first = alive & (f.hte_until < year - 1)
    p_grant = R.hte_grant_probability(renewing, first, c["hte_apply_prob"], c["hte_reward_response"], reward_m,
                                      c["hte_approval_rate"], c["hte_renew_prob"])
    granted = eligible & (u[:, U_CERT] < p_grant)
    hte_until = np.where(granted, R.hte_until_after_grant(year, rules), f.hte_until).astype(np.int16)
    hte_end = alive & R.hte_valid(hte_until, year)
    first_grants = np.count_nonzero(granted & first, axis=1)
    d.hte_backlog[...] = np.count_nonzero(eligible & first & ~granted, axis=1)

    tb_eligible = R.tech_based_eligible(employees, f.revenue, ratio, st, knowledge, hte_end, f.platform, rules)
    tech_based = alive & R.tech_based_update(f.tech_based, tb_eligible, u[:, U_TECH_BASED],
                                             c["tb_register_prob"], c["tb_lapse_prob"])

    # 8. platforms and digital adoption
    grant_mult = (1.0, R.grant_multiplier(c["platform_grant_response"], grant_muni),
                  R.grant_multiplier(c["platform_grant_response"], grant_nat))
    hazards = (c["platform_hazard_district"], c["platform_hazard_municipal"], c["platform_hazard_national"])
    above = R.above_scale(f.industrial, f.revenue, rules)
    p_up = R.platform_upgrade_probability(f.platform, rd_spend, above | hte_end, hazards, rules, grant_mult)
    upgrade = alive & (u[:, U_PLATFORM] < p_up)
    platform = f.platform + upgrade.astype(np.int8)
    upgrades = np.stack([np.count_nonzero(upgrade & (platform == R.MUNICIPAL), axis=1),
                         np.count_nonzero(upgrade & (platform == R.NATIONAL), axis=1)], axis=1).astype(float)
    # given success (u < p), u / p is again uniform: reused for the adoption draw
    digital = f.digital | (success & (u[:, U_INNOVATE] < p_success * c["digital_adoption_rate"]))

    # 9. growth and exit
    revenue = R.revenue_after_growth(f.revenue, growth[:, None].astype(F32), c["innovation_revenue_premium"], success,
                                     c["revenue_growth_sd"], R.growth_shock(u[:, U_GROWTH]))
    relief = D.financing_relief(p, lv)
    # exit odds take four values per replicate (young or not, tech-based or not), as above
    young_kind, tech_kind = np.array([0.0, 0.0, 10.0, 10.0]), np.array([False, True, False, True])
    exit_kind = R.exit_probability(p["exit_rate"][:, None], young_kind, tech_kind, p["young_exit_multiplier"][:, None],
                                   p["tech_exit_protection"][:, None], relief[:, None]).astype(F32)
    p_exit = pick4(exit_kind, f.age >= 5, tech_based)
    lead = np.arange(M) < L.n_leading
    exits = alive & ~lead & (u[:, U_EXIT] < p_exit)

    # write the year's new state in place (f holds views of the block's arrays)
    f.rd_lag2[...] = f.rd_lag1
    f.rd_lag1[...] = rd_spend
    f.sales_lag2[...] = f.sales_lag1
    f.sales_lag1[...] = f.revenue
    f.revenue[...], f.rd_ratio[...], f.propensity[...] = revenue, ratio, propensity
    f.knowledge[...], f.hightech[...] = knowledge, hightech
    f.tech_based[...], f.hte_until[...], f.platform[...], f.digital[...] = tech_based, hte_until, platform, digital
    f.age += alive
    f.zero(exits)

    # 10. entry: incubator chain, recruitment, spontaneous start-ups
    univ_collabs = np.count_nonzero(with_univ, axis=1)
    lam = D.entry_means(d, p, lv, np.count_nonzero(alive, axis=1), univ_collabs)
    n_startups, n_recruited, n_spinoffs, n_projects, n_agri_new = streams.poisson(lam).T
    incubated, inc_sector_w, n_direct = D.incubator_chain(d, L, p, year, lv, streams, n_startups, n_spinoffs)
    dropped = _enter(full, L, pol, p, buf.u, year, free_at_start, n_recruited, incubated, inc_sector_w, n_direct)

    # 11. universities, agricultural platforms, the zone
    zone_hte = np.count_nonzero(full.alive & full.in_zone & R.hte_valid(full.hte_until, year), axis=1)
    D.universities_and_zone(d, p, lv, u_small, n_projects, n_agri_new, zone_hte)
    books = D.close_year(d, p, lv, first_grants, upgrades, subsidy_rate, eligible_rd, row_total(rd_spend))
    extras = {
        **books, "hte_new": np.count_nonzero(granted, axis=1), "hte_first": first_grants, "hte_in_zone": zone_hte,
        "entrants": n_recruited + incubated.sum(axis=1) + n_direct - dropped,
        "recruited": n_recruited, "incubated": incubated.sum(axis=1), "exits": np.count_nonzero(exits, axis=1),
        "collaborations": np.count_nonzero(with_inst, axis=1) + univ_collabs, "talent_factor": tf,
        "entrants_dropped": dropped,
    }
    return measure(b, L, year, extras, width=used_width(full.alive))


def _enter(f, L: Layout, pol: Policy, p, u, year, free, n_recruited, incubated, inc_weights, n_direct):
    """Place entrants into slots that were free at the start of the year. Their attributes come
    from those slots' unused draws of the year. Returns entrants that found no slot."""
    n_incubated = incubated.sum(axis=1)
    total = (n_recruited + n_incubated + n_direct).astype(np.int64)
    # the first free slots of each row lie within the used width plus room for the entrants
    width = min(free.shape[1], used_width(~free) + int(total.max(initial=0)) + SLOT_GROUP)
    fb, fs = np.nonzero(free[:, :width])            # free slots, row by row
    row_start = np.searchsorted(fb, np.arange(len(total)))
    r = np.arange(fb.size) - row_start[fb] + 1       # 1-based rank of the slot within its row
    take = r <= total[fb]
    bi, si, r = fb[take], fs[take], r[take]
    dropped = np.maximum(0, total - np.bincount(fb, minlength=len(total)))
    if bi.size == 0:
        return dropped
    recruited = r <= n_recruited[bi]
    incubated_ = ~recruited & (r <= (n_recruited + n_incubated)[bi])
    draws = u[bi, :, si].astype(np.float64)         # the slots' unused draws of the year, (entrants, 9)
    uu = lambda k: draws[:, k]  # noqa: E731

    # sector: recruitment mix, incubators' sectors, or the population mix
    rec = pol.levers["tech_recruitment"]
    cdf_rec = D.recruit_sector_cdf(pol, L)
    cdf_inc = np.cumsum(inc_weights, axis=1) / np.maximum(inc_weights.sum(axis=1, keepdims=True), 1e-12)
    us = uu(U_INNOVATE)
    sector = np.where(recruited, np.searchsorted(cdf_rec, us, side="right"),
                      np.where(incubated_, (us[:, None] >= cdf_inc[bi]).sum(axis=1),
                               np.searchsorted(L.sector_cdf, us, side="right")))
    sector = np.minimum(sector, N_SECTORS - 1)
    industrial = uu(U_COLLAB) < L.industrial_share[sector]
    digital = uu(U_PARTNER) < L.digital_share[sector]

    enforce = rec is not None and rec.enforce_conditions
    state = R.entrant_state(
        recruited, incubated_, year,
        {"revenue": uu(U_GROWTH), "rd": uu(U_CERT), "has_rd": uu(U_TECH_BASED), "st": uu(U_PLATFORM),
         "knowledge": uu(U_EXIT), "hightech": uu(U_AGRI)},
        industrial, rec.median_revenue_m_cny if rec is not None else 50.0, p["entrant_revenue"][bi],
        p["entrant_rd_share"][bi], rec.min_rd_intensity_pct / 100 if enforce else 0.0, enforce,
        p["recruit_hte_share"][bi], p["st_factor_sd"][bi])
    flat = bi * f.alive.shape[1] + si               # scatter through flat indices (faster than pairs)
    values = {"alive": True, "sector": sector, "industrial": industrial, "digital": digital, "age": 0,
              "origin": np.where(recruited, ORIGIN_RECRUITED, np.where(incubated_, ORIGIN_INCUBATED, ORIGIN_SPONTANEOUS)),
              **state}
    for name, v in values.items():
        np.put(getattr(f, name), flat, v)
    return dropped


def firm_counts(f, year: int, rules) -> dict:
    """What the indicators need of the firms (``district.FIRM_COUNTS``), per replicate."""
    alive = f.alive
    hte = alive & R.hte_valid(f.hte_until, year)
    above = alive & R.above_scale(f.industrial, f.revenue, rules)
    muni = f.platform >= R.MUNICIPAL
    return {
        "firms": np.count_nonzero(alive, axis=1), "hte": np.count_nonzero(hte, axis=1),
        "above_scale": np.count_nonzero(above, axis=1), "tech_based": np.count_nonzero(f.tech_based, axis=1),
        "municipal": np.count_nonzero(muni, axis=1), "national_platforms": np.count_nonzero(f.platform == R.NATIONAL, axis=1),
        "above_scale_municipal": np.count_nonzero(above & muni, axis=1),
        "hte_municipal": np.count_nonzero(hte & muni, axis=1),
        "agri_municipal": np.count_nonzero(alive & (f.sector == AGRI) & muni, axis=1),
        "hte_in_zone": np.count_nonzero(hte & f.in_zone, axis=1),
        "firm_rd": row_total(f.rd_lag1),   # this year's R&D spending
        "digital_revenue": row_total(f.revenue * f.digital),
    }


def measure(b: Block, L: Layout, year: int, extras: dict | None = None, width: int | None = None) -> dict:
    """The indicators of ``sim.indicators`` for every replicate of the block, at the end of ``year``
    (computed on the first ``width`` slots, which must hold every living firm)."""
    f = b.firms if width is None else b.firms.prefix(width)
    return D.indicators(firm_counts(f, year, L.rules), b.district, b.params, extras)
