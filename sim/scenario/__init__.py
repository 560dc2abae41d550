"""Scenarios: load and validate scenario files (TOML), with ``extends`` for variants.

    from sim.scenario import load_scenario, apply_overrides
    s = load_scenario("scenarios/baseline.toml")
    s2 = apply_overrides(s, {"levers.fiscal_support.rd_subsidy_rate": 0.2})

The names are imported on first use (PEP 562), so ``import sim.scenario`` does not pay for
pydantic and the schema until a name is used. The errors live in ``sim.errors`` (one hierarchy for
the package); ``ScenarioError`` and ``UserError`` are re-exported here. Nothing here imports
matplotlib or mesa.
"""

from __future__ import annotations

from .._lazy import lazy_exports
from typing import TYPE_CHECKING

_EXPORTS = {
    "Scenario": ".schema",
    "ScenarioError": "..errors",
    "UserError": "..errors",
    "load_scenario": ".loader",
    "load_scenario_dict": ".loader",
    "apply_overrides": ".loader",
    "scenario_to_dict": ".loader",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names load lazily
    from ..errors import ScenarioError, UserError  # noqa: F401
    from .loader import apply_overrides, load_scenario, load_scenario_dict, scenario_to_dict  # noqa: F401
    from .schema import Scenario  # noqa: F401


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
