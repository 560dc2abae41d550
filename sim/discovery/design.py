"""Discovery on a design: a space-filling sample of chosen uncertainties and levers, with
replicates per point, run as a sweep.

The design is a sweep (``sim.sweep``) built from the command's options rather than read from a
file: its factors are the chosen inputs with their ranges, its design a Latin hypercube or a
scrambled Sobol' sample (``scipy.stats.qmc``, ``sim.sweep.design``), every point runs the same
replicates of one seed. It runs on the execution layer exactly as ``innovsim sweep`` runs
(``sim.sweep.runner.run_sweep``: any executor, every finished point committed to
``DIR/sweep.sqlite`` and a checkpoint record the moment it ends), so an interrupted discovery
resumes where it stopped and ends with the numbers of an uninterrupted one.

A factor's range is given as ``PATH=LOW:HIGH``; without one, an uncertain input's range is its
distribution's support in the scenario (a lever must be given one). A factor drawn from the
scenario's posterior file would be overwritten by the posterior, so it is refused.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import UserError

KINDS = ("lhs", "sobol")


def parse_factor(text: str, scenario) -> tuple[str, float, float]:
    """``PATH[=LOW:HIGH]`` -> (path, low, high), the range defaulting to the distribution's support."""
    from ..scenario.distributions import as_dist
    from ..scenario.posterior import drawn_from_posterior

    path, eq, rng = str(text).partition("=")
    section, _, name = path.partition(".")
    drawn = drawn_from_posterior(scenario, path)
    if drawn:
        raise UserError(f"--inputs {text}: {drawn}, which would replace every value the design sets; discover on a "
                        "scenario with [posterior] enabled = false (e.g. scenarios/baseline_priors.toml), or analyse "
                        "the run's own draws (no --design)")
    if eq:
        try:
            low_text, high_text = rng.split(":")
            low, high = float(low_text), float(high_text)
        except ValueError:
            raise UserError(f"--inputs {text}: the range must be written LOW:HIGH, e.g. "
                            f"{path}=2.5:6.5") from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise UserError(f"--inputs {text}: the range is empty or not finite; write LOW:HIGH with LOW < HIGH")
        return path, low, high
    if section in ("initial", "uncertainties", "rules"):
        values = getattr(scenario, section)
        if hasattr(values, name):
            low, high = as_dist(getattr(values, name)).support()
            if math.isfinite(low) and math.isfinite(high) and low < high:
                return path, float(low), float(high)
            raise UserError(f"--inputs {text}: {path} has no finite range in the scenario (a fixed value or an "
                            f"unbounded distribution); give one, e.g. {path}=LOW:HIGH")
    raise UserError(f"--inputs {text}: a design needs a range for {path}; write {path}=LOW:HIGH (uncertain inputs "
                    "given as bounded distributions default to their range)")


def build_sweep(scenario, factors: list[tuple[str, float, float]], kind: str, points: int, replicates: int,
                seed: int, design_seed: int, where: Path):
    """The sweep (``sim.sweep.spec.Sweep``) of a discovery design; factors are named by path."""
    from pydantic import ValidationError

    from ..scenario.distributions import as_dist
    from ..sweep.spec import Design, Factor, Sweep, SweepError, SweepFile, SweepMeta, check_design

    if not factors:
        raise UserError("--design needs the inputs to vary: give them with --inputs PATH[=LOW:HIGH] ...")
    try:
        spec = SweepFile(sweep=SweepMeta(name=f"discover-{scenario.meta.name}", base="scenario.toml",
                                         replicates=replicates, seed=seed),
                         design=Design(kind=kind, points=points, seed=design_seed),
                         factors=[Factor(path=p, low=lo, high=hi, name=p) for p, lo, hi in factors])
    except ValidationError as exc:
        raise UserError(f"the discovery design is not valid: {exc.errors()[0]['msg']} (--design, --points, "
                        "--replicates, --inputs)") from None
    try:
        n = check_design("the discovery design", spec)
    except SweepError as exc:
        raise UserError(str(exc).replace("design.points", "--points")) from None
    _check_factors(scenario, spec)
    baseline = {}
    for p, lo, hi in factors:
        section, _, name = p.partition(".")
        values = getattr(scenario, section, None)
        current = getattr(values, name, None) if values is not None else None
        baseline[p] = float(as_dist(current).central()) if current is not None and not isinstance(current, dict) \
            else (lo + hi) / 2
    return Sweep(spec=spec, path=where / "design.toml", base=scenario, baseline=baseline, n_points=n)


def _check_factors(scenario, spec) -> None:
    """Every factor's ends must be values the scenario accepts."""
    from ..errors import ScenarioError
    from ..scenario.loader import apply_overrides

    for f in spec.factors:
        for value in (f.low, f.high):
            try:
                apply_overrides(scenario, {f.path: value, "budget.annual_total_cny": 1e18})
            except ScenarioError as exc:
                raise UserError(f"--inputs {f.path}: the scenario does not accept {f.path} = {value:g}: "
                                f"{exc.issues[0].describe()}") from None


def run_design(sweep, out: Path, executor, progress=None, restart: bool = False):
    """Run (or resume) the design's points into ``out``; returns the sweep's summary."""
    from ..sweep.runner import run_sweep

    return run_sweep(sweep, out, executor, progress=progress, restart=restart)


def design_cases(folder: Path, outcomes: list, names: list[str]):
    """The cases of a finished design: one per successful point, its factor values and, per
    outcome, the failures among its replicates."""
    from ..sweep.store import read_sweep
    from .cases import Cases, registry_info

    data = read_sweep(folder)
    ok = data.results[data.results.status == "ok"][["point", "runs"]]
    design = data.design.merge(ok, on="point")
    goals = data.goals
    fails = {}
    for o in outcomes:
        key = o.goal if o.kind == "goal" else f"joint_{o.year}"
        attained = goals[goals.goal == key].set_index("point")["attained"]
        fails[o.key] = design["runs"].to_numpy(float) - attained.reindex(design["point"]).to_numpy(float)
    units, meanings = registry_info(names)
    return Cases(design[names].to_numpy(float), list(names), fails, design["runs"].to_numpy(float), True,
                 units, meanings, design["point"].to_numpy(np.int64))
