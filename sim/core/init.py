"""Build the base-year state of a block of replicates from the scenario and the drawn parameters.

The unobserved aggregate start values (HTE and tech-based counts, R&D intensity, platform shares,
above-scale firms, digital share, rank) are drawn per replicate; firm-level state is then laid out
so that the aggregates hold exactly and every firm's state is consistent with the rules (an
initial HTE meets the HTE conditions, a tech-based firm the registration bars, and so on).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import rules as R
from ..scenario.distributions import as_dist
from ..scenario.schema import PLATFORM_LEVELS, SECTORS
from .state import F32, ORIGIN_INCUMBENT, ORIGIN_LEADING, Block, District, Firms
from .streams import ReplicateStreams

N_PEERS = 37
SLOT_GROUP = 128   # agent slots come in groups of this size (see step.row_total)
# the start state's uniform draws per agent slot, one column per purpose
(I_SECTOR, I_INDUSTRIAL, I_DIGITAL, I_ABOVE, I_RD, I_ST, I_AGE, I_HIGHTECH, I_KNOWLEDGE, I_HTE, I_RD_LIFT,
 I_HTE_YEAR, I_BACKLOG, I_ZONE, I_MUNI, I_DISTRICT, I_TECH_BASED) = range(17)
N_INIT_UNIFORMS = 17


@dataclass(frozen=True)
class Layout:
    """What does not vary across replicates: capacity, named agents, sector tables, the rules."""

    capacity: int
    n_leading: int
    base_year: int
    sector_cdf: np.ndarray
    industrial_share: np.ndarray
    digital_share: np.ndarray
    lead: list
    univ_capacity: np.ndarray
    univ_students: np.ndarray
    univ_maker: np.ndarray
    inst_sector: np.ndarray
    inst_capacity: np.ndarray
    inst_opens: np.ndarray
    inc_stage: np.ndarray       # 0 incubator, 1 accelerator, 2 park
    inc_sector: np.ndarray      # -1 any
    inc_capacity: np.ndarray
    inc_opens: np.ndarray
    rules: R.RuleSet
    # log R&D intensity, HTEs per GDP and tech-based firms per GDP at the scenario's central start
    # values: the district that holds the drawn innovation_rank (see _initial_district)
    rank_reference: np.ndarray


def build_layout(scenario) -> Layout:
    pop, ag = scenario.population, scenario.agents
    firms_hi = as_dist(scenario.initial.firms).support()[1]
    n_lead = len(ag.leading_firms)
    capacity = n_lead + int(np.ceil(firms_hi * (1 + pop.capacity_headroom)))
    capacity = -(-capacity // SLOT_GROUP) * SLOT_GROUP   # whole groups of slots (see step.row_total)
    shares = np.array([pop.sector_shares.get(s, 0.0) for s in SECTORS])
    rules_values = {k: as_dist(v).central() for k, v in scenario.rules}
    return Layout(
        capacity=capacity,
        n_leading=n_lead,
        base_year=scenario.horizon.base_year,
        sector_cdf=np.cumsum(shares) / shares.sum(),
        industrial_share=np.array([pop.industrial_share.get(s, 0.0) for s in SECTORS]),
        digital_share=np.array([pop.digital_share.get(s, 0.0) for s in SECTORS]),
        lead=list(ag.leading_firms),
        univ_capacity=np.array([u.collab_capacity for u in ag.universities], float),
        univ_students=np.array([u.students for u in ag.universities], float),
        univ_maker=np.array([PLATFORM_LEVELS.index(u.maker_space) for u in ag.universities], np.int8),
        inst_sector=np.array([SECTORS.index(i.sector) for i in ag.institutes], np.int64),
        inst_capacity=np.array([i.capacity for i in ag.institutes], float),
        inst_opens=np.array([i.opens for i in ag.institutes], np.int64),
        inc_stage=np.array([("incubator", "accelerator", "park").index(c.stage) for c in ag.incubators], np.int64),
        inc_sector=np.array([-1 if c.sector == "any" else SECTORS.index(c.sector) for c in ag.incubators], np.int64),
        inc_capacity=np.array([c.capacity for c in ag.incubators], float),
        inc_opens=np.array([c.opens for c in ag.incubators], np.int64),
        rules=R.RuleSet.from_values(rules_values),
        rank_reference=index_components({k: as_dist(getattr(scenario.initial, k)).central()
                                          for k in ("rd_intensity", "hte_count", "tech_based_count", "gdp")}),
    )


def index_components(p) -> np.ndarray:
    """Log R&D intensity, HTEs per GDP and tech-based firms per GDP of start values ``p``
    (scalars, or arrays over replicates: then shape (3, block))."""
    gdp_m = np.asarray(p["gdp"], float) * 100.0
    return np.stack([np.log(np.maximum(p["rd_intensity"], 0.01)), np.log(np.maximum(p["hte_count"], 1) / gdp_m),
                     np.log(np.maximum(p["tech_based_count"], 1) / gdp_m)])


def _top_k(score: np.ndarray, eligible: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Per row, mark the k highest-scoring eligible slots (k may differ by row)."""
    key = np.where(eligible, score, -np.inf)
    order = np.argsort(-key, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(key.shape[1])[None, :], axis=1)
    return eligible & (ranks < np.maximum(k, 0)[:, None])


def initial_block(scenario, layout: Layout, params: dict, streams: ReplicateStreams) -> Block:
    p, L, rules = params, layout, layout.rules
    B, N, nl = len(streams), layout.capacity, layout.n_leading
    u = streams.uniform(np.empty((B, N_INIT_UNIFORMS, N), np.float64))
    z = streams.normal(np.empty((B, 2, N), np.float64))
    col = lambda a: a[:, None]  # noqa: E731  (block,) -> (block, 1)

    idx = np.arange(N)[None, :]
    lead = idx < nl
    n0 = p["firms"].astype(np.int64)
    alive = lead | (idx < nl + col(n0))
    inc = alive & ~lead

    # sector, industrial and digital flags, location
    sector = np.minimum(np.searchsorted(L.sector_cdf, u[:, I_SECTOR], side="right"), len(SECTORS) - 1)
    industrial = inc & (u[:, I_INDUSTRIAL] < L.industrial_share[sector])
    digital = inc & (u[:, I_DIGITAL] < L.digital_share[sector])

    # above-scale industrial firms: exactly the drawn number among incumbents
    lead_rev = np.array([f.revenue_m_cny for f in L.lead])
    lead_ind = np.array([f.industrial for f in L.lead], bool)
    n_lead_above = int(np.sum(lead_ind & (lead_rev >= rules.above_scale_revenue)))
    above = _top_k(u[:, I_ABOVE], industrial, p["above_scale_industrial"].astype(np.int64) - n_lead_above)

    pop = scenario.population
    thr = rules.above_scale_revenue
    rev_above = thr + (pop.above_scale_median_m_cny - thr) * np.exp(pop.revenue_sigma * z[:, 0])
    rev_small = pop.revenue_median_m_cny * np.exp(pop.revenue_sigma * z[:, 0])
    rev_small = np.where(industrial & (rev_small >= thr), 0.999 * thr * thr / rev_small, rev_small)
    revenue = np.where(above, rev_above, rev_small)

    # R&D propensity, scaled so that firms' R&D matches the drawn R&D intensity
    has_rd = inc & (u[:, I_RD] < col(p["firms_with_rd_share"]))
    prop = np.where(has_rd, 0.02 * np.exp(0.8 * z[:, 1]), 0.0)
    gdp_m = p["gdp"] * 100.0
    firm_rd_target = p["rd_intensity"] / 100 * gdp_m * p["rd_enterprise_share"]
    lead_ratio = np.array([f.rd_intensity_pct / 100 for f in L.lead])
    lead_rd = float(np.sum(lead_ratio * lead_rev))

    def rescale(prop, frozen):
        free = np.sum(np.where(frozen, 0, prop * revenue), axis=1)
        fixed = np.sum(np.where(frozen, prop * revenue, 0), axis=1) + lead_rd
        scale = np.clip((firm_rd_target - fixed) / np.maximum(free, 1e-9), 0.05, 20)
        return np.where(frozen, prop, np.minimum(prop * col(scale), 0.3))

    prop = rescale(prop, np.zeros_like(inc))

    st_factor = np.exp(col(p["st_factor_sd"]) * np.sqrt(3) * (2 * u[:, I_ST] - 1))
    age = np.minimum(40, 1 + np.floor(-np.log1p(-u[:, I_AGE]) * 8))
    hightech = np.where(has_rd, 0.2 + 0.7 * u[:, I_HIGHTECH], 0.0)
    employees = revenue / col(p["revenue_per_employee"])

    def staff_of(ratio):
        return R.rd_staff(ratio * revenue, col(p["rd_labour_share"]), col(p["rd_wage"]))

    def st_factor_for(ratio, share_needed):
        """The S&T intensity at which a firm with this R&D meets a staff-share bar (10% margin)."""
        at_one = R.st_share(np.maximum(staff_of(ratio), 1e-9), col(p["st_staff_multiplier"]), 1.0, employees)
        return share_needed * 1.1 / at_one

    staff0 = staff_of(prop)
    knowledge = np.where(has_rd, R.innovation_probability(staff0, col(p["knowledge_productivity"]))
                         / np.maximum(col(p["knowledge_depreciation"]), 1e-3) * (0.5 + u[:, I_KNOWLEDGE]), 0.0)

    # initial HTEs: the drawn count, chosen among R&D firms by how close they are to the bars
    lead_hte = np.array([f.hte for f in L.lead], bool)
    band = R.hte_rd_threshold(revenue, rules)
    hte = _top_k(prop / np.maximum(band, 1e-9) + 0.5 * u[:, I_HTE], has_rd & (age >= rules.hte_min_age),
                 p["hte_count"].astype(np.int64) - int(lead_hte.sum()))
    prop = np.where(hte, np.maximum(prop, band * (1.05 + 0.2 * u[:, I_RD_LIFT])), prop)
    hightech = np.where(hte, np.maximum(hightech, rules.hte_hightech_revenue_min + 0.3 * u[:, I_HIGHTECH]), hightech)
    knowledge = np.where(hte, np.maximum(knowledge, rules.hte_knowledge_min * (1 + u[:, I_KNOWLEDGE])), knowledge)
    st_factor = np.where(hte, np.maximum(st_factor, st_factor_for(prop, rules.hte_st_staff_min)), st_factor)
    # certificates granted in the last three years: valid through base, base+1 or base+2
    hte_until = np.where(hte, L.base_year + np.floor(3 * u[:, I_HTE_YEAR]), 0).astype(np.int16)

    # platforms: municipal shares among HTEs and above-scale firms, national count, district ones
    platform = np.zeros((B, N), np.int8)
    rd_spend = prop * revenue
    lead_level = np.array([PLATFORM_LEVELS.index(f.platform) for f in L.lead], np.int8)
    n_hte_total = hte.sum(axis=1) + int(lead_hte.sum())
    need_hte = np.round(p["platform_share_hte"] * n_hte_total) - int(np.sum(lead_hte & (lead_level >= 2)))
    # agri-food firms come last: their platforms count towards the drawn agri-platform total
    agri = sector == SECTORS.index("agri_food")
    muni = _top_k(np.log1p(rd_spend) + u[:, I_MUNI] - 100 * agri, hte, need_hte.astype(np.int64))
    n_above_total = above.sum(axis=1) + n_lead_above
    lead_above_muni = int(np.sum(lead_ind & (lead_rev >= thr) & (lead_level >= 2)))
    need_above = (np.round(p["platform_share_above_scale"] * n_above_total) - lead_above_muni
                  - (muni & above).sum(axis=1))
    muni |= _top_k(np.log1p(rd_spend) + u[:, I_MUNI] - 100 * agri, above & ~hte, need_above.astype(np.int64))
    min_muni = rules.platform_min_rd_municipal * 1.1 / np.maximum(revenue, 1e-9)
    prop = np.where(muni, np.maximum(prop, min_muni), prop)
    platform[muni] = R.MUNICIPAL
    need_nat = p["national_platforms"].astype(np.int64) - int(np.sum(lead_level == R.NATIONAL))
    platform[_top_k(prop * revenue, muni, need_nat)] = R.NATIONAL
    to_district = (has_rd & (platform == 0) & (prop * revenue >= rules.platform_min_rd_district)
                   & (u[:, I_DISTRICT] < col(p["district_platform_share"])))
    platform[to_district] = R.DISTRICT

    # tech-based: every HTE and every firm with a municipal platform, plus the drawn remainder
    # among SMEs passing (or made to pass) the registration bars
    lead_tb = lead_hte | (lead_level >= R.MUNICIPAL)
    registered = hte | muni
    sme = R.tech_sme_size_ok(employees, revenue, rules)
    n_tb_extra = p["tech_based_count"].astype(np.int64) - registered.sum(axis=1) - int(lead_tb.sum())
    tb_extra = _top_k(prop / rules.tb_rd_min + u[:, I_TECH_BASED], has_rd & ~registered & sme, n_tb_extra)
    prop = np.where(tb_extra, np.maximum(prop, rules.tb_rd_min * (1.05 + 0.3 * u[:, I_RD_LIFT])), prop)
    knowledge = np.where(tb_extra, np.maximum(knowledge, rules.tb_knowledge_min * (1 + u[:, I_KNOWLEDGE])), knowledge)
    st_factor = np.where(tb_extra, np.maximum(st_factor, st_factor_for(prop, rules.tb_st_staff_min)), st_factor)
    prop = rescale(prop, registered | tb_extra)
    tech_based = registered | tb_extra
    # unregistered R&D firms: only the drawn backlog share already holds the IP bar
    no_ip = has_rd & ~tech_based & (u[:, I_BACKLOG] >= col(p["tb_eligible_backlog"]))
    knowledge = np.where(no_ip, np.minimum(knowledge, 0.9 * rules.tb_knowledge_min), knowledge)

    in_zone = industrial & (u[:, I_ZONE] < np.where(hte, 1.0, 0.5) * col(p["hte_in_zone_share"]))

    # named leading firms in the first slots
    origin = np.broadcast_to(np.where(lead, ORIGIN_LEADING, ORIGIN_INCUMBENT), (B, N)).astype(np.int8)
    for i, f in enumerate(L.lead):
        sector[:, i] = SECTORS.index(f.sector)
        industrial[:, i] = f.industrial
        digital[:, i] = f.digital
        revenue[:, i] = f.revenue_m_cny
        prop[:, i] = f.rd_intensity_pct / 100
        platform[:, i] = lead_level[i]
        age[:, i] = 15
        hightech[:, i] = 0.75 if f.hte else 0.4
        knowledge[:, i] = max(3.0, rules.hte_knowledge_min * 1.5) if f.hte else 1.5
        hte_until[:, i] = (L.base_year + i % 3) if f.hte else 0
        in_zone[:, i] = f.industrial
        tech_based[:, i] = f.hte or lead_level[i] >= R.MUNICIPAL
    employees = revenue / col(p["revenue_per_employee"])
    if L.lead:  # leading firms meet the staff bar of the status they hold
        bar = np.full(N, rules.tb_st_staff_min)
        bar[:nl] = np.where(lead_hte, rules.hte_st_staff_min, rules.tb_st_staff_min)
        st_factor[:, :nl] = np.maximum(st_factor[:, :nl], st_factor_for(prop, bar)[:, :nl])

    # the HTE backlog: of the uncertified firms that meet every HTE bar, only the drawn number (the
    # most knowledgeable) hold the IP bar; the others fall just short of it. Without this the start
    # would hold as many ready applicants as the layout happens to make, and the first year would
    # certify a burst of them that the years before (the calibration's hindcast) do not show.
    st_now = R.st_share(staff_of(prop), col(p["st_staff_multiplier"]), st_factor, employees)
    meets = alive & ~lead & (hte_until == 0) & R.hte_eligible(age, prop, revenue, st_now, hightech, knowledge, rules)
    backlog = _top_k(knowledge, meets, p["hte_eligible_backlog"].astype(np.int64))
    short_of_ip = np.where(tech_based, max(0.95 * rules.hte_knowledge_min, rules.tb_knowledge_min),
                           0.95 * rules.hte_knowledge_min)
    knowledge = np.where(meets & ~backlog, np.minimum(knowledge, short_of_ip), knowledge)

    rd_spend = prop * revenue
    firms = Firms(
        alive=alive, sector=sector.astype(np.int8), industrial=industrial, digital=digital, in_zone=in_zone,
        revenue=revenue.astype(F32), propensity=prop.astype(F32), rd_ratio=prop.astype(F32),
        st_factor=st_factor.astype(F32), knowledge=knowledge.astype(F32), hightech=hightech.astype(F32),
        age=age.astype(F32), tech_based=tech_based, hte_until=hte_until, platform=platform,
        rd_lag1=rd_spend.astype(F32), rd_lag2=rd_spend.astype(F32),
        sales_lag1=revenue.astype(F32), sales_lag2=revenue.astype(F32), origin=origin,
    )
    firms.zero(~alive)
    district = _initial_district(p, L, firms, streams, np.count_nonzero(backlog, axis=1))
    params32 = {k: v.astype(F32)[:, None] for k, v in params.items()}
    return Block(firms=firms, district=district, params=params, params32=params32)


def _initial_district(p, L: Layout, f: Firms, streams: ReplicateStreams, hte_backlog: np.ndarray) -> District:
    B = len(streams)
    gdp_m = p["gdp"] * 100.0
    firm_rd = np.sum(f.rd_ratio * f.revenue, axis=1, dtype=np.float64)
    total_rd = p["rd_intensity"] / 100 * gdp_m
    digital_rev = np.sum(np.where(f.digital, f.revenue, 0), axis=1, dtype=np.float64)
    digital_va = p["digital_core_share"] / 100 * gdp_m
    staff = R.rd_staff(f.rd_ratio * f.revenue, p["rd_labour_share"][:, None], p["rd_wage"][:, None])
    demand = np.sum(staff, axis=1, dtype=np.float64)
    agri_firm_platforms = np.sum(f.alive & (f.sector == SECTORS.index("agri_food")) & (f.platform >= R.MUNICIPAL), axis=1)

    # peers: 37 districts' log index around Hechuan's, so that a Hechuan at the scenario's central
    # start values holds the drawn rank; start values above (below) them raise (lower) its index by
    # their log deviation, weighted as in the index (4 components, the platforms' taken as central)
    zp = streams.normal(np.empty((B, 2 * N_PEERS)))
    levels = -np.sort(-zp[:, :N_PEERS] * p["peer_index_dispersion"][:, None], axis=1)  # descending
    rank = p["innovation_rank"].astype(np.int64)
    above_v = np.where(rank >= 2, levels[np.arange(B), np.clip(rank - 2, 0, N_PEERS - 1)], levels[:, 0] + 0.1)
    below_v = np.where(rank <= N_PEERS, levels[np.arange(B), np.clip(rank - 1, 0, N_PEERS - 1)], levels[:, -1] - 0.1)
    deviation = np.sum(index_components(p) - L.rank_reference[:, None], axis=0) / 4
    index0 = (above_v + below_v) / 2 + deviation
    peer_growth = (p["peer_index_growth"][:, None] + p["peer_index_spread"][:, None] * zp[:, N_PEERS:]) / 100

    hte_count = np.sum(f.hte_until >= L.base_year, axis=1)
    tb_count = np.sum(f.tech_based, axis=1)
    muni = np.sum(f.platform >= R.MUNICIPAL, axis=1)
    # the index measures growth from these; a district starting from none counts as having one
    components0 = np.stack([np.maximum(p["rd_intensity"], 0.01), np.maximum(hte_count, 1) / gdp_m,
                            np.maximum(tb_count, 1) / gdp_m, np.maximum(muni, 1) / gdp_m], axis=1)

    open_inc = (L.inc_opens <= L.base_year).astype(float)
    tenants = np.round(p["incubator_occupancy"][:, None] * (L.inc_capacity * open_inc)[None, :])
    base_projects = streams.poisson(p["project_rate"][:, None])[:, 0]
    return District(
        gdp=gdp_m.copy(), cq_rd=p["cq_rd_intensity"].copy(), nonfirm_rd=np.maximum(0.0, total_rd - firm_rd),
        other_digital=(1 - p["digital_agent_share"]) * digital_va,
        digital_va_ratio=p["digital_agent_share"] * digital_va / np.maximum(digital_rev, 1e-9),
        labour_supply=demand * (1 + p["rd_labour_slack"]), talents=np.zeros(B), national=np.zeros(B, bool),
        projects=base_projects.astype(float), agri_standalone=np.maximum(0, p["agri_platforms"] - agri_firm_platforms),
        index0=index0, components0=components0, peers=levels, peer_growth=peer_growth,
        students=np.tile(L.univ_students, (B, 1)), maker=np.tile(L.univ_maker, (B, 1)).astype(np.int64),
        tenants=tenants, prev_hte_new=np.zeros(B), prev_upgrades=np.zeros((B, 2)),
        hte_backlog=hte_backlog.astype(float),
    )
