"""The cases scenario discovery explains: inputs per case, and per outcome the case's failures out
of its trials.

- On a run, a case is one replicate (its drawn inputs from ``inputs.parquet``, one trial): the
  replicates are independent draws, so the cases are too.
- On a design, a case is one design point (its factor values, as many trials as replicates): the
  replicates of a point share its inputs and are correlated through them, so a point is resampled
  and tested as a whole (``clustered``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError, suggest


@dataclass
class Cases:
    """``x`` (n, d) inputs named ``names`` (dotted scenario paths) with ``units``; ``fails`` per
    outcome key (n,) out of ``trials`` (n,); ``clustered`` if a case holds several replicates."""

    x: np.ndarray
    names: list[str]
    fails: dict[str, np.ndarray]
    trials: np.ndarray
    clustered: bool
    units: dict[str, str] = field(default_factory=dict)
    meanings: dict[str, str] = field(default_factory=dict)
    ids: np.ndarray | None = None          # replicate or point index of each case

    @property
    def integers(self) -> set[str]:
        """Inputs that take whole numbers only (registry integers, or every value whole)."""
        from .. import parameters

        out = set()
        for j, name in enumerate(self.names):
            section, _, pname = name.partition(".")
            p = parameters.BY_SECTION.get(section, {}).get(pname)
            if (p is not None and p.integer) or np.all(np.mod(self.x[:, j], 1) == 0):
                out.add(name)
        return out

    def __len__(self) -> int:
        return self.x.shape[0]

    def of_interest(self, key: str, target: str) -> "Cases":
        """These cases with outcome ``key`` counted as the cases of interest: its failures
        (``target="fail"``) or its successes (``"reach"``)."""
        if target == "fail":
            return self
        fails = dict(self.fails)
        fails[key] = self.trials - self.fails[key]
        return Cases(self.x, self.names, fails, self.trials, self.clustered, self.units, self.meanings, self.ids)

    def subset(self, rows: np.ndarray) -> "Cases":
        return Cases(self.x[rows], self.names, {k: v[rows] for k, v in self.fails.items()}, self.trials[rows],
                     self.clustered, self.units, self.meanings, None if self.ids is None else self.ids[rows])


def registry_info(names: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Units and meanings of dotted parameter paths (from ``sim/parameters.py``)."""
    from .. import parameters

    units, meanings = {}, {}
    for name in names:
        section, _, pname = name.partition(".")
        p = parameters.BY_SECTION.get(section, {}).get(pname)
        if p is not None:
            units[name], meanings[name] = p.unit, p.meaning
    return units, meanings


def choose_inputs(available: list[str], wanted: list[str] | None, where: str) -> list[str]:
    """The inputs to analyse: ``wanted`` (checked against ``available``), else all available."""
    if not wanted:
        return list(available)
    for name in wanted:
        if name not in available:
            near = suggest(name, available)
            hint = f"; did you mean '{near}'?" if near else ""
            shown = ", ".join(available[:12]) + (", ..." if len(available) > 12 else "")
            raise UserError(f"--inputs {name}: {where} has no such uncertain input{hint}. It holds: {shown} "
                            "(dotted scenario paths, as in inputs.parquet)")
    return list(dict.fromkeys(wanted))


def varying(x: np.ndarray, names: list[str]) -> list[int]:
    """Columns that take more than one value (a constant input explains nothing)."""
    return [j for j in range(len(names)) if np.unique(x[:, j]).size > 1]
