"""``InnovationModel``: the Mesa model of Hechuan's innovation ecosystem, one replicate.

The same scenario, the same rules (``sim.rules``), the same district processes
(``sim.core.district``) and the same indicators as the vectorized core, one agent object per
firm, university, institute and incubator, for researchers who want to step through a year and
ask a firm why it got its certificate. The core is the engine for odds (hundreds of times
faster); this model is held statistically equal to it by ``tests/test_mesa_equivalence.py``.

The model owns the random numbers: one ``numpy.random.Generator`` (``self.rng``), seeded from
(seed, replicate), draws the replicate's parameters, its start state and every event. The start
state is laid out by the core's ``initial_block`` for a block of one replicate (the same
distributional rules, drawn from this model's generator), then turned into agents.

A year (``step``), in the core's order (docs/ODD.md, "Scheduling"):

1. environment and levers (district);      2. every firm plans its R&D (``Enterprise.plan_rd``);
3. the talent market (district), firms hire; 4. collaboration shares (district), every firm seeks
   partners (``collaborate``);                5. every firm decides (``decide``): innovation,
   certification, platform, growth, exit;      6. all firms commit at once (``advance``);
7. entry: incubators graduate, recruited and new firms enter; 8. universities, the zone, the books;
9. the indicators are collected (``datacollector``).
"""

from __future__ import annotations

import mesa
import numpy as np

from .. import rules as R
from ..core import district as D
from ..core.init import build_layout, initial_block
from ..core.params import estimated_inputs, sample_parameters
from ..core.policy import build_policy
from ..core.state import (ORIGIN_INCUBATED, ORIGIN_LEADING, ORIGIN_RECRUITED, ORIGIN_SPONTANEOUS, U_AGRI, U_CERT,
                          U_COLLAB, U_EXIT, U_GROWTH, U_INNOVATE, U_PARTNER, U_PLATFORM, U_TECH_BASED)
from ..core.streams import ReplicateStreams
from ..indicators import INDICATORS
from ..scenario.schema import SECTORS
from .agents import Enterprise, Incubator, Institute, University, YearContext

MESA_PURPOSE = 3        # the replicate's seed sequence key for the Mesa model (the core uses 0..2)
N_FIRM_DRAWS = 9        # uniforms per firm and year, as the core's (U_* columns)
FIRM_STATE = ("sector", "industrial", "digital", "in_zone", "revenue", "propensity", "rd_ratio", "st_factor",
              "knowledge", "hightech", "age", "tech_based", "hte_until", "platform", "rd_lag1", "rd_lag2",
              "sales_lag1", "sales_lag2", "origin")


class _ModelStream(ReplicateStreams):
    """The model's generator seen as a block of one replicate, so the shared district code
    (binomial graduations, Poisson entry counts) draws from the model's own RNG."""

    def __init__(self, rng: np.random.Generator, replicate: int):
        self.replicates = np.array([replicate], dtype=np.int64)
        self.gens = [rng]


def _reporter(name: str):
    return lambda model: model.indicators[name]


class InnovationModel(mesa.Model):
    """One replicate of a scenario as a Mesa model.

    >>> from sim import load_scenario
    >>> m = InnovationModel(load_scenario("scenarios/baseline.toml"), seed=1)
    >>> m.step(); m.year
    2023
    >>> m.run_model()                                     # to the scenario's end year
    >>> m.datacollector.get_model_vars_dataframe()        # indicators by year, names of sim.indicators

    ``record_history`` keeps each firm's yearly state and events (``Enterprise.explain``) and the
    exited firms (``exited_firms``); batch runs switch it off.
    """

    def __init__(self, scenario, seed: int | None = None, replicate: int = 0, record_history: bool = True):
        seed = scenario.run.seed if seed is None else int(seed)
        super().__init__(rng=np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replicate, MESA_PURPOSE))))
        self.scenario, self.seed, self.replicate, self.record_history = scenario, seed, replicate, record_history
        self.layout = L = build_layout(scenario)
        self.policy, self.rules = build_policy(scenario), L.rules
        self.year = L.base_year
        self.end_year = scenario.horizon.end_year
        self._stream = _ModelStream(self.rng, replicate)
        self.params = sample_parameters(scenario, self._stream)          # (1,) arrays, for district code
        self.p = {k: float(v[0]) for k, v in self.params.items()}        # scalars, for the agents
        block = initial_block(scenario, L, self.params, self._stream)
        self.district = block.district
        self._recruit_cdf = D.recruit_sector_cdf(self.policy, L)

        f = block.firms
        for slot in np.flatnonzero(f.alive[0]):
            state = {k: getattr(f, k)[0, slot] for k in FIRM_STATE}
            name = L.lead[slot].name if f.origin[0, slot] == ORIGIN_LEADING else ""
            Enterprise(self, **state, name=name)
        ag = scenario.agents
        self.universities = [University(self, spec, j) for j, spec in enumerate(ag.universities)]
        self.institutes = [Institute(self, spec) for spec in ag.institutes]
        self.incubators = [Incubator(self, spec, j) for j, spec in enumerate(ag.incubators)]
        self.exited_firms: list[Enterprise] = []
        self.links: list[tuple] = []       # this year's collaborations (firm, partner)

        self.indicators = self._measure(None)
        self.datacollector = mesa.DataCollector(model_reporters={name: _reporter(name) for name in INDICATORS})
        self.datacollector.collect(self)

    # ---- the agents ------------------------------------------------------------------------------

    @property
    def firms(self):
        """The living firms (a Mesa AgentSet)."""
        return self.agents_by_type[Enterprise]

    def firm_exits(self, firm: Enterprise) -> None:
        if self.record_history:
            self.exited_firms.append(firm)
        firm.remove()

    def pick_institute(self, sector: int, year: int, v: float) -> Institute:
        """The institute of ``sector`` open in ``year`` that serves a firm, by capacity, from a uniform ``v``."""
        return _by_weight([i for i in self.institutes if i.sector == sector and i.is_open(year)],
                          lambda i: i.capacity, v)

    def pick_university(self, v: float) -> University:
        """The university a firm works with, by collaboration capacity, from a uniform ``v``."""
        return _by_weight(self.universities, lambda u: u.collab_capacity, v)

    # ---- a year ----------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance one year (nothing happens after the scenario's end year)."""
        if self.year >= self.end_year:
            self.running = False
            return
        year = self.year + 1
        L, d, params, p = self.layout, self.district, self.params, self.p
        lv = self.policy.year(year - L.base_year - 1)
        firms = list(self.firms)
        z_macro = self._stream.normal(np.empty((1, 2)))
        u_small = self._stream.uniform(np.empty((1, 1 + len(self.universities))))
        draws = self.rng.random((len(firms), N_FIRM_DRAWS)).tolist()

        # 1-2. environment and levers
        growth = float(D.environment(d, params, z_macro)[0])
        eligible_rd = sum(f.rd_ratio * f.revenue for f in firms if lv.subsidy_all_firms or f.tech_based)
        subsidy_rate = float(R.subsidy_rate_paid(lv.subsidy_rate, D.subsidy_pot(d, lv)[0], eligible_rd))
        response = p["platform_grant_response"]
        y = YearContext(
            year=year, growth=growth, subsidy_rate=subsidy_rate, subsidy_all_firms=lv.subsidy_all_firms,
            ip_mult=float(D.ip_multiplier(params, lv)[0]), reward_m=lv.hte_reward,
            grant_mult=(1.0, R.grant_multiplier(response, lv.grant_municipal),
                        R.grant_multiplier(response, lv.grant_national)),
            hazards=(p["platform_hazard_district"], p["platform_hazard_municipal"], p["platform_hazard_national"]),
            relief=float(D.financing_relief(params, lv)[0]))

        # 2-3. R&D plans, then the talent market
        for f, u in zip(firms, draws):
            f.u = u
            f.plan_rd(y)
        y.tf = float(D.talent_market(d, params, lv, np.array([sum(f.staff_wanted for f in firms)]))[0])
        for f in firms:
            f.hire(y)
        y.talent_mult = float(D.talent_multiplier(d, params, np.array([sum(f.staff for f in firms)]))[0])

        # 4. collaboration: capacity shares from the R&D-active firms, then every firm seeks
        n_rd = np.zeros((1, len(SECTORS)))
        n_agri = 0
        for f in firms:
            n_rd[0, f.sector] += f.active
            n_agri += f.sector == D.AGRI
        a_inst, a_univ = D.collaboration_shares(L, params, lv, year, n_rd)
        y.p_inst = tuple((p["collab_propensity"] * a_inst[0]).tolist())
        y.a_univ = float(a_univ[0])
        y.p_served = float(D.commissioner_share(params, lv, np.array([n_agri]))[0])
        y.contacts, y.capacity = firms, L.capacity
        # every firm reads start-of-year state and writes pending state: the order cannot matter,
        # and Mesa's random activation order shows it
        self.firms.shuffle_do("collaborate", y)
        self.firms.shuffle_do("decide", y)
        self._note_links(firms, year)

        # 5. the year's flows, then every firm commits (exits leave the model)
        pend = [f._pending for f in firms]
        first_grants = sum(q["first"] for q in pend)
        d.hte_backlog[0] = sum(q["waiting"] for q in pend)
        new_level = [q["platform"] for q, f in zip(pend, firms) if q["platform"] > f.platform]
        upgrades = np.array([[new_level.count(R.MUNICIPAL), new_level.count(R.NATIONAL)]], float)
        flows = {"hte_new": sum(q["granted"] for q in pend), "hte_first": first_grants,
                 "exits": sum(bool(q["exits"]) for q in pend),
                 "collaborations": sum(f.with_inst or f.with_univ for f in firms), "talent_factor": y.tf}
        univ_collabs = sum(f.with_univ for f in firms)
        firm_rd = sum(f.rd_spend for f in firms)
        for f in firms:
            f.advance(year)

        # 6. entry
        lam = D.entry_means(d, params, lv, np.array([len(firms)]), np.array([univ_collabs]))
        n_startups, n_recruited, n_spinoffs, n_projects, n_agri_new = self._stream.poisson(lam).T
        entering, _, n_direct = D.incubator_chain(d, L, params, year, lv, self._stream, n_startups, n_spinoffs)
        entry = self._enter(year, L.capacity - len(firms), int(n_recruited[0]), entering[0], int(n_direct[0]))

        # 7. universities, agricultural platforms, the zone, the books
        zone_hte = sum(f.in_zone and bool(R.hte_valid(f.hte_until, year)) for f in self.firms)
        D.universities_and_zone(d, params, lv, u_small, n_projects, n_agri_new, np.array([zone_hte]))
        books = D.close_year(d, params, lv, np.array([first_grants]), upgrades, np.array([subsidy_rate]),
                             np.array([eligible_rd]), np.array([firm_rd]))
        self.year = year
        self.indicators = self._measure({**books, **flows, **entry, "hte_in_zone": zone_hte})
        self.datacollector.collect(self)

    def run_model(self) -> None:
        """Step to the scenario's end year."""
        while self.year < self.end_year:
            self.step()
        self.running = False

    # ---- entry -----------------------------------------------------------------------------------

    def _enter(self, year: int, free: int, n_recruited: int, entering: np.ndarray, n_direct: int) -> dict:
        """New firms take the free places of the start of the year: recruited firms first, then
        incubator graduates (incubator by incubator), then start-ups entering directly. Each draws
        its start state from ``rules.entrant_state`` with uniforms of its own."""
        L, p, pol = self.layout, self.p, self.policy
        rec = pol.levers["tech_recruitment"]
        enforce = rec is not None and rec.enforce_conditions
        queue = [(ORIGIN_RECRUITED, None)] * n_recruited
        for inc, n in zip(self.incubators, entering):
            queue += [(ORIGIN_INCUBATED, inc)] * int(n)
        queue += [(ORIGIN_SPONTANEOUS, None)] * n_direct
        placed = queue[:max(free, 0)]
        draws = self.rng.random((len(placed), N_FIRM_DRAWS)).tolist()
        for (origin, inc), u in zip(placed, draws):
            recruited, incubated = origin == ORIGIN_RECRUITED, origin == ORIGIN_INCUBATED
            if recruited:
                cdf = self._recruit_cdf
            elif incubated and inc.sector >= 0:
                cdf = None
            else:
                cdf = L.sector_cdf
            sector = inc.sector if cdf is None else min(int(np.searchsorted(cdf, u[U_INNOVATE], side="right")),
                                                        len(SECTORS) - 1)
            industrial = u[U_COLLAB] < L.industrial_share[sector]
            state = R.entrant_state(
                recruited, incubated, year,
                {"revenue": u[U_GROWTH], "rd": u[U_CERT], "has_rd": u[U_TECH_BASED], "st": u[U_PLATFORM],
                 "knowledge": u[U_EXIT], "hightech": u[U_AGRI]},
                industrial, rec.median_revenue_m_cny if rec is not None else 50.0, p["entrant_revenue"],
                p["entrant_rd_share"], rec.min_rd_intensity_pct / 100 if enforce else 0.0, enforce,
                p["recruit_hte_share"], p["st_factor_sd"])
            firm = Enterprise(self, sector=sector, industrial=industrial, digital=u[U_PARTNER] < L.digital_share[sector],
                              age=0, origin=origin, rd_lag1=0.0, rd_lag2=0.0, sales_lag1=0.0, sales_lag2=0.0,
                              source=inc.name if inc is not None else "", entered=year, **state)
            if self.record_history:
                firm.events.append(_entered(firm))
                if inc is not None:
                    inc.graduates.setdefault(year, []).append(firm)
        n_inc = int(entering.sum())
        return {"entrants": len(placed), "recruited": n_recruited, "incubated": n_inc,
                "entrants_dropped": len(queue) - len(placed)}

    # ---- records ---------------------------------------------------------------------------------

    def _note_links(self, firms: list, year: int) -> None:
        """This year's collaborations, for the network view and the partners' records."""
        self.links = [(f, q) for f in firms for q in f.partners]
        if self.record_history:
            for f, q in self.links:
                if isinstance(q, (University, Institute)):
                    q.collaborations.setdefault(year, []).append(f)

    def _measure(self, extras: dict | None) -> dict:
        """The indicators of ``sim.indicators`` for the current year, by the core's formulas
        (``district.indicators``) from counts over the firm agents."""
        rules, year = self.rules, self.year
        c = dict.fromkeys(D.FIRM_COUNTS, 0)
        for f in self.firms:
            hte = bool(R.hte_valid(f.hte_until, year))
            above = bool(R.above_scale(f.industrial, f.revenue, rules))
            muni = f.platform >= R.MUNICIPAL
            c["firms"] += 1
            c["hte"] += hte
            c["above_scale"] += above
            c["tech_based"] += f.tech_based
            c["municipal"] += muni
            c["national_platforms"] += f.platform == R.NATIONAL
            c["above_scale_municipal"] += above and muni
            c["hte_municipal"] += hte and muni
            c["agri_municipal"] += f.sector == D.AGRI and muni
            c["hte_in_zone"] += hte and f.in_zone
            c["firm_rd"] += f.rd_lag1
            c["digital_revenue"] += f.revenue * f.digital
        counts = {k: np.array([v], float) for k, v in c.items()}
        extras = {k: np.asarray(v, float).reshape(-1) for k, v in (extras or {}).items()}
        return {k: float(v[0]) for k, v in D.indicators(counts, self.district, self.params, extras or None).items()}

    def indicator_frame(self):
        """The collected indicators as a pandas DataFrame indexed by year."""
        df = self.datacollector.get_model_vars_dataframe()
        df.index = range(self.layout.base_year, self.layout.base_year + len(df))
        df.index.name = "year"
        return df

    def release(self) -> None:
        """Let Python free this model once the caller drops it. Mesa 3.3 keeps every model alive
        in a class-level table of agent ids (``mesa.Agent._ids``; mesa issue #3179, fixed after
        3.3), so a process running many replicates would otherwise keep every one of them."""
        mesa.Agent._ids.pop(self, None)

    # ---- results ---------------------------------------------------------------------------------

    def results(self):
        """The collected indicators as a one-replicate ``sim.results.Results`` (what ``sim.goals``
        evaluates)."""
        from ..results import Results

        data = self.datacollector.model_vars
        years = np.arange(self.layout.base_year, self.year + 1)
        ind = {name: np.asarray(data[name], float)[None, :] for name in INDICATORS}
        return Results(self.scenario.meta.name, self.seed, years, ind, replicate_offset=self.replicate,
                       estimates=estimated_inputs(self.scenario))

    def network(self):
        """This year's collaboration network as a networkx Graph: firms, universities and
        institutes as nodes (attribute ``kind``), collaborations as edges."""
        import networkx as nx

        g = nx.Graph()
        for f, q in self.links:
            for a in (f, q):
                g.add_node(a.unique_id, kind=type(a).__name__, label=a.label)
            g.add_edge(f.unique_id, q.unique_id)
        return g


def _by_weight(items: list, weight, v: float):
    """The item whose share of the total weight covers the uniform ``v`` (items in order)."""
    total = sum(weight(i) for i in items)
    acc = 0.0
    for item in items:
        acc += weight(item)
        if v * total < acc:
            return item
    return items[-1]


def _entered(firm: Enterprise):
    from .agents import ORIGINS, Event

    how = ORIGINS[firm.origin] + (f" from {firm.source}" if firm.source else "")
    extra = []
    if R.hte_valid(firm.hte_until, firm.entered):
        extra.append(f"brings an HTE certificate valid through {firm.hte_until}")
    if firm.tech_based:
        extra.append("registered tech-based")
    return Event(firm.entered, "entered", "; ".join([how] + extra))
