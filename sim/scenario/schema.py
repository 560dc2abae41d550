"""The typed schema of a scenario file (TOML), as pydantic models.

One scenario = meta, horizon, run settings, a budget, the start values (``initial``), the
uncertain behavioural and exogenous parameters (``uncertainties``), the certification and tax
rules (``rules``), the firm population and the named agents (``population``, ``agents``), the
policy levers (``levers``) and the goals (``goals``). Unknown keys are errors everywhere, so a
typo is never silently ignored. The JSON Schema printed by ``innovsim schema`` is generated from
these models.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, create_model, field_validator,
                      model_validator)
from pydantic import Strict as StrictType

from .. import parameters
from ..indicators import INDICATORS
from ..limits import MAX_GOAL_ID_LENGTH, MAX_RUNS
from .distributions import Value, as_dist
from .inputs import CSV_SUFFIX, check_reference

SECTORS = ["auto", "it", "medicine", "materials", "building_materials", "consumer_goods", "agri_food", "other"]
Sector = Literal["auto", "it", "medicine", "materials", "building_materials", "consumer_goods", "agri_food", "other"]
PlatformLevel = Literal["none", "district", "municipal", "national"]
PLATFORM_LEVELS = ["none", "district", "municipal", "national"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: A calendar year: a whole number as written, never text ("2026") or a fraction (2026.5), which
#: pydantic would otherwise convert without a word
Year = Annotated[int, StrictType()]


class Meta(Strict):
    name: str = Field(min_length=1)
    name_zh: str = ""
    description: str = ""
    changes: str = Field("", description="what a variant changed relative to its parent, and why")


class Horizon(Strict):
    base_year: Year = Field(2022, ge=2000, le=2100)
    end_year: Year = Field(2035, ge=2001, le=2150)

    @model_validator(mode="after")
    def _order(self):
        if self.end_year <= self.base_year:
            raise ValueError(f"end_year ({self.end_year}) must be after base_year ({self.base_year})")
        return self


class Run(Strict):
    replicates: int = Field(1000, ge=1, le=MAX_RUNS)
    seed: int = Field(20221, ge=0)
    chunk_size: int = Field(32, ge=1, le=4096, description="replicates simulated together in one block")


class Budget(Strict):
    annual_total_cny: float = Field(ge=0, description="the most the levers may spend together in any year, CNY")


def _section_model(section: str):
    """A pydantic model whose fields are the registry's parameters of one section (all required)."""
    fields = {
        p.name: (Value, Field(..., description=f"{p.meaning} [{p.unit}; allowed {p.low}..{p.high}]"))
        for p in parameters.BY_SECTION[section].values()
    }
    def _check_bounds(self):
        for name, p in parameters.BY_SECTION[section].items():
            lo, hi = as_dist(getattr(self, name)).declared_range()
            if lo < p.low or hi > p.high:
                if lo == hi:
                    raise ValueError(f"{name} = {lo:g} is outside the allowed range {p.low:g}..{p.high:g} {p.unit}")
                raise ValueError(
                    f"{name}: the distribution's range {lo:g}..{hi:g} goes outside the allowed range "
                    f"{p.low:g}..{p.high:g} {p.unit}")
        return self

    return create_model(section.capitalize(), __base__=Strict,
                        __validators__={"_bounds": model_validator(mode="after")(_check_bounds)}, **fields)


Initial = _section_model("initial")
Uncertainties = _section_model("uncertainties")
Rules = _section_model("rules")


class Population(Strict):
    """The incumbent firm population's make-up (shares by sector) and firm profiles."""

    sector_shares: dict[Sector, float] = Field(description="share of the incumbent firms in each sector")
    industrial_share: dict[Sector, float] = Field(description="share of each sector's firms that are industrial")
    digital_share: dict[Sector, float] = Field(description="share of each sector's firms in digital-core activity")
    revenue_median_m_cny: float = Field(gt=0, description="median revenue of a below-scale firm, million CNY")
    revenue_sigma: float = Field(gt=0, le=5, description="log-sd of firm revenue")
    above_scale_median_m_cny: float = Field(gt=0, description="median revenue of an above-scale firm, million CNY")
    capacity_headroom: float = Field(0.3, ge=0, le=5,
                                     description="spare agent slots for net entry, "
                                                 "share of the largest start population")

    @field_validator("sector_shares")
    @classmethod
    def _sum_to_one(cls, v):
        total = sum(v.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"sector_shares must sum to 1, they sum to {total:g}")
        if any(x < 0 for x in v.values()):
            raise ValueError("sector_shares must be >= 0")
        return v

    @field_validator("industrial_share", "digital_share")
    @classmethod
    def _shares(cls, v):
        bad = {k: x for k, x in v.items() if not 0 <= x <= 1}
        if bad:
            raise ValueError(f"shares must lie in [0, 1], got {bad}")
        return v


class LeadingFirm(Strict):
    name: str
    name_zh: str
    sector: Sector
    revenue_m_cny: float = Field(gt=0)
    rd_intensity_pct: float = Field(ge=0, le=100)
    platform: PlatformLevel = "none"
    hte: bool = False
    digital: bool = False
    industrial: bool = True


class University(Strict):
    name: str
    name_zh: str
    students: int = Field(ge=0)
    research_staff: int = Field(ge=0)
    maker_space: PlatformLevel = "none"
    collab_capacity: int = Field(ge=0, description="firm collaborations it can sustain per year")


class Institute(Strict):
    name: str
    name_zh: str
    sector: Sector
    capacity: int = Field(ge=0, description="firms it can serve per year")
    opens: Year = Field(description="first year of operation (<= base year: exists already)")


class Incubator(Strict):
    name: str
    name_zh: str
    stage: Literal["incubator", "accelerator", "park"]
    sector: Sector | Literal["any"] = "any"
    capacity: int = Field(ge=0, description="tenant start-ups it can host")
    opens: Year


class Agents(Strict):
    leading_firms: list[LeadingFirm] = []
    universities: list[University] = []
    institutes: list[Institute] = []
    incubators: list[Incubator] = []


# ---- levers -------------------------------------------------------------------------------

class Lever(Strict):
    """A policy lever: what it buys, how much a year, from when, and how it phases in."""

    name: str
    name_zh: str
    annual_budget_cny: float = Field(ge=0, description="full annual budget once phased in, CNY")
    start_year: Year = Field(ge=2000, le=2150, description="first year funded")
    end_year: Year | None = Field(None, description="last year funded (default: to the horizon)")
    ramp_years: int = Field(0, ge=0, le=50, description="years of linear phase-in to the full budget")
    growth_pct: float = Field(0.0, ge=-50, le=100, description="annual growth of the budget after the ramp")

    @model_validator(mode="after")
    def _years(self):
        if self.end_year is not None and self.end_year < self.start_year:
            raise ValueError(f"end_year ({self.end_year}) is before start_year ({self.start_year})")
        return self

    def budget_in(self, year: int) -> float:
        """Budget in CNY for ``year`` after phasing (0 outside the funded years)."""
        if year < self.start_year or (self.end_year is not None and year > self.end_year):
            return 0.0
        k = year - self.start_year
        ramp = min(1.0, (k + 1) / (self.ramp_years + 1)) if self.ramp_years else 1.0
        growth = (1 + self.growth_pct / 100) ** max(0, k - self.ramp_years)
        return self.annual_budget_cny * ramp * growth


class FiscalSupport(Lever):
    """《合川区支持科技创新若干财政金融政策》: R&D subsidies, HTE rewards, platform grants, financing."""

    rd_subsidy_rate: float = Field(ge=0, le=1, description="share of eligible firms' R&D spending reimbursed")
    subsidy_scope: Literal["tech_based", "all"] = Field("tech_based", description="firms the R&D subsidy is for: "
                                                        "registered tech-based firms or all firms")
    hte_reward_cny: float = Field(ge=0, description="reward per newly certified HTE, CNY")
    platform_grant_municipal_cny: float = Field(ge=0, description="grant per platform upgraded to municipal level, CNY")
    platform_grant_national_cny: float = Field(ge=0, description="grant per platform upgraded to national level, CNY")
    financing_share: float = Field(0.0, ge=0, le=1,
                                   description="share of the budget for loans, guarantees and risk compensation")


class TalentPlan(Lever):
    """三江英才计划: packages that bring high-level talents and their R&D to Hechuan."""


class TechRecruitment(Lever):
    """科技招商: incentives that land tech firms, optionally under the plan's R&D/platform/patent conditions."""

    enforce_conditions: bool = Field(True, description="recruited projects must meet the plan's R&D-intensity, "
                                                       "platform and patent criteria")
    min_rd_intensity_pct: float = Field(3.0, ge=0, le=100, description="R&D / sales a recruited firm must reach "
                                                                       "when the conditions are enforced, pct")
    median_revenue_m_cny: float = Field(gt=0, description="median first-year revenue of a recruited firm, m CNY")
    sector_mix: dict[Sector, float] = Field(description="sector shares of the recruited firms (sum to 1)")

    @field_validator("sector_mix")
    @classmethod
    def _mix(cls, v):
        if not v or abs(sum(v.values()) - 1) > 1e-6 or any(x < 0 for x in v.values()):
            raise ValueError(f"sector_mix must be non-negative and sum to 1, got {v}")
        return v


class Incubation(Lever):
    """Incubator -> accelerator -> park chain: funded extra tenant slots."""


class InstituteSupport(Lever):
    """Support to the industrial technology research institutes: extra firms served."""


class UniversityIndustry(Lever):
    """产学研 cooperation: funded university S&T projects and maker-space support."""

    project_share: float = Field(0.6, ge=0, le=1,
                                 description="share of the budget funding university S&T projects (rest: maker spaces)")


class AgriST(Lever):
    """Agricultural S&T park, platforms and science commissioners."""

    commissioners: int = Field(0, ge=0, description="science commissioners (科技特派员) serving agri firms")
    platform_share: float = Field(0.7, ge=0, le=1, description="share of the budget building agri S&T platforms")


class IPProtection(Lever):
    """IP protection and standards work (知识产权): raises firms' returns to R&D."""


class HTZUpgrade(Lever):
    """The drive for national high-tech zone status: planning, key projects, the torch base."""


class RegistrationCampaign(Lever):
    """科技型企业入库与高企培育 (the 双倍增 drive): the district's drive to register tech-based firms
    (科技型企业评价入库) and to cultivate HTE candidates in a cultivation pool (高新技术企业培育库).
    The registration drive reaches unregistered R&D firms (service agencies, training, rewards for
    registering) and raises the registration odds of the eligible ones; the pool coaches firms
    that meet the HTE bars and raises their odds of applying."""

    cultivation_share: float = Field(0.5, ge=0, le=1,
                                     description="share of the budget for the HTE cultivation pool "
                                                 "(rest: the tech-based registration drive)")


class Levers(Strict):
    fiscal_support: FiscalSupport | None = None
    talent_plan: TalentPlan | None = None
    tech_recruitment: TechRecruitment | None = None
    incubation: Incubation | None = None
    institute_support: InstituteSupport | None = None
    university_industry: UniversityIndustry | None = None
    agri_st: AgriST | None = None
    ip_protection: IPProtection | None = None
    htz_upgrade: HTZUpgrade | None = None
    registration_campaign: RegistrationCampaign | None = None

    def active(self) -> dict[str, Lever]:
        return {k: v for k, v in self if v is not None}


# ---- goals --------------------------------------------------------------------------------

Comparison = Literal[">", ">=", "<", "<="]

#: A goal id (a key of [goals]): it becomes part of file names (fan_<goal>.png) and table values.
GoalId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$", max_length=MAX_GOAL_ID_LENGTH),
                   Field(description=f"goal ids of lower-case letters a-z, digits and '_', at most "
                                     f"{MAX_GOAL_ID_LENGTH} characters (a goal id becomes part of file names "
                                     "such as fan_<goal>.png)")]


class SeriesRef(Strict):
    """A threshold that moves: another indicator of the same replicate and year (e.g. cq_rd_intensity)."""

    series: str

    @field_validator("series")
    @classmethod
    def _known(cls, v):
        _check_indicator(v)
        return v


def _check_indicator(name: str) -> None:
    if name not in INDICATORS:
        import difflib
        near = difflib.get_close_matches(name, list(INDICATORS), n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        raise ValueError(f"unknown indicator '{name}'{hint} Known: {', '.join(sorted(INDICATORS))}")


class Condition(Strict):
    indicator: str
    comparison: Comparison
    threshold: float | SeriesRef

    @field_validator("indicator")
    @classmethod
    def _known(cls, v):
        _check_indicator(v)
        return v


class Goal(Strict):
    """A goal of the plan: reached in ``year`` if all its conditions hold in that year."""

    name: str
    name_zh: str
    year: Year
    indicator: str | None = None
    comparison: Comparison | None = None
    threshold: float | SeriesRef | None = None
    conditions: list[Condition] | None = None
    note: str = ""

    @field_validator("indicator")
    @classmethod
    def _known(cls, v):
        if v is not None:
            _check_indicator(v)
        return v

    @model_validator(mode="after")
    def _one_form(self):
        single = (self.indicator, self.comparison, self.threshold)
        if self.conditions is None:
            if any(x is None for x in single):
                raise ValueError("a goal needs indicator, comparison and threshold (or a list of conditions)")
        elif any(x is not None for x in single):
            raise ValueError("give either indicator/comparison/threshold or conditions, not both")
        elif not self.conditions:
            raise ValueError("conditions must not be empty")
        return self

    def all_conditions(self) -> list[Condition]:
        if self.conditions is not None:
            return self.conditions
        return [Condition(indicator=self.indicator, comparison=self.comparison, threshold=self.threshold)]


class PosteriorRef(Strict):
    """Calibrated parameters: each replicate takes one sample of a posterior file (see
    ``sim/scenario/posterior.py``) for the parameters it holds."""

    file: Annotated[str, AfterValidator(check_reference(CSV_SUFFIX,
                                                        "a posterior written by innovsim calibrate"))] = Field(
        "", description="posterior CSV (weight + parameter columns), relative to this file; 'shipped:"
                        "calibration/posterior/posterior.csv' names the project's own, wherever the file is copied")
    enabled: bool = Field(True, description="false: draw from the priors instead (a variant of a calibrated "
                                            "scenario that shows what the calibration changed)")

    @model_validator(mode="after")
    def _file_when_enabled(self):
        if self.enabled and not self.file:
            raise ValueError("posterior.file is missing: name the posterior CSV, or set posterior.enabled = false")
        return self


class Scenario(Strict):
    """A complete scenario after ``extends`` has been resolved."""

    extends: str | None = Field(None, description="parent scenario file this one overrides (resolved on load)")
    meta: Meta
    horizon: Horizon = Horizon()
    run: Run = Run()
    budget: Budget
    initial: Initial
    uncertainties: Uncertainties
    rules: Rules
    population: Population
    agents: Agents
    levers: Levers = Levers()
    goals: dict[GoalId, Goal] = Field(min_length=1)
    posterior: PosteriorRef | None = Field(None, description="draw calibrated parameters from a posterior file")

    @property
    def posterior_file(self) -> str | None:
        """The posterior file the replicates draw from; None without [posterior] or when disabled."""
        return self.posterior.file if self.posterior is not None and self.posterior.enabled else None

    @model_validator(mode="after")
    def _cross_checks(self):
        # goals inside the horizon
        for gid, g in self.goals.items():
            if not self.horizon.base_year < g.year <= self.horizon.end_year:
                raise ValueError(
                    f"goals.{gid}.year = {g.year} is outside the simulated years "
                    f"{self.horizon.base_year + 1}..{self.horizon.end_year}")
        self._check_lever_years()
        # levers within the budget, every year
        levers = self.levers.active()
        for year in range(self.horizon.base_year + 1, self.horizon.end_year + 1):
            spend = {k: lv.budget_in(year) for k, lv in levers.items()}
            total = sum(spend.values())
            if total > self.budget.annual_total_cny * (1 + 1e-9):
                parts = ", ".join(f"{k} {v / 1e6:,.1f}m" for k, v in spend.items() if v)
                raise ValueError(
                    f"over budget in {year}: the levers spend {total / 1e6:,.1f}m CNY ({parts}) but "
                    f"budget.annual_total_cny is {self.budget.annual_total_cny / 1e6:,.1f}m CNY")
        if not self.agents.universities:
            raise ValueError("agents.universities must list at least one university")
        self._check_initial_counts()
        return self

    def _check_lever_years(self) -> None:
        """A lever whose funded years miss the simulated years would silently do nothing: an error."""
        first, last = self.horizon.base_year + 1, self.horizon.end_year
        for key, lever in self.levers.active().items():
            if lever.start_year > last:
                raise ValueError(f"levers.{key}.start_year = {lever.start_year} is after the last simulated year "
                                 f"{last} (horizon.end_year), so the lever would never be funded; "
                                 f"start it in {last} or earlier")
            if lever.end_year is not None and lever.end_year < first:
                raise ValueError(f"levers.{key}.end_year = {lever.end_year} is before the first simulated year "
                                 f"{first} (horizon.base_year + 1), so the lever would never be funded; "
                                 f"end it in {first} or later, or remove the lever")

    def _check_initial_counts(self) -> None:
        """Start counts that cannot hold together in any replicate are errors, with the numbers."""
        rng = {k: as_dist(getattr(self.initial, k)).declared_range()
               for k in ("hte_count", "tech_based_count", "above_scale_industrial", "firms")}
        pairs = [("hte_count", "tech_based_count", "every HTE is also a registered tech-based firm"),
                 ("tech_based_count", "firms", "tech-based firms are among the modelled firms"),
                 ("above_scale_industrial", "firms", "above-scale firms are among the modelled firms")]
        for small, big, why in pairs:
            if rng[small][1] > rng[big][0]:
                raise ValueError(
                    f"initial.{small} can reach {rng[small][1]:g} but initial.{big} can be as low as "
                    f"{rng[big][0]:g}: {why}, so initial.{small} must stay at or below initial.{big}")


# ---- the JSON Schema (innovsim schema), for editors and check-jsonschema --------------------------

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
PARTIAL = "Partial"       # the suffix of a definition's variant form: every field optional


def json_schema(title: str) -> dict:
    """The JSON Schema of a scenario file, as planners write them.

    A complete scenario (no ``extends``) must have every required section and field. A variant
    (with ``extends``) writes only what it changes: the same fields and types, none required
    (each definition has a ``...Partial`` twin without ``required``). TOML has no null, so
    pydantic's ``X or null`` becomes plain ``X``: a typo inside a lever is then reported as that
    key, not as a failed ``anyOf``. Checks across fields (budgets, years against the horizon)
    are ``innovsim validate``'s; the schema checks names and types. The number-or-distribution
    schema of the ~150 parameters is one definition (``Value``), not ~150 copies."""
    import copy

    full = _without_null(Scenario.model_json_schema())
    defs = full.pop("$defs")
    value = _value_schema()
    full = _refer(full, value, VALUE_REF)
    defs = {name: _refer(d, value, VALUE_REF) for name, d in defs.items()} | {"Value": value}
    full.pop("title", None)
    partial_defs = {name + PARTIAL: _partial(d) for name, d in defs.items()}
    variant = _partial(copy.deepcopy(full))
    return {"$schema": JSON_SCHEMA_DIALECT, "title": title,
            "description": full.get("description", ""),
            "type": "object", "properties": variant["properties"], "additionalProperties": False,
            # a file without extends is a complete scenario
            "if": {"not": {"required": ["extends"]}}, "then": {"$ref": "#/$defs/CompleteScenario"},
            "$defs": {**defs, **partial_defs, "CompleteScenario": full}}


VALUE_REF = "#/$defs/Value"


def _value_schema() -> dict:
    """The JSON Schema of a scenario value (a number or a distribution table), as pydantic writes
    it inline for every parameter; its distributions refer to the scenario's own definitions."""
    from pydantic import TypeAdapter

    from .distributions import Value

    value = _without_null(TypeAdapter(Value).json_schema())
    value.pop("$defs", None)
    return value


def _refer(node, shape: dict, ref: str):
    """``node`` with every inline copy of ``shape`` replaced by ``{"$ref": ref}`` (its other
    keys, such as the parameter's description, kept beside the reference)."""
    if isinstance(node, list):
        return [_refer(x, shape, ref) for x in node]
    if not isinstance(node, dict):
        return node
    if all(node.get(k) == v for k, v in shape.items()):
        return {"$ref": ref, **{k: v for k, v in node.items() if k not in shape}}
    return {k: _refer(v, shape, ref) for k, v in node.items()}


def tool_json_schema(model, title: str) -> dict:
    """The JSON Schema of a tool's TOML file (a sweep, calibration or optimisation file), made
    from ``model``, the pydantic model its loader validates with (``read_tool_file``), so the
    two cannot drift. As for scenarios, ``X or null`` becomes ``X`` (TOML has no null); checks
    across fields and against the base scenario are the loader's."""
    schema = _without_null(model.model_json_schema())
    schema.pop("title", None)
    return {"$schema": JSON_SCHEMA_DIALECT, "title": title, **schema}


def _without_null(node):
    """``node`` with every ``anyOf: [X, {"type": "null"}]`` made ``X`` and the nulls of defaults dropped."""
    if isinstance(node, list):
        return [_without_null(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _without_null(v) for k, v in node.items()}
    if "anyOf" in out:
        branches = [b for b in out["anyOf"] if b != {"type": "null"}]
        if len(branches) == 1:
            del out["anyOf"]
            out = {**branches[0], **out}
        else:
            out["anyOf"] = branches
    if out.get("default", 0) is None:
        del out["default"]
    elif "default" in out:
        out["default"] = _toml_value(out["default"])
    return out


def _toml_value(value):
    """A default as TOML can write it: the null entries of a table's default (a lever left out,
    an optional year) dropped, since TOML has no null and an editor may insert the default."""
    if isinstance(value, dict):
        return {k: _toml_value(v) for k, v in value.items() if v is not None}
    return value


def _partial(node):
    """The variant form of a schema node: nothing required, references to the variant forms,
    ``oneOf`` as ``anyOf`` (a partial distribution table may fit several kinds) and no
    OpenAPI ``discriminator``."""
    if isinstance(node, list):
        return [_partial(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("required", "discriminator"):
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
            out[key] = value + PARTIAL
        elif key == "oneOf":
            out["anyOf"] = _partial(value)
        else:
            out[key] = _partial(value)
    return out
