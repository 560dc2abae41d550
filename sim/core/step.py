"""One simulated year for a block of replicates, fully vectorized over (replicates, firms).

Order within a year (docs/ODD.md, "Process overview and scheduling"); every firm decides from
the start-of-year state of the district and of its partners (synchronous update). ``step`` runs
the phases of the Mesa model (``sim.abm``), each a function here, on all firms of all replicates:

- ``start_year``: the year's random numbers, the exogenous environment (GDP, Chongqing's R&D
  intensity, the peers' index) and the levers (budgets turned into subsidy rates, grants, relief);
- ``plan_rd``: R&D decisions (user cost with subsidy, super-deduction, HTE tax rate; HTE
  bunching; adjustment) and the R&D staff wanted;
- ``hire``: the talent market (R&D staff hired within the local R&D labour supply);
- ``collaborate``: institutes (by sector), universities, firm partners (SKIN), commissioners;
- ``decide``: innovation and knowledge (Keynes+Schumpeter), high-tech revenue share; HTE
  certification (first and renewal, 3-year validity), tech-based registration and lapse;
  platform upgrades district -> municipal -> national, digital-core adoption; growth and exit;
- ``advance``: every firm's new state written at once;
- ``enter``: the incubator chain, recruitment and spontaneous start-ups fill free slots;
- ``end_year``: universities, agricultural platforms, the national high-tech-zone event, the
  year's books, and the indicators.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import rules as R
from .. import sectors
from ..sectors import AGRI, N_SECTORS
from . import district as D
from . import entry
from .init import SLOT_GROUP, Layout
from .policy import LeverYear, Policy
from .state import (F32, N_FIRM_UNIFORMS, ORIGIN_INCUBATED, ORIGIN_RECRUITED, U_AGRI, U_CERT, U_COLLAB, U_EXIT,
                    U_GROWTH, U_INNOVATE, U_PARTNER, U_PLATFORM, U_TECH_BASED, Block, Firms)
from .streams import ReplicateStreams


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


def pick_kind(table: np.ndarray, *flags: np.ndarray) -> np.ndarray:
    """Per firm, the entry of its replicate's row of a (block, 2**len(flags)) table at the index
    the flags spell in binary, the first flag the highest bit (two flags: ``2 * first + second``)."""
    kind = np.zeros(flags[0].shape, np.uint8)
    for flag in flags:
        kind = kind * np.uint8(2) + flag.view(np.uint8)
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


@dataclass
class Year:
    """What every firm of the block reads this year, set before any firm acts (the Mesa model's
    ``YearContext``, per replicate)."""

    year: int
    base_year: int            # the scenario's base year (firms' R&D propensities are measured in it)
    lv: LeverYear
    p: dict                   # parameters, (block,) each
    c: dict                   # the same as float32 (block, 1) columns, for the firm arrays
    rules: R.RuleSet
    u: np.ndarray             # the firms' uniforms of the year, (block, N_FIRM_UNIFORMS, used width)
    alive: np.ndarray         # firms alive at the start of the year, (block, used width)
    free: np.ndarray          # slots free at the start of the year, (block, capacity)
    growth: np.ndarray        # real GDP growth this year, (block,)
    subsidised: np.ndarray    # firms the R&D subsidy is for
    eligible_rd: np.ndarray   # their R&D spending at start-of-year R&D ratios, m CNY (block,)
    subsidy_rate: np.ndarray  # the R&D subsidy rate paid, (block,)
    hte_score_pass: np.ndarray   # probability a re-certification scores above the bar, (block,)
    hte_field_share: np.ndarray  # per sector: HTEs still in the supported fields, (block, sectors) float32
    campaign_reach: np.ndarray   # share of unregistered R&D firms the registration drive reaches, (block,)
    campaign_pool: np.ndarray    # share of HTE candidates the cultivation pool coaches, (block,)


def step(b: Block, L: Layout, pol: Policy, year: int, streams: ReplicateStreams, buf: Buffers) -> dict:
    """Advance the block by one year in place; return this year's indicators, each (block,)."""
    y, f, u_small = start_year(b, L, pol, year, streams, buf)
    plan = plan_rd(f, y)
    hired = hire(b, y, plan)
    links = collaborate(f, L, y, hired, buf.row_key, b.firms.alive.shape[1])
    new = decide(f, L, y, plan, hired, links)
    advance(f, y, hired, new)
    b.district.hte_backlog[...] = new.waiting
    univ_collabs = np.count_nonzero(links.with_univ, axis=1)
    flows = {"hte_new": np.count_nonzero(new.granted, axis=1), "hte_first": new.first_grants,
             "exits": np.count_nonzero(new.exits, axis=1), "talent_factor": hired.tf,
             "collaborations": np.count_nonzero(links.with_inst, axis=1) + univ_collabs}
    entrants, n_projects, n_agri_new = enter(b, L, y, streams, buf.u, univ_collabs)
    return end_year(b, L, y, u_small, new, row_total(hired.rd_spend), n_projects, n_agri_new, {**flows, **entrants})


def start_year(b: Block, L: Layout, pol: Policy, year: int, streams: ReplicateStreams, buf: Buffers):
    """Draw the year's random numbers (in a fixed order per replicate, for every slot, so a
    replicate's stream does not depend on the block it runs in), move the environment on and
    turn the levers into this year's settings. Returns the ``Year``, the firms of the used
    prefix of slots (views of the block's arrays: the slots past the last living firm of the
    block are empty) and the district's uniforms."""
    full, d, p = b.firms, b.district, b.params
    B = full.alive.shape[0]
    streams.uniform(buf.u)
    M = used_width(full.alive)
    f = full.prefix(M)
    free = ~full.alive
    z_macro = streams.normal(np.empty((B, 2)))
    u_small = streams.uniform(np.empty((B, D.n_district_uniforms(len(L.univ_capacity)))))
    growth = D.environment(d, p, z_macro)
    lv = pol.year(year - L.base_year - 1)
    subsidy_pot = D.subsidy_pot(d, lv)
    alive = f.alive.copy()
    subsidised = alive if lv.subsidy_all_firms else f.tech_based
    eligible_rd = row_total(f.rd_ratio * f.revenue * subsidised)
    n_unregistered = np.count_nonzero(alive & ~f.tech_based & (f.propensity > 0), axis=1)
    reach, pool = D.campaign_reach(p, lv, n_unregistered, d.hte_backlog)
    y = Year(year=year, base_year=L.base_year, lv=lv, p=p, c=b.params32, rules=L.rules, u=buf.u[:, :, :M],
             alive=alive, free=free,
             growth=growth, subsidised=subsidised, eligible_rd=eligible_rd,
             subsidy_rate=R.subsidy_rate_paid(lv.subsidy_rate, subsidy_pot, eligible_rd),
             hte_score_pass=D.hte_score_pass(p, L.rules), hte_field_share=D.hte_field_shares(p).astype(F32),
             campaign_reach=reach, campaign_pool=pool)
    return y, f, u_small


@dataclass
class RdPlan:
    """The firms' R&D plan of the year (``plan_rd``)."""

    ratio: np.ndarray          # R&D / sales
    desired_rd: np.ndarray     # R&D budget, m CNY
    staff_wanted: np.ndarray   # the R&D staff it pays for, FTE


def plan_rd(f: Firms, y: Year) -> RdPlan:
    """Each firm's R&D: target R&D/sales from the after-tax user cost (subsidy, super-deduction,
    income tax: HTE or small low-profit), bunching at the HTE band, partial adjustment; the staff
    that budget pays for. The super-deduction in force this year and in the base year takes four
    values per replicate (kind = 2 manufacturing + tech-based SME, ``rules.superdeduction_rate``),
    which each firm picks; its tax rate then and now is its own (``rules.income_tax_rate``)."""
    c, p, rules = y.c, y.p, y.rules
    k = np.arange(4)
    manu_kind, tsme_kind = ((k >> 1) & 1) == 1, (k & 1) == 1
    employees = f.revenue / c["revenue_per_employee"]
    tech_sme = f.tech_based & R.tech_sme_size_ok(employees, f.revenue, rules)
    kinds = (f.revenue.shape[0], 4)    # a flat rate (superdeduction_schedule 0) comes back as one number
    d_now = pick_kind(np.broadcast_to(np.asarray(R.superdeduction_rate(y.year, manu_kind, tsme_kind, rules,
                                                                       y.base_year), F32), kinds),
                      f.industrial, tech_sme)
    d_ref = pick_kind(np.broadcast_to(np.asarray(R.superdeduction_rate(y.base_year, manu_kind, tsme_kind, rules,
                                                                       y.base_year), F32), kinds),
                      f.industrial, tech_sme)
    hte = R.hte_valid(f.hte_until, y.year)
    income = f.revenue * c["taxable_margin"]
    tax_now = R.income_tax_rate(y.year, hte, employees, income, rules).astype(F32)
    tax_ref = R.income_tax_rate(y.base_year, hte, employees, income, rules).astype(F32)
    subsidy = (y.subsidy_rate[:, None] * y.subsidised).astype(F32)
    min_cost = c["min_user_cost"]
    uc = R.rd_user_cost(subsidy, hte, rules, min_cost, superdeduction=d_now, tax=tax_now)
    uc_ref = R.rd_user_cost(F32(0.0), hte, rules, min_cost, superdeduction=d_ref, tax=tax_ref)
    ip_mult = D.ip_multiplier(p, y.lv)
    response = R.rd_target_ratio(1.0, uc, uc_ref, c["rd_cost_elasticity"], ip_mult[:, None].astype(F32))
    target = f.propensity * response.astype(F32)
    band = R.hte_rd_threshold(f.revenue, rules)
    target = R.bunch_to_threshold(target, band, c["hte_bunching_margin"], f.tech_based, c["hte_bunching_target"])
    ratio = np.minimum(R.rd_adjust(f.rd_ratio, target, c["rd_adjust_speed"]), c["max_rd_ratio"])  # 0 without R&D
    desired_rd = ratio * f.revenue
    return RdPlan(ratio, desired_rd, R.rd_staff(desired_rd, c["rd_labour_share"], c["rd_wage"]))


@dataclass
class Hired:
    """What the talent market gave the firms (``hire``)."""

    tf: np.ndarray            # talent factor: the share of the wanted staff hired, (block,)
    staff: np.ndarray         # R&D staff hired, FTE
    rd_spend: np.ndarray      # R&D spending, m CNY (less the pay of posts left unfilled)
    talent_mult: np.ndarray   # the high-level talents' boost to R&D productivity, (block,)


def hire(b: Block, y: Year, plan: RdPlan) -> Hired:
    """The talent market: graduates, the talent plan and the R&D labour pool meet the staff
    firms want; every firm hires the same share of it and spends correspondingly less."""
    d, p, c = b.district, y.p, y.c
    tf = D.talent_market(d, p, y.lv, row_total(plan.staff_wanted))
    staff = plan.staff_wanted * tf[:, None].astype(F32)
    rd_spend = plan.desired_rd * (1 - c["rd_labour_share"] * (1 - tf[:, None].astype(F32)))
    return Hired(tf, staff, rd_spend, D.talent_multiplier(d, p, row_total(staff)))


@dataclass
class Links:
    """The firms' collaborations of the year (``collaborate``)."""

    active: np.ndarray        # R&D-active firms
    with_inst: np.ndarray     # working with an institute of their sector
    with_univ: np.ndarray     # working with a university
    has_partner: np.ndarray   # exchanging knowledge with a partner firm
    k_partner: np.ndarray     # the partner's start-of-year knowledge
    served: np.ndarray        # served by a science commissioner


def collaborate(f: Firms, L: Layout, y: Year, hired: Hired, row_key: np.ndarray, capacity: int) -> Links:
    """Collaboration from start-of-year knowledge: one uniform picks an institute of the firm's
    sector or else a university (within their capacity shares); a slot drawn among the block's
    ``capacity`` holds a partner if both do R&D and their knowledge is similar enough (SKIN);
    agri-food firms may be served by a science commissioner."""
    p, c, u, alive = y.p, y.c, y.u, y.alive
    B, M = alive.shape
    active = alive & (hired.staff > 0)
    sector_key = f.sector + row_key               # (replicate, sector) as one flat index
    a_inst, a_univ = D.collaboration_shares(L, p, y.lv, y.year, _by_sector(active, sector_key))
    p_inst = np.take((p["collab_propensity"][:, None] * a_inst).astype(F32).ravel(), sector_key)
    p_univ = R.university_collab_threshold(p_inst, c["collab_propensity"], a_univ[:, None].astype(F32))
    with_inst = active & (u[:, U_COLLAB] < p_inst)
    with_univ = active & ~with_inst & (u[:, U_COLLAB] < p_univ)

    partner = (u[:, U_PARTNER] * capacity).astype(np.int64)   # any slot of the block's capacity
    in_use = partner < M                                        # slots beyond M are empty
    partner = np.minimum(partner, M - 1) + M * np.arange(B)[:, None]   # flat index into (B, M)
    k_partner = np.take(np.ascontiguousarray(f.knowledge).ravel(), partner)
    has_partner = (active & in_use & np.take(active.ravel(), partner)
                   & R.partners_compatible(f.knowledge, k_partner, c["partner_threshold"]))
    agri = alive & (f.sector == AGRI)
    p_served = D.commissioner_share(p, y.lv, np.count_nonzero(agri, axis=1))
    served = agri & (u[:, U_AGRI] < p_served[:, None].astype(F32))
    return Links(active, with_inst, with_univ, has_partner, k_partner, served)


@dataclass
class Pending:
    """The firms' new state of the year, decided from start-of-year state (``decide``), and the
    flows the district books; filled by the phases of ``decide`` in turn."""

    ratio: np.ndarray                 # R&D / sales (the plan's)
    p_success: np.ndarray = None      # probability of an innovation
    success: np.ndarray = None        # innovated this year
    knowledge: np.ndarray = None
    hightech: np.ndarray = None
    propensity: np.ndarray = None
    granted: np.ndarray = None        # HTE certificate granted this year (first or renewed)
    hte_until: np.ndarray = None
    ip_since: np.ndarray = None       # innovations since the last certificate, at the end of the year
    hte_end: np.ndarray = None        # holds a valid certificate at the end of the year
    first_grants: np.ndarray = None   # first certificates, per replicate
    waiting: np.ndarray = None        # eligible first applicants not certified, per replicate
    tech_based: np.ndarray = None
    platform: np.ndarray = None
    upgrades: np.ndarray = None       # (block, 2): upgrades to municipal and to national level
    digital: np.ndarray = None
    revenue: np.ndarray = None
    exits: np.ndarray = None


def decide(f: Firms, L: Layout, y: Year, plan: RdPlan, hired: Hired, links: Links) -> Pending:
    """Every firm's decisions of the year, in the order of the Mesa ``Enterprise.decide``:
    innovation and knowledge, certification, platform and digital adoption, growth and exit."""
    new = Pending(ratio=plan.ratio)
    _innovate(f, y, hired, links, new)
    _certify(f, y, hired, new)
    _upgrade(f, y, hired, new)
    _grow_and_exit(f, L, y, new)
    return new


def _innovate(f: Firms, y: Year, hired: Hired, links: Links, new: Pending) -> None:
    """Knowledge production: an innovation with the effective R&D staff; the stock depreciates,
    gains the innovation, collaboration and spillovers; the high-tech revenue share and R&D
    learning follow. A firm without R&D may set up an R&D team (more often when subsidies are
    on offer): it drew no innovation or certification, so those draws are its own to use here."""
    c, u, alive = y.c, y.u, y.alive
    new.p_success = R.innovation_probability(hired.staff * hired.talent_mult[:, None].astype(F32),
                                             c["knowledge_productivity"])
    new.success = links.active & (u[:, U_INNOVATE] < new.p_success)
    spill = R.spillover(f.knowledge, links.k_partner, c["spillover_rate"]) * links.has_partner
    new.knowledge = R.knowledge_update(f.knowledge, c["knowledge_depreciation"], new.success, links.with_inst,
                                       c["institute_gain"], links.with_univ, c["university_gain"], spill,
                                       links.served, c["commissioner_gain"])
    new.hightech = R.hightech_share_update(f.hightech, new.success, c["hightech_gain"], c["hightech_decay"]) * alive
    propensity = R.rd_learning_update(f.propensity, new.success, c["rd_learning"], c["max_rd_propensity"])
    p_start = R.rd_start_probability(c["rd_start_rate"], c["rd_start_subsidy_response"],
                                     y.subsidy_rate[:, None].astype(F32))
    starts = alive & (f.propensity == 0) & (u[:, U_INNOVATE] < p_start)
    new.propensity = np.where(starts, R.new_rd_propensity(u[:, U_CERT], c["new_rd_propensity"],
                                                          c["rd_propensity_spread"]), propensity)


def _certify(f: Firms, y: Year, hired: Hired, new: Pending) -> None:
    """HTE certification and tech-based registration. A certificate valid through year t-1 is
    re-examined in year t (approval keeps it continuous); other eligible firms apply."""
    c, u, alive, year, rules = y.c, y.u, y.alive, y.year, y.rules
    employees = f.revenue / c["revenue_per_employee"]
    rd3 = R.rd_ratio_3y(f.rd_lag1, f.rd_lag2, hired.rd_spend, f.sales_lag1, f.sales_lag2, f.revenue)
    st = R.st_share(hired.staff, c["st_staff_multiplier"], f.st_factor, employees)
    eligible = alive & R.hte_eligible(f.age, rd3, f.revenue, st, new.hightech, new.knowledge, rules)
    renewing = alive & (f.hte_until == year - 1)
    first = alive & (f.hte_until < year - 1)
    ip_now = f.ip_since + new.success
    p_renew = R.hte_renewal_probability(ip_now, c["hte_ip_per_innovation"], _field_share(f, y),
                                        y.hte_score_pass[:, None].astype(F32))
    apply_prob = R.campaign_probability(c["hte_apply_prob"], y.campaign_pool[:, None].astype(F32),
                                        c["campaign_apply_lift"])
    p_grant = R.hte_grant_probability(renewing, first, apply_prob, c["hte_reward_response"], y.lv.hte_reward,
                                      c["hte_approval_rate"], p_renew)
    new.granted = eligible & (u[:, U_CERT] < p_grant)
    new.hte_until = np.where(new.granted, R.hte_until_after_grant(year, rules), f.hte_until).astype(np.int16)
    new.ip_since = R.ip_since_update(f.ip_since, new.success, new.granted) * alive
    new.hte_end = alive & R.hte_valid(new.hte_until, year)
    new.first_grants = np.count_nonzero(new.granted & first, axis=1)
    new.waiting = np.count_nonzero(eligible & first & ~new.granted, axis=1)
    tb_eligible = R.tech_based_eligible(employees, f.revenue, new.ratio, st, new.knowledge, new.hte_end, f.platform,
                                        rules)
    register_prob = R.campaign_probability(c["tb_register_prob"], y.campaign_reach[:, None].astype(F32),
                                           c["campaign_register_lift"])
    new.tech_based = alive & R.tech_based_update(f.tech_based, tb_eligible, u[:, U_TECH_BASED],
                                                 register_prob, c["tb_lapse_prob"])


def _field_share(f: Firms, y: Year) -> np.ndarray:
    """Per firm, its sector's share of HTEs whose products are in the supported fields (float32)."""
    return np.take_along_axis(y.hte_field_share, f.sector.astype(np.intp), axis=1)


def _upgrade(f: Firms, y: Year, hired: Hired, new: Pending) -> None:
    """Platform upgrades (one level at most, with the level's hazard raised by the grants) and
    digital-core adoption by innovating firms."""
    c, u, rules = y.c, y.u, y.rules
    hazards, grant_mult = D.platform_hazards(c, y.lv)
    above = R.above_scale(f.industrial, f.revenue, rules)
    p_up = R.platform_upgrade_probability(f.platform, hired.rd_spend, above | new.hte_end, hazards, rules, grant_mult)
    upgrade = y.alive & (u[:, U_PLATFORM] < p_up)
    new.platform = f.platform + upgrade.astype(np.int8)
    new.upgrades = np.stack([np.count_nonzero(upgrade & (new.platform == R.MUNICIPAL), axis=1),
                             np.count_nonzero(upgrade & (new.platform == R.NATIONAL), axis=1)], axis=1).astype(float)
    # given success (u < p), u / p is again uniform: reused for the adoption draw
    new.digital = f.digital | (new.success & (u[:, U_INNOVATE] < new.p_success * c["digital_adoption_rate"]))


def _grow_and_exit(f: Firms, L: Layout, y: Year, new: Pending) -> None:
    """Revenue growth (the economy's, an innovation premium, a Laplace shock) and exit. The exit
    odds take four values per replicate (young or not, tech-based or not), and each firm picks
    its own. The named leading firms do not exit."""
    c, p, u = y.c, y.p, y.u
    new.revenue = R.revenue_after_growth(f.revenue, y.growth[:, None].astype(F32), c["innovation_revenue_premium"],
                                         new.success, c["revenue_growth_sd"], R.growth_shock(u[:, U_GROWTH]))
    relief = D.financing_relief(p, y.lv)
    young_age = p["young_firm_age"][:, None]
    age_kind = np.where(np.array([False, False, True, True]), young_age, 0.0)   # young, young, old, old
    tech_kind = np.array([False, True, False, True])
    exit_kind = R.exit_probability(p["exit_rate"][:, None], age_kind, tech_kind, p["young_exit_multiplier"][:, None],
                                   p["tech_exit_protection"][:, None], relief[:, None], young_age).astype(F32)
    p_exit = pick_kind(exit_kind, f.age >= c["young_firm_age"], new.tech_based)
    lead = np.arange(y.alive.shape[1]) < L.n_leading
    new.exits = y.alive & ~lead & (u[:, U_EXIT] < p_exit)


def advance(f: Firms, y: Year, hired: Hired, new: Pending) -> None:
    """Write the year's new state of every firm at once (``f`` holds views of the block's
    arrays); the slots of exiting firms are emptied."""
    f.rd_lag2[...] = f.rd_lag1
    f.rd_lag1[...] = hired.rd_spend
    f.sales_lag2[...] = f.sales_lag1
    f.sales_lag1[...] = f.revenue
    f.revenue[...], f.rd_ratio[...], f.propensity[...] = new.revenue, new.ratio, new.propensity
    f.knowledge[...], f.hightech[...] = new.knowledge, new.hightech
    f.tech_based[...], f.hte_until[...], f.ip_since[...] = new.tech_based, new.hte_until, new.ip_since
    f.platform[...], f.digital[...] = new.platform, new.digital
    f.age += y.alive
    f.zero(new.exits)


def enter(b: Block, L: Layout, y: Year, streams: ReplicateStreams, u: np.ndarray, univ_collabs):
    """Entry: the year's Poisson counts (start-ups, recruited firms, university spin-offs, and
    the university projects and agricultural platforms that ``end_year`` adds), the incubator
    chain, and the entrants placed into the slots free at the start of the year. Returns the
    entry flows, the new projects and the new agricultural platforms."""
    d, p, lv = b.district, b.params, y.lv
    lam = D.entry_means(d, p, lv, np.count_nonzero(y.alive, axis=1), univ_collabs)
    n_startups, n_recruited, n_spinoffs, n_projects, n_agri_new = streams.poisson(lam).T
    incubated, inc_sector_w, n_direct = D.incubator_chain(d, L, p, y.year, lv, streams, n_startups, n_spinoffs)
    dropped = _place_entrants(b.firms, L, y, u, n_recruited, incubated, inc_sector_w, n_direct)
    flows = {"entrants": n_recruited + incubated.sum(axis=1) + n_direct - dropped, "recruited": n_recruited,
             "incubated": incubated.sum(axis=1), "entrants_dropped": dropped}
    return flows, n_projects, n_agri_new


def _place_entrants(f: Firms, L: Layout, y: Year, u, n_recruited, incubated, inc_weights, n_direct):
    """Place entrants into slots that were free at the start of the year, in the order of
    ``entry.origin_by_rank``; their start state comes from those slots' unused draws of the
    year (``u``). Returns the entrants that found no slot."""
    free = y.free
    n_incubated = incubated.sum(axis=1)
    total = (n_recruited + n_incubated + n_direct).astype(np.int64)
    # the first free slots of each row lie within the used width plus room for the entrants
    width = min(free.shape[1], used_width(~free) + int(total.max(initial=0)) + SLOT_GROUP)
    fb, fs = np.nonzero(free[:, :width])            # free slots, row by row
    row_start = np.searchsorted(fb, np.arange(len(total)))
    r = np.arange(fb.size) - row_start[fb] + 1       # 1-based rank of the slot within its row
    take = r <= total[fb]
    bi, si, r = fb[take], fs[take], r[take]
    _, dropped = entry.places(np.bincount(fb, minlength=len(total)), total)
    if bi.size == 0:
        return dropped
    origin = entry.origin_by_rank(r, n_recruited[bi], n_incubated[bi])
    draws = u[bi, :, si].astype(np.float64)         # the slots' unused draws of the year, (entrants, 9)
    sector = _entrant_sector(L, y.lv, origin, draws[:, U_INNOVATE], sectors.cdf(inc_weights)[bi])
    p = {k: y.p[k][bi] for k in ("entrant_revenue", "entrant_rd_share", "recruit_hte_share", "st_factor_sd",
                                 "entrant_rd_propensity", "rd_propensity_spread")}
    values = {"alive": True, **entry.entrant(origin, sector, y.year, lambda k: draws[:, k], L, y.lv, p)}
    flat = bi * f.alive.shape[1] + si               # scatter through flat indices (faster than pairs)
    for name, v in values.items():
        np.put(getattr(f, name), flat, v)
    return dropped


def _entrant_sector(L: Layout, lv: LeverYear, origin, us, cdf_inc):
    """Entrants' sectors from one uniform each: the recruitment mix for recruited firms, the
    mixture of the graduating incubators' sectors (``cdf_inc``, a row per entrant) for
    incubated ones, the population's mix for direct start-ups."""
    incubated = np.minimum((us[:, None] >= cdf_inc).sum(axis=1), N_SECTORS - 1)
    return np.where(origin == ORIGIN_RECRUITED, sectors.draw(D.recruit_sector_cdf(lv, L), us),
                    np.where(origin == ORIGIN_INCUBATED, incubated, sectors.draw(L.sector_cdf, us)))


def end_year(b: Block, L: Layout, y: Year, u_small, new: Pending, firm_rd, n_projects, n_agri_new,
             flows: dict) -> dict:
    """Universities, agricultural platforms and the zone (given its HTEs at the end of the
    year), the year's books, and the year's indicators, each (block,)."""
    d, p, lv, full = b.district, b.params, y.lv, b.firms
    counts = firm_counts(full.prefix(used_width(full.alive)), y.year, L.rules)
    D.universities_and_zone(d, p, lv, u_small, n_projects, n_agri_new, counts["hte_in_zone"])
    books = D.close_year(d, p, lv, new.first_grants, new.upgrades, y.subsidy_rate, y.eligible_rd, firm_rd)
    return D.indicators(counts, d, p, {**books, **flows})


def firm_counts(f: Firms, year: int, rules) -> dict:
    """What the indicators need of the firms (``district.firm_counts``), per replicate."""
    return D.firm_counts(f, year, rules, count=lambda mask: np.count_nonzero(mask, axis=1), total=row_total)


def measure(b: Block, L: Layout, year: int, extras: dict | None = None, width: int | None = None) -> dict:
    """The indicators of ``sim.indicators`` for every replicate of the block, at the end of ``year``
    (computed on the first ``width`` slots, which must hold every living firm)."""
    f = b.firms if width is None else b.firms.prefix(width)
    return D.indicators(firm_counts(f, year, L.rules), b.district, b.params, extras)
