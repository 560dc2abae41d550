"""innovsim as an EMA Workbench model (docs/EMA.md): levers and uncertainties in, the odds of
each goal out. One EMA replication is one replicate of the seed (met: 1, not: 0); an outcome is
their mean over the replications, the goal's odds in that experiment.

    python docs/examples/ema_model.py [EXPERIMENTS] [REPLICATIONS]     (needs ema_workbench)
"""

import sys
from pathlib import Path

import numpy as np
import sim
from ema_workbench import RealParameter, ReplicatorModel, ScalarOutcome, SequentialEvaluator

BASE = sim.load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml")
SEED = 1
# EMA name -> (scenario path, low, high); uncertainties the posterior holds are refused by apply_overrides
LEVERS = {"fiscal_budget": ("levers.fiscal_support.annual_budget_cny", 40e6, 160e6),
          "subsidy_rate": ("levers.fiscal_support.rd_subsidy_rate", 0.0, 0.2)}
UNCERTAINTIES = {"peer_growth": ("uncertainties.peer_index_growth", 0.5, 4.0),
                 "exit_rate": ("uncertainties.exit_rate", 0.025, 0.05)}


def innovsim(replicate=0, **overrides):
    """One replicate of the baseline with ``overrides`` (scenario path -> value): goal -> 1 met, 0 not."""
    scenario = sim.apply_overrides(BASE, overrides, raise_budget_cap=True)   # levers may pass the cap
    run = sim.run_scenario(scenario, runs=1, seed=SEED, first_replicate=replicate, workers=1)
    return {goal: odds.probability for goal, odds in run.odds.goals.items()}


model = ReplicatorModel("innovsim", function=innovsim)
model.levers = [RealParameter(n, lo, hi, variable_name=p) for n, (p, lo, hi) in LEVERS.items()]
model.uncertainties = [RealParameter(n, lo, hi, variable_name=p) for n, (p, lo, hi) in UNCERTAINTIES.items()]
model.outcomes = [ScalarOutcome(goal, function=np.mean) for goal in BASE.goals]   # odds

if __name__ == "__main__":
    experiments, replications = (int(a) for a in (sys.argv[1:] + ["8", "5"])[:2])
    model.replications = [{"replicate": i} for i in range(replications)]
    with SequentialEvaluator(model) as evaluator:
        cases, outcomes = evaluator.perform_experiments(scenarios=experiments, policies=2)
    print(cases[[*LEVERS, *UNCERTAINTIES]].assign(digital_core_10=outcomes["digital_core_10"]).round(3).to_string())
    print("odds over the experiments:", {goal: round(float(v.mean()), 3) for goal, v in outcomes.items()})
