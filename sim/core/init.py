"""Build the base-year state of a block of replicates from the scenario and the drawn parameters.

The unobserved aggregate start values (HTE and tech-based counts, R&D intensity, platform shares,
above-scale firms, digital share, rank) are drawn per replicate; firm-level state is then laid out
so that the aggregates hold exactly and every firm's state is consistent with the rules (an
initial HTE meets the HTE conditions, a tech-based firm the registration bars, and so on).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

import numpy as np

from .. import rules as R
from .. import sectors
from ..scenario.distributions import as_dist
from ..scenario.schema import PLATFORM_LEVELS, Incubator
from ..sectors import AGRI
from .state import F32, ORIGIN_INCUMBENT, ORIGIN_LEADING, Block, District, Firms
from .streams import ReplicateStreams

N_PEERS = 37      # Chongqing's 38 districts and counties, Hechuan aside
MAX_AGE = 40      # the oldest incumbent firm's age in the base year, years
SLOT_GROUP = 128   # agent slots come in groups of this size (see step.row_total)
# the start state's uniform draws per agent slot, one column per purpose
(I_SECTOR, I_INDUSTRIAL, I_DIGITAL, I_ABOVE, I_RD, I_ST, I_AGE, I_HIGHTECH, I_KNOWLEDGE, I_HTE, I_RD_LIFT,
 I_HTE_YEAR, I_BACKLOG, I_ZONE, I_MUNI, I_DISTRICT, I_TECH_BASED) = range(17)
N_INIT_UNIFORMS = 17
INCUBATOR_STAGES = get_args(Incubator.model_fields["stage"].annotation)   # incubator, accelerator, park


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
    inc_stage: np.ndarray       # index into INCUBATOR_STAGES: 0 incubator, 1 accelerator, 2 park
    inc_sector: np.ndarray      # sectors.ANY (-1): any sector
    inc_capacity: np.ndarray
    inc_opens: np.ndarray
    rules: R.RuleSet
    # log R&D intensity, HTEs per GDP and tech-based firms per GDP at the scenario's central start
    # values: the district that holds the drawn innovation_rank (see _initial_district); None when
    # the rank is drawn from a posterior together with those values (each sample's own rank)
    rank_reference: np.ndarray | None

    @property
    def sector_shares(self) -> np.ndarray:
        """The incumbent population's share of each sector."""
        return np.diff(self.sector_cdf, prepend=0.0)


def build_layout(scenario) -> Layout:
    """What every replicate of ``scenario`` shares: agent capacity (room for the largest start
    population plus headroom, in whole groups of slots), the named agents, the sector tables and
    the rules at their central values."""
    pop, ag = scenario.population, scenario.agents
    firms_hi = as_dist(scenario.initial.firms).support()[1]
    n_lead = len(ag.leading_firms)
    capacity = n_lead + int(np.ceil(firms_hi * (1 + pop.capacity_headroom)))
    capacity = -(-capacity // SLOT_GROUP) * SLOT_GROUP   # whole groups of slots (see step.row_total)
    rules_values = {k: as_dist(v).central() for k, v in scenario.rules}
    return Layout(
        capacity=capacity,
        n_leading=n_lead,
        base_year=scenario.horizon.base_year,
        sector_cdf=sectors.cdf(sectors.table(pop.sector_shares)),
        industrial_share=sectors.table(pop.industrial_share),
        digital_share=sectors.table(pop.digital_share),
        lead=list(ag.leading_firms),
        univ_capacity=np.array([u.collab_capacity for u in ag.universities], float),
        univ_students=np.array([u.students for u in ag.universities], float),
        univ_maker=np.array([PLATFORM_LEVELS.index(u.maker_space) for u in ag.universities], np.int8),
        inst_sector=np.array([sectors.index(i.sector) for i in ag.institutes], np.int64),
        inst_capacity=np.array([i.capacity for i in ag.institutes], float),
        inst_opens=np.array([i.opens for i in ag.institutes], np.int64),
        inc_stage=np.array([INCUBATOR_STAGES.index(c.stage) for c in ag.incubators], np.int64),
        inc_sector=np.array([sectors.index(c.sector) for c in ag.incubators], np.int64),
        inc_capacity=np.array([c.capacity for c in ag.incubators], float),
        inc_opens=np.array([c.opens for c in ag.incubators], np.int64),
        rules=R.RuleSet.from_values(rules_values),
        rank_reference=_rank_reference(scenario),
    )


def _rank_reference(scenario) -> np.ndarray | None:
    """The index components at the central start values, which hold the drawn rank; None when a
    posterior gives the rank with the start values (a calibrated state: the rank is already that of
    the sample's own values, so shifting it by their deviation would count it twice)."""
    from ..scenario.posterior import calibrated_names

    if "innovation_rank" in calibrated_names(scenario):
        return None
    return index_components({k: as_dist(getattr(scenario.initial, k)).central()
                             for k in ("rd_intensity", "hte_count", "tech_based_count", "gdp")})


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
    """The base-year state of a block of replicates (``params``: the drawn start values and
    parameters, (block,) each). The firms are laid out phase by phase, each phase adjusting what
    the ones before laid out so that the drawn aggregates hold and every firm's status fits the
    rules; then the district's state is set from the firms."""
    s = _Start.draw(scenario, layout, params, streams)
    _lay_out_population(s)
    _lay_out_rd(s)
    _certify_htes(s)
    _place_platforms(s)
    _register_tech_based(s)
    s.in_zone = s.industrial & (s.u[:, I_ZONE] < np.where(s.hte, 1.0, 0.5) * s.col("hte_in_zone_share"))
    _place_leading_firms(s)
    backlog = _hold_back_hte_backlog(s)
    firms = s.firms()
    district = _initial_district(params, layout, firms, streams, backlog)
    params32 = {k: v.astype(F32)[:, None] for k, v in params.items()}
    return Block(firms=firms, district=district, params=params, params32=params32)


class _Leaders:
    """The named leading firms' scenario values as arrays (one entry per leading firm)."""

    def __init__(self, L: Layout):
        self.revenue = np.array([f.revenue_m_cny for f in L.lead])
        self.industrial = np.array([f.industrial for f in L.lead], bool)
        self.hte = np.array([f.hte for f in L.lead], bool)
        self.level = np.array([PLATFORM_LEVELS.index(f.platform) for f in L.lead], np.int8)
        self.rd_ratio = np.array([f.rd_intensity_pct / 100 for f in L.lead])
        above = self.industrial & (self.revenue >= L.rules.above_scale_revenue)
        self.n_above = int(np.sum(above))                                   # above-scale industrial
        self.n_above_municipal = int(np.sum(above & (self.level >= R.MUNICIPAL)))


@dataclass
class _Start:
    """The start state while ``initial_block`` lays it out: the block's draws, and the firm
    arrays (block, capacity) that its phases fill in turn (None until a phase sets them)."""

    p: dict
    L: Layout
    population: object            # the scenario's firm population (medians, spread)
    u: np.ndarray                 # (block, N_INIT_UNIFORMS, capacity) uniforms, a column per purpose
    z: np.ndarray                 # (block, 2, capacity) standard normals: revenue, R&D propensity
    lead: np.ndarray              # (1, capacity): the leading firms' slots
    alive: np.ndarray
    inc: np.ndarray               # incumbents: alive and not a leading firm
    leaders: _Leaders
    sector: np.ndarray = None
    industrial: np.ndarray = None
    digital: np.ndarray = None
    above: np.ndarray = None      # above-scale industrial incumbents
    revenue: np.ndarray = None
    employees: np.ndarray = None
    has_rd: np.ndarray = None
    prop: np.ndarray = None       # R&D propensity (= R&D / sales in the base year)
    st_factor: np.ndarray = None
    age: np.ndarray = None
    hightech: np.ndarray = None
    knowledge: np.ndarray = None
    hte: np.ndarray = None        # incumbents certified as HTEs
    hte_until: np.ndarray = None
    muni: np.ndarray = None       # incumbents with a municipal (or national) platform
    platform: np.ndarray = None
    tech_based: np.ndarray = None
    in_zone: np.ndarray = None
    origin: np.ndarray = None

    @classmethod
    def draw(cls, scenario, L: Layout, p: dict, streams: ReplicateStreams) -> "_Start":
        """The block's start-state draws and its firm slots: leading firms first, then as many
        incumbents as each replicate drew."""
        B, N = len(streams), L.capacity
        u = streams.uniform(np.empty((B, N_INIT_UNIFORMS, N), np.float64))
        z = streams.normal(np.empty((B, 2, N), np.float64))
        idx = np.arange(N)[None, :]
        lead = idx < L.n_leading
        alive = lead | (idx < L.n_leading + p["firms"].astype(np.int64)[:, None])
        return cls(p=p, L=L, population=scenario.population, u=u, z=z, lead=lead, alive=alive,
                   inc=alive & ~lead, leaders=_Leaders(L))

    def col(self, name: str) -> np.ndarray:
        """Parameter ``name`` as a (block, 1) column."""
        return self.p[name][:, None]

    def staff_of(self, ratio: np.ndarray) -> np.ndarray:
        """The R&D staff an R&D / sales ``ratio`` pays for at each firm's revenue."""
        return R.rd_staff(ratio * self.revenue, self.col("rd_labour_share"), self.col("rd_wage"))

    def st_factor_for(self, ratio: np.ndarray, share_needed) -> np.ndarray:
        """The S&T intensity at which a firm with this R&D meets a staff-share bar (10% margin)."""
        at_one = R.st_share(np.maximum(self.staff_of(ratio), 1e-9), self.col("st_staff_multiplier"), 1.0,
                            self.employees)
        return share_needed * 1.1 / at_one

    def rescale(self, prop: np.ndarray, frozen: np.ndarray) -> np.ndarray:
        """Scale the propensity of the firms not ``frozen`` (by 0.05 to 20, each firm at most
        ``max_rd_propensity``) so that firms' R&D, leading firms' included, matches the drawn R&D
        intensity."""
        p, revenue = self.p, self.revenue
        target = p["rd_intensity"] / 100 * (p["gdp"] * 100.0) * p["rd_enterprise_share"]
        free = np.sum(np.where(frozen, 0, prop * revenue), axis=1)
        fixed = np.sum(np.where(frozen, prop * revenue, 0), axis=1) + float(np.sum(self.leaders.rd_ratio
                                                                                   * self.leaders.revenue))
        scale = np.clip((target - fixed) / np.maximum(free, 1e-9), 0.05, 20)
        return np.where(frozen, prop, np.minimum(prop * scale[:, None], self.col("max_rd_propensity")))

    def ip_since(self) -> np.ndarray:
        """Innovations since the last certificate of the base year's HTEs: the expected number in
        the years since the grant at the firm's R&D (a certificate granted in year g is valid
        through g + validity - 1; the grant's own IP was used in it); 0 for the other firms."""
        rules = self.L.rules
        granted = self.hte_until - rules.hte_validity + 1
        years = np.where(self.hte_until > 0, np.maximum(self.L.base_year - granted, 0), 0)
        rate = R.innovation_probability(self.staff_of(self.prop), self.col("knowledge_productivity"))
        return years * rate

    def firms(self) -> Firms:
        """The laid-out state as the block's ``Firms`` (empty slots zeroed)."""
        rd_spend = self.prop * self.revenue
        firms = Firms(
            alive=self.alive, sector=self.sector.astype(np.int8), industrial=self.industrial, digital=self.digital,
            in_zone=self.in_zone, revenue=self.revenue.astype(F32), propensity=self.prop.astype(F32),
            rd_ratio=self.prop.astype(F32), st_factor=self.st_factor.astype(F32),
            knowledge=self.knowledge.astype(F32), hightech=self.hightech.astype(F32), age=self.age.astype(F32),
            tech_based=self.tech_based, hte_until=self.hte_until, platform=self.platform,
            rd_lag1=rd_spend.astype(F32), rd_lag2=rd_spend.astype(F32),
            sales_lag1=self.revenue.astype(F32), sales_lag2=self.revenue.astype(F32), origin=self.origin,
            ip_since=self.ip_since().astype(F32),
        )
        firms.zero(~self.alive)
        return firms


def _lay_out_population(s: _Start) -> None:
    """Sector, industrial and digital flags, and revenue: exactly the drawn number of above-scale
    industrial firms (the leading firms' included), the others below the above-scale bar if
    industrial."""
    u, L, pop = s.u, s.L, s.population
    s.sector = sectors.draw(L.sector_cdf, u[:, I_SECTOR])
    s.industrial = s.inc & (u[:, I_INDUSTRIAL] < L.industrial_share[s.sector])
    s.digital = s.inc & (u[:, I_DIGITAL] < L.digital_share[s.sector])
    s.above = _top_k(u[:, I_ABOVE], s.industrial, s.p["above_scale_industrial"].astype(np.int64) - s.leaders.n_above)
    thr = L.rules.above_scale_revenue
    rev_above = thr + (pop.above_scale_median_m_cny - thr) * np.exp(pop.revenue_sigma * s.z[:, 0])
    rev_small = pop.revenue_median_m_cny * np.exp(pop.revenue_sigma * s.z[:, 0])
    rev_small = np.where(s.industrial & (rev_small >= thr), 0.999 * thr * thr / rev_small, rev_small)
    s.revenue = np.where(s.above, rev_above, rev_small)


def _lay_out_rd(s: _Start) -> None:
    """Which firms do R&D and how much (scaled to the drawn R&D intensity); their S&T staff
    intensity, age, high-tech revenue share and knowledge, the knowledge in step with the
    innovations their R&D staff would make."""
    u = s.u
    s.has_rd = s.inc & (u[:, I_RD] < s.col("firms_with_rd_share"))
    s.prop = s.rescale(np.where(s.has_rd, 0.02 * np.exp(s.col("rd_propensity_sigma") * s.z[:, 1]), 0.0),
                       np.zeros_like(s.inc))
    s.st_factor = np.exp(s.col("st_factor_sd") * np.sqrt(3) * (2 * u[:, I_ST] - 1))
    s.age = np.minimum(MAX_AGE, 1 + np.floor(-np.log1p(-u[:, I_AGE]) * s.col("firm_age_mean")))
    s.hightech = np.where(s.has_rd, 0.2 + 0.7 * u[:, I_HIGHTECH], 0.0)
    s.employees = s.revenue / s.col("revenue_per_employee")
    innovations = R.innovation_probability(s.staff_of(s.prop), s.col("knowledge_productivity"))
    s.knowledge = np.where(s.has_rd, innovations / np.maximum(s.col("knowledge_depreciation"), 1e-3)
                           * (0.5 + u[:, I_KNOWLEDGE]), 0.0)


def _certify_htes(s: _Start) -> None:
    """The drawn number of HTEs, chosen among R&D firms by how close they are to the bars and
    lifted over every bar; their certificates were granted in the last three years, so they are
    valid through the base year, the year after or the one after that."""
    u, rules = s.u, s.L.rules
    band = R.hte_rd_threshold(s.revenue, rules)
    hte = s.hte = _top_k(s.prop / np.maximum(band, 1e-9) + 0.5 * u[:, I_HTE], s.has_rd & (s.age >= rules.hte_min_age),
                         s.p["hte_count"].astype(np.int64) - int(s.leaders.hte.sum()))
    s.prop = np.where(hte, np.maximum(s.prop, band * (1.05 + 0.2 * u[:, I_RD_LIFT])), s.prop)
    s.hightech = np.where(hte, np.maximum(s.hightech, rules.hte_hightech_revenue_min + 0.3 * u[:, I_HIGHTECH]),
                          s.hightech)
    s.knowledge = np.where(hte, np.maximum(s.knowledge, rules.hte_knowledge_min * (1 + u[:, I_KNOWLEDGE])), s.knowledge)
    s.st_factor = np.where(hte, np.maximum(s.st_factor, s.st_factor_for(s.prop, rules.hte_st_staff_min)), s.st_factor)
    s.hte_until = np.where(hte, s.L.base_year + np.floor(3 * u[:, I_HTE_YEAR]), 0).astype(np.int16)


def _place_platforms(s: _Start) -> None:
    """Municipal platforms at the drawn shares of HTEs and of above-scale firms (agri-food firms
    last: their platforms count towards the drawn agricultural-platform total), national ones at
    the drawn count among them, district ones at the drawn share of the other R&D firms."""
    u, p, rules, lead = s.u, s.p, s.L.rules, s.leaders
    platform = np.zeros(s.alive.shape, np.int8)
    score = np.log1p(s.prop * s.revenue) + u[:, I_MUNI] - 100 * (s.sector == AGRI)
    n_hte_total = s.hte.sum(axis=1) + int(lead.hte.sum())
    need_hte = np.round(p["platform_share_hte"] * n_hte_total) - int(np.sum(lead.hte & (lead.level >= 2)))
    muni = _top_k(score, s.hte, need_hte.astype(np.int64))
    need_above = (np.round(p["platform_share_above_scale"] * (s.above.sum(axis=1) + lead.n_above))
                  - lead.n_above_municipal - (muni & s.above).sum(axis=1))
    muni |= _top_k(score, s.above & ~s.hte, need_above.astype(np.int64))
    s.prop = np.where(muni, np.maximum(s.prop, rules.platform_min_rd_municipal * 1.1 / np.maximum(s.revenue, 1e-9)),
                      s.prop)
    platform[muni] = R.MUNICIPAL
    need_nat = p["national_platforms"].astype(np.int64) - int(np.sum(lead.level == R.NATIONAL))
    platform[_top_k(s.prop * s.revenue, muni, need_nat)] = R.NATIONAL
    to_district = (s.has_rd & (platform == 0) & (s.prop * s.revenue >= rules.platform_min_rd_district)
                   & (u[:, I_DISTRICT] < s.col("district_platform_share")))
    platform[to_district] = R.DISTRICT
    s.muni, s.platform = muni, platform


def _register_tech_based(s: _Start) -> None:
    """Tech-based firms: every HTE and every firm with a municipal platform, plus the drawn
    remainder among SMEs passing (or made to pass) the registration bars; R&D is then scaled
    again among the others. Of the unregistered R&D firms only the drawn backlog share already
    holds the IP bar."""
    u, rules, lead = s.u, s.L.rules, s.leaders
    registered = s.hte | s.muni
    sme = R.tech_sme_size_ok(s.employees, s.revenue, rules)
    n_tb_extra = (s.p["tech_based_count"].astype(np.int64) - registered.sum(axis=1)
                  - int((lead.hte | (lead.level >= R.MUNICIPAL)).sum()))
    tb_extra = _top_k(s.prop / rules.tb_rd_min + u[:, I_TECH_BASED], s.has_rd & ~registered & sme, n_tb_extra)
    s.prop = np.where(tb_extra, np.maximum(s.prop, rules.tb_rd_min * (1.05 + 0.3 * u[:, I_RD_LIFT])), s.prop)
    s.knowledge = np.where(tb_extra, np.maximum(s.knowledge, rules.tb_knowledge_min * (1 + u[:, I_KNOWLEDGE])),
                           s.knowledge)
    s.st_factor = np.where(tb_extra, np.maximum(s.st_factor, s.st_factor_for(s.prop, rules.tb_st_staff_min)),
                           s.st_factor)
    s.prop = s.rescale(s.prop, registered | tb_extra)
    s.tech_based = registered | tb_extra
    no_ip = s.has_rd & ~s.tech_based & (u[:, I_BACKLOG] >= s.col("tb_eligible_backlog"))
    s.knowledge = np.where(no_ip, np.minimum(s.knowledge, 0.9 * rules.tb_knowledge_min), s.knowledge)


def _place_leading_firms(s: _Start) -> None:
    """The named leading firms take the first slots with their scenario values; each meets the
    staff bar of the status it holds."""
    L, rules, lead, nl = s.L, s.L.rules, s.leaders, s.L.n_leading
    s.origin = np.broadcast_to(np.where(s.lead, ORIGIN_LEADING, ORIGIN_INCUMBENT), s.alive.shape).astype(np.int8)
    for i, f in enumerate(L.lead):
        s.sector[:, i] = sectors.index(f.sector)
        s.industrial[:, i] = f.industrial
        s.digital[:, i] = f.digital
        s.revenue[:, i] = f.revenue_m_cny
        s.prop[:, i] = f.rd_intensity_pct / 100
        s.platform[:, i] = lead.level[i]
        s.age[:, i] = 15
        s.hightech[:, i] = 0.75 if f.hte else 0.4
        s.knowledge[:, i] = max(3.0, rules.hte_knowledge_min * 1.5) if f.hte else 1.5
        s.hte_until[:, i] = (L.base_year + i % 3) if f.hte else 0
        s.in_zone[:, i] = f.industrial
        s.tech_based[:, i] = f.hte or lead.level[i] >= R.MUNICIPAL
    s.employees = s.revenue / s.col("revenue_per_employee")
    if L.lead:
        bar = np.full(L.capacity, rules.tb_st_staff_min)
        bar[:nl] = np.where(lead.hte, rules.hte_st_staff_min, rules.tb_st_staff_min)
        s.st_factor[:, :nl] = np.maximum(s.st_factor[:, :nl], s.st_factor_for(s.prop, bar)[:, :nl])


def _hold_back_hte_backlog(s: _Start) -> np.ndarray:
    """Of the uncertified firms that meet every HTE bar, only the drawn number (the most
    knowledgeable) hold the IP bar; the others fall just short of it. Without this the start
    would hold as many ready applicants as the layout happens to make, and the first year would
    certify a burst of them that the years before (the calibration's hindcast) do not show.
    Returns the backlog per replicate."""
    rules = s.L.rules
    st_now = R.st_share(s.staff_of(s.prop), s.col("st_staff_multiplier"), s.st_factor, s.employees)
    meets = s.alive & ~s.lead & (s.hte_until == 0) & R.hte_eligible(s.age, s.prop, s.revenue, st_now, s.hightech,
                                                                    s.knowledge, rules)
    backlog = _top_k(s.knowledge, meets, s.p["hte_eligible_backlog"].astype(np.int64))
    short_of_ip = np.where(s.tech_based, max(0.95 * rules.hte_knowledge_min, rules.tb_knowledge_min),
                           0.95 * rules.hte_knowledge_min)
    s.knowledge = np.where(meets & ~backlog, np.minimum(s.knowledge, short_of_ip), s.knowledge)
    return np.count_nonzero(backlog, axis=1)


def _peer_districts(p, L: Layout, streams: ReplicateStreams):
    """The 37 peer districts' log innovation index and its yearly growth, and Hechuan's start
    index among them: a Hechuan at the scenario's central start values holds the drawn rank;
    start values above (below) them raise (lower) its index by their log deviation, weighted as
    in the index (4 components, the platforms' taken as central)."""
    B = len(streams)
    zp = streams.normal(np.empty((B, 2 * N_PEERS)))
    levels = -np.sort(-zp[:, :N_PEERS] * p["peer_index_dispersion"][:, None], axis=1)  # descending
    rank = p["innovation_rank"].astype(np.int64)
    above_v = np.where(rank >= 2, levels[np.arange(B), np.clip(rank - 2, 0, N_PEERS - 1)], levels[:, 0] + 0.1)
    below_v = np.where(rank <= N_PEERS, levels[np.arange(B), np.clip(rank - 1, 0, N_PEERS - 1)], levels[:, -1] - 0.1)
    deviation = (0.0 if L.rank_reference is None
                 else np.sum(index_components(p) - L.rank_reference[:, None], axis=0) / 4)
    index0 = (above_v + below_v) / 2 + deviation
    peer_growth = (p["peer_index_growth"][:, None] + p["peer_index_spread"][:, None] * zp[:, N_PEERS:]) / 100
    return levels, peer_growth, index0


def _initial_district(p, L: Layout, f: Firms, streams: ReplicateStreams, hte_backlog: np.ndarray) -> District:
    """The district's base-year state from the drawn start values and the laid-out firms: the R&D
    and digital value added outside the firms make up the drawn totals, the R&D labour pool the
    firms' demand plus the drawn slack; the peers, the index's base components, incubator
    tenants and university projects."""
    B = len(streams)
    gdp_m = p["gdp"] * 100.0
    firm_rd = np.sum(f.rd_ratio * f.revenue, axis=1, dtype=np.float64)
    total_rd = p["rd_intensity"] / 100 * gdp_m
    digital_rev = np.sum(np.where(f.digital, f.revenue, 0), axis=1, dtype=np.float64)
    digital_va = p["digital_core_share"] / 100 * gdp_m
    staff = R.rd_staff(f.rd_ratio * f.revenue, p["rd_labour_share"][:, None], p["rd_wage"][:, None])
    demand = np.sum(staff, axis=1, dtype=np.float64)
    agri_firm_platforms = np.sum(f.alive & (f.sector == AGRI) & (f.platform >= R.MUNICIPAL), axis=1)
    levels, peer_growth, index0 = _peer_districts(p, L, streams)

    hte_count = np.sum(f.hte_until >= L.base_year, axis=1)
    tb_count = np.sum(f.tech_based, axis=1)
    muni = np.sum(f.platform >= R.MUNICIPAL, axis=1)
    # the index measures growth from these; a district starting from none counts as having one
    components0 = np.stack([np.maximum(p["rd_intensity"], 0.01), np.maximum(hte_count, 1) / gdp_m,
                            np.maximum(tb_count, 1) / gdp_m, np.maximum(muni, 1) / gdp_m], axis=1)

    # the zone starts at its drawn readiness stage (3: already national, e.g. a calibration's
    # simulated state of a later year)
    htz_stage = np.clip(np.round(p["htz_readiness"]), R.HTZ_MUNICIPAL, R.HTZ_NATIONAL).astype(np.int64)
    open_inc = (L.inc_opens <= L.base_year).astype(float)
    tenants = np.round(p["incubator_occupancy"][:, None] * (L.inc_capacity * open_inc)[None, :])
    base_projects = streams.poisson(p["project_rate"][:, None])[:, 0]
    return District(
        gdp=gdp_m.copy(), cq_rd=p["cq_rd_intensity"].copy(), nonfirm_rd=np.maximum(0.0, total_rd - firm_rd),
        other_digital=(1 - p["digital_agent_share"]) * digital_va,
        digital_va_ratio=p["digital_agent_share"] * digital_va / np.maximum(digital_rev, 1e-9),
        labour_supply=demand * (1 + p["rd_labour_slack"]), talents=np.zeros(B),
        national=htz_stage == R.HTZ_NATIONAL, htz_stage=htz_stage, htz_round=np.zeros(B, bool),
        projects=p["university_projects"] + base_projects,
        agri_standalone=np.maximum(0, p["agri_platforms"] - agri_firm_platforms),
        index0=index0, components0=components0, peers=levels, peer_growth=peer_growth,
        students=np.tile(L.univ_students, (B, 1)), maker=np.tile(L.univ_maker, (B, 1)).astype(np.int64),
        tenants=tenants, prev_hte_new=np.zeros(B), prev_upgrades=np.zeros((B, 2)),
        hte_backlog=hte_backlog.astype(float),
    )
