"""Screening: which assumptions each goal's odds hang on (``innovsim screen``).

A global screening of every numeric parameter of a scenario (start values, behaviour, rules and,
optionally, the levers): Morris elementary effects on trajectories through every parameter's
range, then a Sobol' refinement of the few that matter most; each design point's replicates run
on the execution layer and are checkpointed, so a screening resumes after an interruption.
Method, budgets and how to read the outputs: docs/SCREENING.md.

- ``space``: the factors, the range each is varied over and what a design point means for it;
- ``design``: the Morris trajectories (SALib) and the Saltelli design of the refinement;
- ``points``: one design point, simulated where the worker is;
- ``runner``: both stages on an executor, with checkpoints and the folder lock;
- ``effects``: Morris statistics (SALib) in percentage points, with intervals and noise;
- ``refine``: Sobol' indices of the refined factors (scipy, as the sweep's analysis);
- ``report``: ranking.csv, the tornado charts, report.md;
- ``shipped``: the shipped baseline screening's top assumptions, for reports.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "Factor": ".space",
    "build_space": ".space",
    "Settings": ".runner",
    "Screening": ".runner",
    "screen": ".runner",
    "morris_effects": ".effects",
    "sobol_table": ".refine",
    "ranking": ".report",
    "write_outputs": ".report",
    "top_assumptions": ".shipped",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
