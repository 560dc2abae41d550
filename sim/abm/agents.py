"""The agents of the Mesa model: enterprises, universities, institutes and incubators.

An ``Enterprise`` decides one year in three phases that the model calls for every firm in turn
(see ``InnovationModel.step``): ``plan_rd`` (R&D budget and staff wanted), ``collaborate``
(institute, university, a partner firm, a science commissioner) and ``decide`` (innovation,
certification, platforms, growth, exit). Each phase reads only start-of-year state and writes the
firm's *pending* state; ``advance`` then commits it for every firm at once. So the order in which
firms act does not matter, and the update is the core's synchronous one (docs/ODD.md,
"Scheduling"). Every decision is a call of a rule in ``sim.rules``, the same function the core
calls on arrays.

Universities, institutes and incubators are small agents: what drives them (maker-space
upgrades, incubator graduations) lives in the district state the core shares
(``sim.core.district``), and these agents give it a face: their capacity, their partners and
graduates year by year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mesa

from .. import rules as R
from .. import sectors
from ..core.state import (ORIGIN_INCUBATED, ORIGIN_INCUMBENT, ORIGIN_LEADING, ORIGIN_RECRUITED, ORIGIN_SPONTANEOUS,
                          U_AGRI, U_CERT, U_COLLAB, U_EXIT, U_GROWTH, U_INNOVATE, U_PARTNER, U_PLATFORM, U_TECH_BASED)
from ..scenario.schema import PLATFORM_LEVELS
from ..sectors import AGRI, SECTORS

ORIGINS = {ORIGIN_INCUMBENT: "incumbent", ORIGIN_LEADING: "leading firm", ORIGIN_SPONTANEOUS: "start-up",
           ORIGIN_INCUBATED: "incubated", ORIGIN_RECRUITED: "recruited"}

# what a firm's yearly history row holds (Enterprise.history)
# (rd_ratio_3y, hte_band and st_share are the year's HTE test: the 3-year R&D/sales, the bar it
# had to reach for the firm's sales band, and the S&T staff share; not known in the start year)
HISTORY_FIELDS = ("year", "revenue", "rd_ratio", "rd_spend", "knowledge", "hightech", "rd_ratio_3y", "hte_band",
                  "st_share", "hte", "tech_based", "platform", "digital")


@dataclass
class Event:
    """Something that changed a firm's standing, in the year it happened."""

    year: int
    kind: str          # entered, hte_certified, hte_renewed, hte_lost, tech_based_registered,
                       # tech_based_lapsed, platform_upgrade, partner_found, institute, university,
                       # rd_started, exited
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.year}  {self.kind:<22} {self.detail}".rstrip()


@dataclass
class YearContext:
    """What the district tells every firm at the start of a year: the same for all firms, set by
    the model before the firms act (scalars; the core holds the same numbers per replicate)."""

    year: int
    growth: float
    subsidy_rate: float
    subsidy_all_firms: bool
    ip_mult: float
    reward_m: float
    grant_mult: tuple
    hazards: tuple
    relief: float
    campaign_reach: float = 0.0    # share of unregistered R&D firms the registration drive reaches
    campaign_pool: float = 0.0     # share of HTE candidates the cultivation pool coaches
    tf: float = 1.0
    talent_mult: float = 1.0
    p_inst: tuple = ()             # per sector: probability a seeking firm works with an institute
    a_univ: float = 0.0
    p_served: float = 0.0
    contacts: list = field(default_factory=list)   # firms alive at the start of the year
    capacity: int = 1                               # contacts a firm draws a partner among


class Enterprise(mesa.Agent):
    """A firm: its R&D, knowledge, certificates, platform, revenue, and its own story.

    State (units as in docs/ODD.md): ``revenue`` m CNY; ``propensity`` R&D/sales at base-year user
    cost; ``rd_ratio`` R&D/sales; ``knowledge`` stock; ``hightech`` share of revenue; ``hte_until``
    last valid year of its HTE certificate (0 none); ``platform`` 0 none .. 3 national.
    """

    def __init__(self, model, *, sector, industrial, digital, in_zone, revenue, propensity, rd_ratio, st_factor,
                 knowledge, hightech, age, tech_based, hte_until, platform, rd_lag1, rd_lag2, sales_lag1, sales_lag2,
                 origin, ip_since=0.0, name="", source="", entered=None):
        super().__init__(model)
        self.sector, self.industrial, self.digital, self.in_zone = (
            int(sector), bool(industrial), bool(digital), bool(in_zone))
        self.revenue, self.propensity, self.rd_ratio = float(revenue), float(propensity), float(rd_ratio)
        self.st_factor, self.knowledge, self.hightech = float(st_factor), float(knowledge), float(hightech)
        self.age, self.tech_based, self.hte_until = float(age), bool(tech_based), int(hte_until)
        self.platform = int(platform)
        self.rd_lag1, self.rd_lag2 = float(rd_lag1), float(rd_lag2)
        self.sales_lag1, self.sales_lag2 = float(sales_lag1), float(sales_lag2)
        self.origin, self.name, self.source = int(origin), name, source
        self.ip_since = float(ip_since)   # innovations since the last HTE certificate (fresh IP for renewal)
        self.leading = self.origin == ORIGIN_LEADING
        self.entered = model.year if entered is None else entered
        self.exited: int | None = None
        self.events: list[Event] = []
        self.history: list[tuple] = []
        self.partners: list = []          # this year's collaborations: Enterprise, Institute or University
        self.u = ()                       # this year's uniform draws (set by the model)
        self.staff = self.staff_wanted = 0.0
        self._pending: dict = {}
        if model.record_history:
            self._record(self.entered, self.rd_lag1, math.nan, math.nan, math.nan)

    # ---- the year's phases ---------------------------------------------------------------------

    def plan_rd(self, y: YearContext) -> None:
        """R&D decision: target R&D/sales from the after-tax user cost (subsidy, super-deduction,
        HTE tax), bunching at the HTE band, partial adjustment; the staff that budget pays for."""
        p, rules = self.model.p, self.model.rules
        hte_now = R.hte_valid(self.hte_until, y.year)
        subsidised = y.subsidy_all_firms or self.tech_based
        # the super-deduction in force this year and in the base year, by firm type
        tech_sme = self.tech_based and R.tech_sme_size_ok(self.revenue / p["revenue_per_employee"], self.revenue,
                                                          rules)
        base_year = self.model.layout.base_year
        d_now = R.superdeduction_rate(y.year, self.industrial, tech_sme, rules, base_year)
        d_ref = R.superdeduction_rate(base_year, self.industrial, tech_sme, rules, base_year)
        employees, income = self.revenue / p["revenue_per_employee"], self.revenue * p["taxable_margin"]
        tax_now = R.income_tax_rate(y.year, hte_now, employees, income, rules)
        tax_ref = R.income_tax_rate(base_year, hte_now, employees, income, rules)
        uc = R.rd_user_cost(y.subsidy_rate * subsidised, hte_now, rules, p["min_user_cost"], superdeduction=d_now,
                            tax=tax_now)
        uc_ref = R.rd_user_cost(0.0, hte_now, rules, p["min_user_cost"], superdeduction=d_ref, tax=tax_ref)
        target = self.propensity * R.rd_target_ratio(1.0, uc, uc_ref, p["rd_cost_elasticity"], y.ip_mult)
        band = R.hte_rd_threshold(self.revenue, rules)
        target = R.bunch_to_threshold(target, band, p["hte_bunching_margin"], self.tech_based, p["hte_bunching_target"])
        self.ratio_next = min(float(R.rd_adjust(self.rd_ratio, target, p["rd_adjust_speed"])), p["max_rd_ratio"])
        self.desired_rd = self.ratio_next * self.revenue
        self.staff_wanted = R.rd_staff(self.desired_rd, p["rd_labour_share"], p["rd_wage"])

    def hire(self, y: YearContext) -> None:
        """The talent market gives the firm the district's talent factor of the staff it wants."""
        p = self.model.p
        self.staff = self.staff_wanted * y.tf
        self.rd_spend = self.desired_rd * (1 - p["rd_labour_share"] * (1 - y.tf))
        self.active = self.staff > 0

    def collaborate(self, y: YearContext) -> None:
        """One uniform picks an institute of the firm's sector or else a university (within their
        capacity shares); a contact drawn among all firms is a partner if both do R&D and their
        knowledge is similar enough (SKIN); agri-food firms may be served by a commissioner."""
        p, u = self.model.p, self.u
        self.partners = []
        self.with_inst = self.with_univ = self.has_partner = self.served = False
        self.k_partner = 0.0
        if self.active:
            p_inst = y.p_inst[self.sector]
            p_univ = R.university_collab_threshold(p_inst, p["collab_propensity"], y.a_univ)
            draw = u[U_COLLAB]
            if draw < p_inst:
                self.with_inst = True
                self.partners.append(self.model.pick_institute(self.sector, y.year, draw / p_inst))
            elif draw < p_univ:
                self.with_univ = True
                self.partners.append(self.model.pick_university((draw - p_inst) / (p_univ - p_inst)))
            j = int(u[U_PARTNER] * y.capacity)   # one contact among `capacity`, as the core's slots
            other = y.contacts[j] if j < len(y.contacts) else None
            if other is not None and other.active and R.partners_compatible(self.knowledge, other.knowledge,
                                                                            p["partner_threshold"]):
                self.has_partner, self.k_partner = True, other.knowledge
                self.partners.append(other)
        if self.sector == AGRI:
            self.served = u[U_AGRI] < y.p_served

    def decide(self, y: YearContext) -> None:
        """Innovation, knowledge and high-tech revenue; certification (HTE first or renewed,
        tech-based registration); platform upgrade; digital adoption; growth; exit. Written to the
        pending state, committed by ``advance``."""
        p, rules, u, year = self.model.p, self.model.rules, self.u, y.year
        new = self._pending = {}
        p_success = R.innovation_probability(self.staff * y.talent_mult, p["knowledge_productivity"])
        success = self.active and u[U_INNOVATE] < p_success
        spill = R.spillover(self.knowledge, self.k_partner, p["spillover_rate"]) * self.has_partner
        knowledge = R.knowledge_update(self.knowledge, p["knowledge_depreciation"], success, self.with_inst,
                                       p["institute_gain"], self.with_univ, p["university_gain"], spill,
                                       self.served, p["commissioner_gain"])
        hightech = R.hightech_share_update(self.hightech, success, p["hightech_gain"], p["hightech_decay"])
        propensity = R.rd_learning_update(self.propensity, success, p["rd_learning"], p["max_rd_propensity"])
        # a firm without R&D may set up an R&D team; it drew no innovation or certification, so
        # those draws are its own to use here (as in the core)
        if self.propensity == 0:
            p_start = R.rd_start_probability(p["rd_start_rate"], p["rd_start_subsidy_response"], y.subsidy_rate)
            if u[U_INNOVATE] < p_start:
                propensity = R.new_rd_propensity(u[U_CERT], p["new_rd_propensity"], p["rd_propensity_spread"])
                new["rd_started"] = True

        # certification
        employees = self.revenue / p["revenue_per_employee"]
        rd3 = R.rd_ratio_3y(self.rd_lag1, self.rd_lag2, self.rd_spend, self.sales_lag1, self.sales_lag2, self.revenue)
        st = R.st_share(self.staff, p["st_staff_multiplier"], self.st_factor, employees)
        eligible = R.hte_eligible(self.age, rd3, self.revenue, st, hightech, knowledge, rules)
        renewing = self.hte_until == year - 1
        first = self.hte_until < year - 1
        ip_now = self.ip_since + success
        p_renew = R.hte_renewal_probability(ip_now, p["hte_ip_per_innovation"], self.model.hte_field_share[self.sector],
                                            self.model.hte_score_pass)
        apply_prob = R.campaign_probability(p["hte_apply_prob"], y.campaign_pool, p["campaign_apply_lift"])
        p_grant = R.hte_grant_probability(renewing, first, apply_prob, p["hte_reward_response"],
                                          y.reward_m, p["hte_approval_rate"], p_renew)
        granted = bool(eligible and u[U_CERT] < p_grant)
        hte_until = R.hte_until_after_grant(year, rules) if granted else self.hte_until
        hte_end = R.hte_valid(hte_until, year)
        tb_eligible = R.tech_based_eligible(employees, self.revenue, self.ratio_next, st, knowledge, hte_end,
                                            self.platform, rules)
        register_prob = R.campaign_probability(p["tb_register_prob"], y.campaign_reach, p["campaign_register_lift"])
        tech_based = bool(R.tech_based_update(self.tech_based, tb_eligible, u[U_TECH_BASED],
                                              register_prob, p["tb_lapse_prob"]))

        # platform and digital adoption
        above = R.above_scale(self.industrial, self.revenue, rules)
        p_up = R.platform_upgrade_probability(self.platform, self.rd_spend, above or hte_end, y.hazards, rules,
                                              y.grant_mult)
        upgraded = u[U_PLATFORM] < p_up
        # given success (u < p), u / p is again uniform: reused for the adoption draw (as in the core)
        digital = self.digital or (success and u[U_INNOVATE] < p_success * p["digital_adoption_rate"])

        # growth and exit
        revenue = R.revenue_after_growth(self.revenue, y.growth, p["innovation_revenue_premium"], success,
                                         p["revenue_growth_sd"], R.growth_shock(u[U_GROWTH]))
        p_exit = R.exit_probability(p["exit_rate"], self.age, tech_based, p["young_exit_multiplier"],
                                    p["tech_exit_protection"], y.relief, p["young_firm_age"])
        new.update(revenue=float(revenue), rd_ratio=self.ratio_next, propensity=float(propensity),
                   knowledge=float(knowledge), hightech=float(hightech), tech_based=tech_based,
                   hte_until=int(hte_until), ip_since=float(R.ip_since_update(self.ip_since, success, granted)),
                   platform=self.platform + bool(upgraded), digital=bool(digital),
                   success=bool(success), granted=granted, first=bool(first and granted), st=float(st), rd3=float(rd3),
                   waiting=bool(eligible and first and not granted),
                   exits=(not self.leading) and u[U_EXIT] < p_exit)

    def advance(self, year: int) -> None:
        """Commit the pending state (after every firm has decided), note what changed, and leave
        the model if the firm exits."""
        new = self._pending
        if self.model.record_history:
            self._note_events(year, new)
            band = float(R.hte_rd_threshold(self.revenue, self.model.rules))   # by start-of-year sales
        self.rd_lag2, self.rd_lag1 = self.rd_lag1, self.rd_spend
        self.sales_lag2, self.sales_lag1 = self.sales_lag1, self.revenue
        for k in ("revenue", "rd_ratio", "propensity", "knowledge", "hightech", "tech_based", "hte_until", "ip_since",
                  "platform", "digital"):
            setattr(self, k, new[k])
        self.age += 1
        if self.model.record_history:
            self._record(year, self.rd_spend, new["rd3"], band, new["st"])
        if new["exits"]:
            self.exited = year
            if self.model.record_history:
                self.events.append(Event(year, "exited"))
            self.model.firm_exits(self)

    # ---- explaining itself ----------------------------------------------------------------------

    def _note_events(self, year: int, new: dict) -> None:
        rules, ev = self.model.rules, self.events
        if new.get("rd_started"):
            ev.append(Event(year, "rd_started", f"R&D team set up (propensity {new['propensity']:.1%})"))
        for partner in self.partners:
            kind = {Enterprise: "partner_found", University: "university", Institute: "institute"}[type(partner)]
            ev.append(Event(year, kind, partner.label))
        if new["granted"]:
            why = (f"3-year R&D/sales {new['rd3']:.1%} >= band {float(R.hte_rd_threshold(self.revenue, rules)):.0%}; "
                   f"S&T staff {new['st']:.0%} >= {rules.hte_st_staff_min:.0%}; high-tech revenue "
                   f"{new['hightech']:.0%} >= {rules.hte_hightech_revenue_min:.0%}; knowledge {new['knowledge']:.2f} "
                   f">= {rules.hte_knowledge_min:g}; valid through {new['hte_until']}")
            ev.append(Event(year, "hte_certified" if new["first"] else "hte_renewed", why))
        elif R.hte_valid(self.hte_until, year - 1) and not R.hte_valid(new["hte_until"], year):
            why = (f"certificate ran out after {self.hte_until} and was not renewed "
                   f"({self.ip_since + new['success']:.1f} innovations since the last certificate)")
            ev.append(Event(year, "hte_lost", why))
        if new["tech_based"] and not self.tech_based:
            ev.append(Event(year, "tech_based_registered"))
        elif self.tech_based and not new["tech_based"]:
            ev.append(Event(year, "tech_based_lapsed", "no longer meets the registration bars"))
        if new["platform"] > self.platform:
            ev.append(Event(year, "platform_upgrade", f"{PLATFORM_LEVELS[self.platform]} -> "
                                                     f"{PLATFORM_LEVELS[new['platform']]} "
                                                     f"(R&D {self.rd_spend:.2f}m CNY)"))

    def _record(self, year: int, rd_spend: float, rd3: float, band: float, st: float) -> None:
        self.history.append((year, self.revenue, self.rd_ratio, rd_spend, self.knowledge, self.hightech, rd3, band,
                             st, bool(R.hte_valid(self.hte_until, year)), self.tech_based, self.platform, self.digital))

    @property
    def label(self) -> str:
        return self.name or f"firm {self.unique_id}"

    @property
    def hte(self) -> bool:
        """Holds a valid HTE certificate in the model's current year."""
        return bool(R.hte_valid(self.hte_until, self.model.year))

    def history_frame(self):
        """The firm's state year by year as a pandas DataFrame (needs ``record_history``)."""
        import pandas as pd
        return pd.DataFrame(self.history, columns=HISTORY_FIELDS).set_index("year")

    def explain(self) -> str:
        """The firm's story: who it is, then every event that changed its standing, by year."""
        where = ", ".join(x for x in (SECTORS[self.sector], "industrial" if self.industrial else "services",
                                      "in the high-tech zone" if self.in_zone else "") if x)
        end = f"exited {self.exited}" if self.exited else f"alive in {self.model.year}"
        src = f" from {self.source}" if self.source else ""
        head = (f"{self.label} ({ORIGINS[self.origin]}{src}; {where}); entered {self.entered}, {end}.\n"
                f"Now: revenue {self.revenue:.1f}m CNY, R&D {self.rd_ratio:.1%} of sales, knowledge "
                f"{self.knowledge:.2f}, high-tech revenue {self.hightech:.0%}, HTE {'yes' if self.hte else 'no'}, "
                f"tech-based {'yes' if self.tech_based else 'no'}, platform {PLATFORM_LEVELS[self.platform]}.")
        if not self.model.record_history:
            return head + "\n(events are recorded only with record_history=True)"
        return head + "\n" + "\n".join(str(e) for e in self.events)


class NamedAgent(mesa.Agent):
    """A named agent of the scenario (university, institute, incubator): its scenario entry
    (``spec``) and its names; ``label`` is how events and the network view name it."""

    def __init__(self, model, spec):
        super().__init__(model)
        self.spec, self.name, self.name_zh = spec, spec.name, spec.name_zh

    @property
    def label(self) -> str:
        return self.name


class University(NamedAgent):
    """A university: students (a source of R&D labour), a maker space, and the firms it works with."""

    def __init__(self, model, spec, index: int):
        super().__init__(model, spec)
        self.index, self.collab_capacity = index, spec.collab_capacity
        self.collaborations: dict[int, list] = {}    # year -> firms

    @property
    def students(self) -> float:
        return float(self.model.district.students[0, self.index])

    @property
    def maker_level(self) -> str:
        return PLATFORM_LEVELS[int(self.model.district.maker[0, self.index])]


class Institute(NamedAgent):
    """An industrial technology research institute serving the firms of one sector."""

    def __init__(self, model, spec):
        super().__init__(model, spec)
        self.sector, self.capacity, self.opens = sectors.index(spec.sector), spec.capacity, spec.opens
        self.collaborations: dict[int, list] = {}    # year -> firms

    def is_open(self, year: int) -> bool:
        return self.opens <= year


class Incubator(NamedAgent):
    """An incubator, accelerator or park: tenants, and graduates entering the firm population."""

    def __init__(self, model, spec, index: int):
        super().__init__(model, spec)
        self.index, self.stage, self.capacity, self.opens = index, spec.stage, spec.capacity, spec.opens
        self.sector = sectors.index(spec.sector)     # sectors.ANY: start-ups of every sector
        self.graduates: dict[int, list] = {}         # year -> firms that entered from here

    @property
    def tenants(self) -> int:
        return int(self.model.district.tenants[0, self.index])
