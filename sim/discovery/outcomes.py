"""What scenario discovery explains: a goal that fails, all goals of a year that fail together, or
a goal not reached by a year (a time-to-event outcome).

An outcome is written as the command line names it:

- ``GOAL`` (``--goal hte_250``): the goal does not hold in its goal year;
- ``GOAL@YEAR`` (``--goal hte_250@2028``): the goal has not held in any year from the base year
  + 1 up to YEAR ("not reached by 2028"; ``sim.goals.reached_by_year``);
- ``joint_YEAR`` (``--joint 2026``): not every goal of goal year YEAR holds in that year.

A *failure* is the case PRIM looks for: the boxes say where the plan fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UserError, suggest


@dataclass(frozen=True)
class Outcome:
    """One outcome: ``key`` (as written), ``kind`` (goal, reached_by, joint), goal id, year."""

    key: str
    kind: str
    goal: str | None
    year: int
    name_en: str
    name_zh: str

    @property
    def fails_en(self) -> str:
        if self.kind == "joint":
            return f"the {self.year} goals fail together"
        if self.kind == "reached_by":
            return f"the goal '{self.name_en}' is not reached by {self.year}"
        return f"the {self.year} goal '{self.name_en}' fails"

    @property
    def fails_zh(self) -> str:
        if self.kind == "joint":
            return f"{self.year}年各项目标未能全部实现"
        if self.kind == "reached_by":
            return f"“{self.name_zh}”目标到{self.year}年仍未实现"
        return f"{self.year}年“{self.name_zh}”目标未实现"

    @property
    def reaches_en(self) -> str:
        if self.kind == "joint":
            return f"the {self.year} goals are all reached together"
        if self.kind == "reached_by":
            return f"the goal '{self.name_en}' is reached by {self.year}"
        return f"the {self.year} goal '{self.name_en}' is reached"

    @property
    def reaches_zh(self) -> str:
        if self.kind == "joint":
            return f"{self.year}年各项目标全部实现"
        if self.kind == "reached_by":
            return f"“{self.name_zh}”目标到{self.year}年已实现"
        return f"{self.year}年“{self.name_zh}”目标实现"

    def to_dict(self) -> dict:
        return {"key": self.key, "kind": self.kind, "goal": self.goal, "year": self.year,
                "name": self.name_en, "name_zh": self.name_zh}


def parse_outcomes(scenario, goals: list[str] | None, joint: list[int] | None) -> list[Outcome]:
    """The outcomes named by ``--goal`` and ``--joint`` (default: every goal of the scenario)."""
    h = scenario.horizon
    out: list[Outcome] = []
    if not goals and not joint:
        goals = list(scenario.goals)
    for text in goals or []:
        gid, _, year_text = str(text).partition("@")
        if gid not in scenario.goals:
            near = suggest(gid, list(scenario.goals))
            hint = f" (did you mean '{near}'?)" if near else ""
            raise UserError(f"--goal {text}: the scenario '{scenario.meta.name}' has no goal '{gid}'{hint}; its goals "
                            f"are {', '.join(scenario.goals)}. Write --goal ID, or --goal ID@YEAR for 'not reached "
                            "by YEAR'")
        g = scenario.goals[gid]
        if year_text:
            try:
                year = int(year_text)
            except ValueError:
                raise UserError(f"--goal {text}: '{year_text}' is not a year; write --goal {gid}@2028 for 'not "
                                "reached by 2028'") from None
            if not h.base_year < year <= h.end_year:
                raise UserError(f"--goal {text}: {year} is outside the simulated years {h.base_year + 1}.."
                                f"{h.end_year}")
            out.append(Outcome(text, "reached_by", gid, year, g.name, g.name_zh))
        else:
            out.append(Outcome(gid, "goal", gid, int(g.year), g.name, g.name_zh))
    years = sorted({int(g.year) for g in scenario.goals.values()})
    for year in joint or []:
        if int(year) not in years:
            raise UserError(f"--joint {year}: no goal of the scenario has that year; goal years are "
                            f"{', '.join(map(str, years))}")
        out.append(Outcome(f"joint_{year}", "joint", None, int(year), f"all {year} goals", f"{year}年全部目标"))
    return list({o.key: o for o in out}.values())


def failures(outcome: Outcome, goals: dict, results) -> np.ndarray:
    """Bool (R,): the outcome's failure in each replicate of ``results``."""
    from ..goals import goal_met, goal_outcomes, joint_outcomes

    if outcome.kind == "joint":
        return ~joint_outcomes(goals, results)[outcome.year]
    if outcome.kind == "goal":
        return ~goal_outcomes({outcome.goal: goals[outcome.goal]}, results)[outcome.goal]
    met = goal_met(goals[outcome.goal], results)
    cols = (results.years > results.base_year) & (results.years <= outcome.year)
    return ~met[:, cols].any(axis=1)
