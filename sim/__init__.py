"""Hechuan innovation-ecosystem simulator: the odds that Hechuan District reaches the goals of its
S&T innovation plan (2026, 2035), for a policy mix written in a scenario file.

    import sim
    scenario = sim.load_scenario("scenarios/baseline.toml")
    out = sim.run_scenario(scenario, runs=1000, seed=1)
    print(sim.format_table(out.odds, scenario.goals))

For a model driven from outside (EMA Workbench: docs/EMA.md), ``apply_overrides`` sets scenario
paths, raising the budget cap with ``raise_budget_cap=True`` and refusing a parameter the posterior
supplies, and ``run_scenario(..., runs=1, first_replicate=i)`` runs replicate ``i`` alone, with
the numbers it has in a full run.

``import sim`` is light: the names below load on first use, and matplotlib and mesa are never
imported by it.
"""

from __future__ import annotations

from ._lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "load_scenario": ".scenario.loader",
    "apply_overrides": ".scenario.loader",
    "Scenario": ".scenario.schema",
    "ScenarioError": ".errors",
    "run_scenario": ".runner",
    "write_outputs": ".runner",
    "evaluate": ".goals",
    "compare": ".goals",
    "format_table": ".report",
    "format_compare": ".report",
    "Results": ".results",
    "read_indicators": ".results",
    "fan_charts": ".plots",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
