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

A year (``step``), in the core's order and phases (``sim.core.step``; docs/ODD.md, "Scheduling"):

1. ``_start_year``: the year's draws, environment and levers (district code), the ``YearContext``;
2. every firm plans its R&D (``Enterprise.plan_rd``);
3. ``_hire``: the talent market (district code), then every firm hires (``Enterprise.hire``);
4. ``_collaborate``: collaboration shares (district code), every firm seeks partners
   (``Enterprise.collaborate``);
5. every firm decides (``Enterprise.decide``): innovation, certification, platform, growth, exit;
   ``_tally`` adds up the year's flows;
6. all firms commit at once (``Enterprise.advance``);
7. ``_entry``: incubators graduate, recruited and new firms enter (``sim.core.entry``);
8. universities, the zone, the books (district code); the indicators are collected
   (``datacollector``), from the core's ``firm_counts`` rule.
"""

from __future__ import annotations

import operator
from functools import reduce
from types import SimpleNamespace

import mesa
import numpy as np

from .. import rules as R
from .. import sectors
from ..core import district as D
from ..core import entry
from ..core.init import build_layout, initial_block
from ..core.params import estimated_inputs, override_parameters, sample_parameters
from ..core.policy import LeverYear, build_policy
from ..core.state import N_FIRM_UNIFORMS, ORIGIN_INCUBATED, ORIGIN_LEADING, ORIGIN_RECRUITED, U_INNOVATE, Firms
from ..core.streams import MESA, ReplicateStreams, replicate_generator
from ..indicators import INDICATORS
from ..sectors import AGRI, N_SECTORS
from .agents import Enterprise, Incubator, Institute, University, YearContext

# an Enterprise's start state: every per-firm array of the core's state but the alive mask
FIRM_STATE = tuple(k for k in Firms.__dataclass_fields__ if k != "alive")
# what district.firm_counts reads of the firms, with the dtype it is counted in
COUNTED = {"industrial": bool, "revenue": float, "hte_until": np.int64, "platform": np.int64, "tech_based": bool,
           "sector": np.int64, "in_zone": bool, "rd_lag1": float, "digital": bool}


def float_total(values) -> float:
    """The left-to-right sum of ``values``, the same bits on every Python.

    Python 3.12 made ``sum()`` of floats compensated (Neumaier), so on 3.12+ a firm total can
    differ from 3.11's in the last bit; plain addition in the firms' order is the same on all.
    """
    return reduce(operator.add, values, 0.0)


def _reporter(name: str):
    return lambda model: model.indicators[name]


class YearlyDataCollector(mesa.DataCollector):
    """Mesa's DataCollector whose model frame is indexed by calendar year (the base year's start
    state first), not by Mesa's step count."""

    def __init__(self, base_year: int, **kwargs):
        super().__init__(**kwargs)
        self.base_year = base_year

    def get_model_vars_dataframe(self):
        df = super().get_model_vars_dataframe()
        df.index = range(self.base_year, self.base_year + len(df))
        df.index.name = "year"
        return df


def _seed_of(seed, rng, scenario) -> int:
    """The replicate's seed: ``seed`` if given; else one drawn from Mesa's ``rng`` argument (an
    int is the seed itself; a Generator or SeedSequence gives a seed from its stream); else
    fresh entropy, so models built without either differ, as Mesa's do (``mesa.batch_run``
    iterations). The seed is kept in ``model.seed``: passing it again rebuilds the same model."""
    if seed is not None:
        return int(seed)
    if rng is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(rng, (int, np.integer)):
        return int(rng)
    return int(np.random.default_rng(rng).integers(0, 2**63))


class InnovationModel(mesa.Model):
    """One replicate of a scenario as a Mesa model.

    >>> from sim import load_scenario
    >>> m = InnovationModel(load_scenario("scenarios/baseline.toml"), seed=1)
    >>> m.step(); m.year
    2026
    >>> m.run_model()                                     # to the scenario's end year
    >>> m.datacollector.get_model_vars_dataframe()        # indicators indexed by year, names of sim.indicators

    The replicate is fixed by (``seed``, ``replicate``). Mesa's ``rng`` argument is accepted
    instead of ``seed`` (an int, a numpy Generator or SeedSequence: a seed is drawn from it).
    With neither, the model takes fresh entropy (``model.seed`` says which), so ``mesa.batch_run``
    iterations differ; the scenario's ``run.seed`` is what ``innovsim run`` uses, not this model.

    ``record_history`` keeps each firm's yearly state and events (``Enterprise.explain``) and the
    exited firms (``exited_firms``); batch runs switch it off. ``parameters`` (name -> value)
    replaces those parameters' draws, as ``CoreSimulator`` does for a calibration's proposals.

    The innovsim scenario (``sim.scenario.Scenario``) is ``model.innovsim_scenario``. Mesa 3.5
    reserves ``model.scenario`` for its own experiment object (``mesa.experimental.scenarios``):
    its SolaraViz reads it and builds the next model from it on Reset, so there it is Mesa's.
    On a Mesa whose ``Model`` has no such attribute (3.3, 3.4), ``model.scenario`` is still the
    innovsim scenario.
    """

    def __init__(self, scenario, seed: int | None = None, replicate: int = 0, record_history: bool = True,
                 parameters: dict | None = None, rng=None):
        seed = _seed_of(seed, rng, scenario)
        super().__init__(rng=replicate_generator(seed, replicate, MESA))
        self.innovsim_scenario = scenario
        self.seed, self.replicate, self.record_history = seed, replicate, record_history
        self.layout = L = build_layout(scenario)
        self.policy, self.rules = build_policy(scenario), L.rules
        self.year = L.base_year
        self.end_year = scenario.horizon.end_year
        # the model's generator as a block of one replicate, so the shared district code
        # (binomial graduations, Poisson entry counts) draws from the model's own RNG
        self._stream = ReplicateStreams.of_generator(self.rng, replicate)
        self.params = override_parameters(sample_parameters(scenario, self._stream), parameters, 1)  # (1,) arrays
        self.p = {k: float(v[0]) for k, v in self.params.items()}        # scalars, for the agents
        # the re-certification odds that do not depend on the firm: the score bar, the field list by sector
        self.hte_score_pass = float(D.hte_score_pass(self.params, L.rules)[0])
        self.hte_field_share = tuple(D.hte_field_shares(self.params)[0].tolist())
        block = initial_block(scenario, L, self.params, self._stream)
        self.district = block.district

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
        self.datacollector = YearlyDataCollector(L.base_year,
                                                 model_reporters={name: _reporter(name) for name in INDICATORS})
        self.datacollector.collect(self)

    if not hasattr(mesa.Model, "scenario"):
        @property
        def scenario(self):
            """``innovsim_scenario`` under its older name, on a Mesa whose ``Model`` has no
            ``scenario`` of its own (3.3, 3.4; Mesa 3.5 reserves the name: see the class docstring)."""
            return self.innovsim_scenario

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
        """Advance one year (nothing happens after the scenario's end year), phase by phase in
        the core's order (the module's docstring)."""
        if self.year >= self.end_year:
            self.running = False
            return
        year = self.year + 1
        lv = self.policy.year(year - self.layout.base_year - 1)
        firms = list(self.firms)
        y, u_small, eligible_rd = self._start_year(year, lv, firms)
        for f in firms:
            f.plan_rd(y)
        self._hire(y, lv, firms)
        self._collaborate(y, lv, firms)
        self.firms.shuffle_do("decide", y)
        flows, first_grants, upgrades, univ_collabs, firm_rd = self._tally(firms, y)
        for f in firms:
            f.advance(year)
        entrants, n_projects, n_agri_new = self._entry(year, lv, len(firms), univ_collabs)
        counts = self._firm_counts(year)
        d, params = self.district, self.params
        D.universities_and_zone(d, params, lv, u_small, n_projects, n_agri_new, counts["hte_in_zone"])
        books = D.close_year(d, params, lv, np.array([first_grants]), upgrades, np.array([y.subsidy_rate]),
                             np.array([eligible_rd]), np.array([firm_rd]))
        self.year = year
        self.indicators = self._indicators(counts, {**books, **flows, **entrants})
        self.datacollector.collect(self)

    def run_model(self) -> None:
        """Step to the scenario's end year."""
        while self.year < self.end_year:
            self.step()
        self.running = False

    # ---- the phases of a year ----------------------------------------------------------------------

    def _start_year(self, year: int, lv: LeverYear, firms: list):
        """The year's random numbers (the district's, then nine uniforms per firm), the
        environment and the levers. Returns what every firm reads (``YearContext``), the
        district's uniforms and the R&D spending the subsidy is for."""
        d, params, p = self.district, self.params, self.p
        z_macro = self._stream.normal(np.empty((1, 2)))
        u_small = self._stream.uniform(np.empty((1, D.n_district_uniforms(len(self.universities)))))
        for f, u in zip(firms, self.rng.random((len(firms), N_FIRM_UNIFORMS)).tolist()):
            f.u = u
        growth = float(D.environment(d, params, z_macro)[0])
        eligible_rd = float_total(f.rd_ratio * f.revenue for f in firms if lv.subsidy_all_firms or f.tech_based)
        subsidy_rate = float(R.subsidy_rate_paid(lv.subsidy_rate, D.subsidy_pot(d, lv)[0], eligible_rd))
        hazards, grant_mult = D.platform_hazards(p, lv)
        n_unregistered = sum(1 for f in firms if not f.tech_based and f.propensity > 0)
        reach, pool = D.campaign_reach(params, lv, np.array([n_unregistered]), d.hte_backlog)
        y = YearContext(year=year, growth=growth, subsidy_rate=subsidy_rate, subsidy_all_firms=lv.subsidy_all_firms,
                        ip_mult=float(D.ip_multiplier(params, lv)[0]), reward_m=lv.hte_reward, grant_mult=grant_mult,
                        hazards=hazards, relief=float(D.financing_relief(params, lv)[0]),
                        campaign_reach=float(reach[0]), campaign_pool=float(pool[0]))
        return y, u_small, eligible_rd

    def _hire(self, y: YearContext, lv: LeverYear, firms: list) -> None:
        """The talent market (district code) on the staff every firm wants; then firms hire."""
        d, params = self.district, self.params
        y.tf = float(D.talent_market(d, params, lv, np.array([float_total(f.staff_wanted for f in firms)]))[0])
        for f in firms:
            f.hire(y)
        y.talent_mult = float(D.talent_multiplier(d, params, np.array([float_total(f.staff for f in firms)]))[0])

    def _collaborate(self, y: YearContext, lv: LeverYear, firms: list) -> None:
        """Capacity shares from the R&D-active firms (district code), then every firm seeks
        partners. Every firm reads start-of-year state and writes pending state, so the order
        cannot matter, and Mesa's random activation order shows it."""
        n_rd = np.zeros((1, N_SECTORS))
        n_agri = 0
        for f in firms:
            n_rd[0, f.sector] += f.active
            n_agri += f.sector == AGRI
        a_inst, a_univ = D.collaboration_shares(self.layout, self.params, lv, y.year, n_rd)
        y.p_inst = tuple((self.p["collab_propensity"] * a_inst[0]).tolist())
        y.a_univ = float(a_univ[0])
        y.p_served = float(D.commissioner_share(self.params, lv, np.array([n_agri]))[0])
        y.contacts, y.capacity = firms, self.layout.capacity
        self.firms.shuffle_do("collaborate", y)
        self._note_links(firms, y.year)

    def _tally(self, firms: list, y: YearContext):
        """The year's flows from the firms' pending state, before they commit: the flow
        indicators, first certificates, platform upgrades (municipal, national), university
        collaborations and R&D spending; the HTE backlog goes to the district."""
        pend = [f._pending for f in firms]
        first_grants = sum(q["first"] for q in pend)
        self.district.hte_backlog[0] = sum(q["waiting"] for q in pend)
        new_level = [q["platform"] for q, f in zip(pend, firms) if q["platform"] > f.platform]
        upgrades = np.array([[new_level.count(R.MUNICIPAL), new_level.count(R.NATIONAL)]], float)
        flows = {"hte_new": sum(q["granted"] for q in pend), "hte_first": first_grants,
                 "exits": sum(bool(q["exits"]) for q in pend),
                 "collaborations": sum(f.with_inst or f.with_univ for f in firms), "talent_factor": y.tf}
        return flows, first_grants, upgrades, sum(f.with_univ for f in firms), float_total(f.rd_spend for f in firms)

    # ---- entry -----------------------------------------------------------------------------------

    def _entry(self, year: int, lv: LeverYear, n_alive_start: int, univ_collabs: int):
        """The year's Poisson counts and the incubator chain (district code), then the entrants.
        Returns the entry flows, the new university projects and agricultural platforms."""
        d, params = self.district, self.params
        lam = D.entry_means(d, params, lv, np.array([n_alive_start]), np.array([univ_collabs]))
        n_startups, n_recruited, n_spinoffs, n_projects, n_agri_new = self._stream.poisson(lam).T
        entering, _, n_direct = D.incubator_chain(d, self.layout, params, year, lv, self._stream, n_startups,
                                                  n_spinoffs)
        flows = self._enter(year, lv, self.layout.capacity - n_alive_start, int(n_recruited[0]), entering[0],
                            int(n_direct[0]))
        return flows, n_projects, n_agri_new

    def _enter(self, year: int, lv: LeverYear, free: int, n_recruited: int, entering: np.ndarray,
               n_direct: int) -> dict:
        """New firms take the free places of the start of the year in the order of
        ``entry.origin_by_rank``: recruited firms, incubator graduates (incubator by incubator),
        start-ups entering directly. Each takes its start state from ``entry.entrant`` with
        uniforms of its own; a graduate of a sector's incubator is of that sector."""
        L = self.layout
        n_inc = int(entering.sum())
        graduates_of = [inc for inc, n in zip(self.incubators, entering) for _ in range(int(n))]
        placed, dropped = entry.places(free, n_recruited + n_inc + n_direct)
        recruit_cdf = D.recruit_sector_cdf(lv, L)
        for rank, u in enumerate(self.rng.random((int(placed), N_FIRM_UNIFORMS)).tolist(), start=1):
            origin = int(entry.origin_by_rank(rank, n_recruited, n_inc))
            inc = graduates_of[rank - n_recruited - 1] if origin == ORIGIN_INCUBATED else None
            if inc is not None and inc.sector != sectors.ANY:
                sector = inc.sector
            else:
                sector = int(sectors.draw(recruit_cdf if origin == ORIGIN_RECRUITED else L.sector_cdf, u[U_INNOVATE]))
            firm = Enterprise(self, **entry.entrant(origin, sector, year, u.__getitem__, L, lv, self.p),
                              rd_lag1=0.0, rd_lag2=0.0, sales_lag1=0.0, sales_lag2=0.0, ip_since=0.0,
                              source=inc.name if inc is not None else "", entered=year)
            if self.record_history:
                firm.events.append(_entered(firm))
                if inc is not None:
                    inc.graduates.setdefault(year, []).append(firm)
        return {"entrants": int(placed), "recruited": n_recruited, "incubated": n_inc,
                "entrants_dropped": int(dropped)}

    # ---- records ---------------------------------------------------------------------------------

    def _note_links(self, firms: list, year: int) -> None:
        """This year's collaborations, for the network view and the partners' records."""
        self.links = [(f, q) for f in firms for q in f.partners]
        if self.record_history:
            for f, q in self.links:
                if isinstance(q, (University, Institute)):
                    q.collaborations.setdefault(year, []).append(f)

    def _measure(self, extras: dict | None) -> dict:
        """The indicators of ``sim.indicators`` for the current year, by the core's formulas."""
        return self._indicators(self._firm_counts(self.year), extras)

    def _firm_counts(self, year: int) -> dict:
        """``district.firm_counts`` of the living firms, the core's rule on the firms' values as
        1-d arrays, summed in the firms' order; each count as a block of one replicate."""
        firms = list(self.firms)
        f = SimpleNamespace(alive=np.ones(len(firms), bool),
                            **{k: np.array([getattr(x, k) for x in firms], dtype) for k, dtype in COUNTED.items()})
        counts = D.firm_counts(f, year, self.rules, count=np.count_nonzero, total=lambda v: float_total(v.tolist()))
        return {k: np.array([v], float) for k, v in counts.items()}

    def _indicators(self, counts: dict, extras: dict | None) -> dict:
        """The indicators (``district.indicators``) from the firm counts and the year's flows."""
        extras = {k: np.asarray(v, float).reshape(-1) for k, v in (extras or {}).items()}
        return {k: float(v[0]) for k, v in D.indicators(counts, self.district, self.params, extras or None).items()}

    def indicator_frame(self):
        """The collected indicators as a pandas DataFrame indexed by year."""
        return self.datacollector.get_model_vars_dataframe()

    def release(self) -> None:
        """Let Python free this model once the caller drops it. Mesa 3.3 keeps every model alive
        in a class-level table of agent ids (``mesa.Agent._ids``; mesa issue #3179, fixed after
        3.3), so a process running many replicates would otherwise keep every one of them; Mesa 3.5
        has no such table and frees the model by itself."""
        ids = getattr(mesa.Agent, "_ids", None)
        if ids is not None:
            ids.pop(self, None)

    # ---- results ---------------------------------------------------------------------------------

    def results(self):
        """The collected indicators as a one-replicate ``sim.results.Results`` (what ``sim.goals``
        evaluates)."""
        from ..results import Results

        data = self.datacollector.model_vars
        years = np.arange(self.layout.base_year, self.year + 1)
        ind = {name: np.asarray(data[name], float)[None, :] for name in INDICATORS}
        return Results(self.innovsim_scenario.meta.name, self.seed, years, ind, replicate_offset=self.replicate,
                       estimates=estimated_inputs(self.innovsim_scenario))

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
    total = float_total(weight(i) for i in items)
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
