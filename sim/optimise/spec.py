"""Optimisation files: which levers to choose, what they cost, which odds they must buy.

An optimisation file (TOML) names a base scenario, the decision variables (any numeric lever
field by its dotted path, named and checked exactly as a sweep's factors are:
``sim.sweep.spec``), the chance constraints ``P(goals) >= p``, the mode and the evaluation
budget::

    [optimise]
    name = "hte_2030"
    base = "base_2030.toml"            # relative to this file
    mode = "cheapest"                  # cheapest | frontier
    replicates = 12_000                # every replicate simulated: search and verification
    seed = 2024

    [cost]
    discount_pct = 0                   # yearly discount of the levers' CNY over the horizon

    [[variables]]
    path = "levers.fiscal_support.annual_budget_cny"
    low = 0
    high = 160_000_000
    step = 5_000_000                   # optional: values low, low + step, ...

    [[constraints]]
    goals = ["hte_300_2030"]           # all of them in their goal years, in one replicate
    probability = 0.7

Mistakes give an ``OptimiseError`` (a ``UserError``: one paragraph, exit code 2) naming the file,
the field (``variables[1].high``), the value and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..errors import ToolFileError, format_value, suggest
from ..limits import MAX_FACTORS, MAX_RUNS
from ..scenario.inputs import TOML_SUFFIX, check_reference
from ..scenario.posterior import drawn_from_posterior
from ..sweep.spec import _MISSING, _bad_path_text, _value_at, factor_name

MAX_CONSTRAINTS = 16
MAX_SCREEN_POINTS = 4096
INTEGER_STEP = 1            # fields that are whole numbers in the scenario (years, ramp years)


class OptimiseError(ToolFileError):
    """An optimisation file that cannot be used: the file, the field, the value, what is allowed."""

    kind = "optimisation"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptimiseMeta(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    base: Annotated[str, AfterValidator(check_reference(TOML_SUFFIX, "the base scenario", "../baseline.toml"))] = Field(
        min_length=1, description="the base scenario file, relative to the optimisation file")
    mode: Literal["cheapest", "frontier"] = Field(
        "cheapest", description="cheapest: the cheapest mix meeting every constraint; frontier: the cost-odds "
                                "frontier of the first constraint (the others still hold)")
    replicates: int = Field(ge=1, le=MAX_RUNS * 10, description="the evaluation budget: every replicate simulated, "
                                                                "search and verification together")
    seed: int = Field(ge=0, description="master seed; the search and the verification use separate streams of it")
    enforce_budget_cap: bool = Field(True, description="a mix whose levers spend more than the base scenario's "
                                                       "budget.annual_total_cny in some year is not allowed "
                                                       "(false: the cap is raised to fit, as in sweeps)")


class Cost(_Strict):
    discount_pct: float = Field(0.0, ge=0, le=50, description="yearly discount rate of the levers' CNY, pct; "
                                                              "the first simulated year is undiscounted")


class Variable(_Strict):
    path: str = Field(min_length=1, description="dotted path of a numeric lever field (or any numeric field)")
    low: float
    high: float
    step: float | None = Field(None, gt=0, description="values are low + k x step (default: continuous; whole "
                                                       "numbers for fields such as start_year)")
    name: str | None = Field(None, description="short name in reports (default: the lever or field name)")


class Constraint(_Strict):
    goals: list[str] = Field(min_length=1, description="goal ids of the base scenario; all must hold together "
                                                       "in their goal years")
    probability: float = Field(gt=0, lt=1, description="the odds the mix must reach, strictly between 0 and 1")
    name: str | None = Field(None, description="short name in reports (default: the goal ids joined by '+')")


class Search(_Strict):
    screen_points: int = Field(32, ge=2, le=MAX_SCREEN_POINTS, description="candidates of the space-filling screen")
    screen_replicates: int = Field(50, ge=4, le=MAX_RUNS, description="replicates of every new candidate")
    surrogate_rounds: int = Field(2, ge=0, le=20, description="rounds of candidates proposed by the surrogate")
    proposals: int = Field(4, ge=1, le=64, description="candidates the surrogate proposes a round")
    growth: int = Field(4, ge=2, le=16, description="a surviving candidate's replicates grow this many times a round")
    max_rounds: int = Field(4, ge=1, le=12, description="racing rounds at most")
    verify_replicates: int = Field(1000, ge=10, le=MAX_RUNS, description="fresh-seed replicates of every verified mix")
    verify_attempts: int = Field(2, ge=1, le=8, description="finalists verified at most, cheapest first (cheapest "
                                                            "mode); the lower bounds are corrected for them")
    frontier_points: int = Field(6, ge=2, le=32, description="frontier mode: points verified on fresh seeds")
    alpha: float = Field(0.05, gt=0, lt=0.5, description="error rate of racing's drops and of the lower bounds")


class OptimiseFile(_Strict):
    optimise: OptimiseMeta
    cost: Cost = Cost()
    variables: list[Variable] = Field(min_length=1, max_length=MAX_FACTORS)
    constraints: list[Constraint] = Field(min_length=1, max_length=MAX_CONSTRAINTS)
    search: Search = Search()


@dataclass(frozen=True)
class Optimisation:
    """A validated optimisation: the file's content, its base scenario and each variable's
    baseline value and whether it is a whole number."""

    spec: OptimiseFile
    path: Path
    base: object                          # the base Scenario
    baseline: dict[str, float]            # variable name -> its value in the base scenario
    integer: dict[str, bool]              # variable name -> the field holds whole numbers

    @property
    def names(self) -> list[str]:
        return [factor_name(v) for v in self.spec.variables]

    @property
    def constraint_names(self) -> list[str]:
        return [constraint_name(c) for c in self.spec.constraints]

    def fingerprint(self) -> str:
        """What determines the optimisation's numbers (not its name or description)."""
        from ..runner import fingerprint as scenario_fingerprint

        doc = self.spec.model_dump(exclude={"optimise": {"name", "description", "base"}})
        doc["base"] = scenario_fingerprint(self.base)
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def constraint_name(c: Constraint) -> str:
    return c.name or "+".join(c.goals)


def load_optimisation(path: str | os.PathLike) -> Optimisation:
    """Read, validate and resolve an optimisation file (its base scenario included)."""

    from ..errors import ScenarioError
    from ..scenario.loader import load_scenario
    from ..scenario.translate import read_tool_file

    path = Path(path)
    name = str(path)
    spec = read_tool_file(path, "optimisation file", OptimiseFile, OptimiseError)
    base_path = (path.parent / spec.optimise.base).resolve()
    try:
        base = load_scenario(base_path, check_inputs=True)
    except ScenarioError as exc:
        raise OptimiseError(name, f"its base scenario cannot be loaded: {exc}", "optimise.base",
                            spec.optimise.base) from None
    baseline, integer = check_variables(name, spec, base)
    check_constraints(name, spec, base)
    check_budget(name, spec)
    opt = Optimisation(spec=spec, path=path, base=base, baseline=baseline, integer=integer)
    check_bounds_fit_cap(opt)
    return opt


# ---- checks ---------------------------------------------------------------------------------------

def check_variables(name: str, spec: OptimiseFile, base) -> tuple[dict[str, float], dict[str, bool]]:
    """Each variable's baseline value and integrality; an error for a bad path, range or step."""
    from ..errors import ScenarioError
    from ..scenario.loader import apply_overrides, scenario_to_dict

    data = scenario_to_dict(base)
    names = [factor_name(v) for v in spec.variables]
    paths = [v.path for v in spec.variables]
    baseline, integer = {}, {}
    for i, (v, vname) in enumerate(zip(spec.variables, names)):
        where = f"variables[{i}]"
        if names.count(vname) > 1 or paths.count(v.path) > 1:
            raise OptimiseError(name, f"two variables are called '{vname}' (or set the same path); give each a "
                                      "distinct path and name", f"{where}.path", v.path)
        drawn = drawn_from_posterior(base, v.path, "the base scenario's")
        if drawn:
            raise OptimiseError(name, f"{drawn}, so it is not a decision the district can take; choose a lever "
                                      "field", f"{where}.path", v.path)
        current = _value_at(data, v.path)
        if current is _MISSING or isinstance(current, (dict, list, str, bool)) or current is None:
            raise OptimiseError(name, _bad_path_text(v.path, data, current), f"{where}.path", v.path)
        if not v.low < v.high:
            raise OptimiseError(name, "the range is empty: low must be below high", f"{where}.high", v.high,
                                f"a number above low = {format_value(v.low)}")
        whole = isinstance(current, int)
        step = v.step if v.step is not None else (INTEGER_STEP if whole else None)
        if whole and (v.low != int(v.low) or step != int(step)):
            field, value = (f"{where}.low", v.low) if v.low != int(v.low) else (f"{where}.step", v.step)
            raise OptimiseError(name, f"{v.path} is a whole number in the scenario, so low and step must be whole "
                                      "numbers", field, value, "a whole number")
        if step is not None and step > v.high - v.low:
            raise OptimiseError(name, "the step is wider than the range, so only low could be chosen",
                                f"{where}.step", v.step, f"at most high - low = {format_value(v.high - v.low)}")
        for end, value in (("low", v.low), ("high", v.high)):
            try:
                apply_overrides(base, {v.path: int(value) if whole else value, "budget.annual_total_cny": 1e18})
            except ScenarioError as exc:
                raise OptimiseError(name, f"the scenario does not accept {v.path} = {format_value(value)}: "
                                          f"{exc.issues[0].describe()}", f"{where}.{end}", value) from None
        baseline[vname], integer[vname] = float(current), whole
    return baseline, integer


def check_constraints(name: str, spec: OptimiseFile, base) -> None:
    """Every goal a constraint names exists in the base scenario; names are distinct."""
    goals = list(base.goals)
    names = [constraint_name(c) for c in spec.constraints]
    for i, c in enumerate(spec.constraints):
        for j, gid in enumerate(c.goals):
            if gid not in base.goals:
                near = suggest(gid, goals)
                hint = f"; did you mean '{near}'?" if near else ""
                raise OptimiseError(name, f"the base scenario has no goal '{gid}'{hint} Its goals: {', '.join(goals)}",
                                    f"constraints[{i}].goals[{j}]", gid)
        if names.count(names[i]) > 1:
            raise OptimiseError(name, f"two constraints are called '{names[i]}'; give each a distinct name",
                                f"constraints[{i}].name", names[i])


def verify_reserve(spec: OptimiseFile) -> int:
    """Replicates kept back for the verification on fresh seeds."""
    s = spec.search
    per = s.verify_attempts if spec.optimise.mode == "cheapest" else s.frontier_points
    return s.verify_replicates * per


def check_budget(name: str, spec: OptimiseFile) -> None:
    """The budget must pay for the screen and the verification, and the verification must be
    able to certify the constraints at all."""
    from .stats import lower_bound

    s = spec.search
    reserve = verify_reserve(spec)
    screen = s.screen_points * s.screen_replicates
    need = screen + reserve + s.surrogate_rounds * s.proposals * s.screen_replicates
    if spec.optimise.replicates < need:
        raise OptimiseError(name, f"the budget is too small: the screen needs {screen:,} replicates "
                                  f"(search.screen_points x search.screen_replicates), the surrogate's proposals "
                                  f"{need - screen - reserve:,} and the verification {reserve:,}",
                            "optimise.replicates", spec.optimise.replicates, f"at least {need:,}")
    alpha = family_alpha(spec)
    n = s.verify_replicates
    for i, c in enumerate(spec.constraints):
        share = (1 + c.probability) / 2         # halfway from the target to certainty
        if lower_bound(round(share * n), n, alpha) < c.probability:
            least = next(m for m in range(n, 100 * n + 2) if lower_bound(round(share * m), m, alpha) >= c.probability)
            raise OptimiseError(name, f"{n:,} verification replicates could not certify P >= {c.probability:g} "
                                      f"(constraints[{i}]) even for a mix whose odds are {share:.2f}; the budget "
                                      "is too small to verify anything", "search.verify_replicates", n,
                                f"at least {least:,}")


def family_alpha(spec: OptimiseFile) -> float:
    """The error rate of each verified lower bound of the recommended mix: alpha split over the
    constraints and the mixes verified (cheapest mode: the attempts; frontier mode: the frontier's
    points), so the bounds hold together whichever mix is recommended (Bonferroni)."""
    s = spec.search
    mixes = s.verify_attempts if spec.optimise.mode == "cheapest" else s.frontier_points
    return s.alpha / (len(spec.constraints) * mixes)


def check_bounds_fit_cap(opt: Optimisation) -> None:
    """With the budget cap enforced, some mix inside the bounds must fit under it."""
    from .candidates import cheapest_corner_peak

    if not opt.spec.optimise.enforce_budget_cap:
        return
    peak, cap = cheapest_corner_peak(opt), opt.base.budget.annual_total_cny
    if peak > cap * (1 + 1e-9):
        raise OptimiseError(str(opt.path), f"no mix inside the variables' bounds fits the base scenario's budget cap "
                                           f"of {cap / 1e6:,.1f}m CNY a year (the most frugal corner spends "
                                           f"{peak / 1e6:,.1f}m in its dearest year): lower the variables' low "
                                           "bounds, or set enforce_budget_cap = false",
                            "optimise.enforce_budget_cap", True)
