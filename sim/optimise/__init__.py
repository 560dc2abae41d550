"""Chance-constrained lever optimisation: the cheapest mix of levers whose odds of the goals
reach a target, or the cost-odds frontier (``innovsim optimise``, docs/OPTIMISE.md).

- ``spec``: the optimisation file (TOML), validated with clear errors;
- ``cost``: a mix's CNY over the horizon and the budget cap;
- ``candidates``: mixes in the variables' box, the space-filling screen, derived seed streams;
- ``evaluate``: evaluation blocks on the execution layer, checkpointed, replayed on resume;
- ``stats``: Clopper-Pearson bounds, the paired test on common random numbers, Bonferroni;
- ``surrogate``: a logistic model of the odds that proposes candidates;
- ``search``: screen, racing, final choice and verification on fresh seeds;
- ``run``, ``outputs``, ``charts``, ``report``: the command's folder and files;
- ``toy``: a synthetic problem with a known answer behind the block-simulator contract.

    from sim.optimise import load_optimisation, run_optimisation
    from sim.execution import LocalProcesses
    opt = load_optimisation("scenarios/optimise/hte_2030.toml")
    outcome, _ = run_optimisation(opt, "results/opt", LocalProcesses(2))
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "OptimiseError": ".spec",
    "load_optimisation": ".spec",
    "optimise": ".run",
    "run_optimisation": ".run",
    "ToySimulator": ".toy",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
