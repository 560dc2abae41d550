"""The calibration file (``calibration/targets.toml``): what is fitted, to what, and how.

    [calibration]
    scenario = "../scenarios/baseline.toml"   # the forecast scenario whose parameters are fitted
    observations = "data/observed.csv"        # the observed figures (sim/calibration/observations.py)
    population = 300                          # ABC-SMC particles per generation
    generations = 6
    seed = 1

    [hindcast]                                # the model started in 2017 and run to the latest
    base_year = 2017                          # observed year (end_year = 2025 to fix it)
    [hindcast.set]                            # the 2017 start and the rules then in force
    "initial.hte_count" = { dist = "triangular", low = 25, mode = 50, high = 85 }
    "rules.superdeduction_extra" = 75

    [parameters]
    fit = ["initial.hte_count", "uncertainties.hte_apply_prob", ...]   # their priors: the hindcast's distributions
    to_forecast = { hte_count = "hte_count", ... }   # forecast start value <- the hindcast's last-year indicator

    [[targets]]                               # one per observed series
    series = "cq_hte_cagr"
    statistic = "cagr"                        # level | growth | cagr
    indicator = "hte_count"
    sd_scale = 4                              # the observation's sd times this (a district is not the city)

Mistakes give a ``CalibrationError`` naming the file, the field, the value and what is allowed;
the schema's own complaints are all listed, translated like a scenario's
(``sim.scenario.translate``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..errors import ToolFileError, suggest
from ..scenario.inputs import CSV_SUFFIX, TOML_SUFFIX, check_reference


class CalibrationError(ToolFileError):
    """A calibration file that cannot be used: the file, the field, the value, what is allowed
    (``CalibrationError(file, message, field, value, allowed)``, or every problem: ``from_issues``)."""

    kind = "calibration"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Settings(_Strict):
    scenario: Annotated[str, AfterValidator(check_reference(TOML_SUFFIX, "the forecast scenario",
                                                            "../scenarios/baseline.toml"))] = Field(min_length=1)
    observations: Annotated[str, AfterValidator(check_reference(CSV_SUFFIX, "the observed figures",
                                                                "data/observed.csv"))] = Field(min_length=1)
    population: int = Field(300, ge=10, le=100_000)
    generations: int = Field(6, ge=1, le=100)
    quantile: float = Field(0.5, gt=0, lt=1)
    batch: int = Field(256, ge=8, le=100_000)
    max_simulations: int = Field(200_000, ge=100)
    seed: int = Field(1, ge=0)


class Hindcast(_Strict):
    base_year: int = Field(2017, ge=2000, le=2100)
    end_year: int | None = Field(None, ge=2001, le=2150,
                                 description="the last simulated year, where the forecast starts (default: the "
                                             "latest year of the observation file)")
    set: dict[str, Any] = Field(default_factory=dict)


class Parameters(_Strict):
    fit: list[str] = Field(min_length=1)
    hindcast_only: list[str] = Field(default_factory=list, description="fitted, but not carried to the forecast")
    to_forecast: dict[str, str] = Field(default_factory=dict, description=(
        "start value <- 'INDICATOR' (its value in the hindcast's last year) or 'INDICATOR since YEAR' (what a "
        "cumulative indicator gained from YEAR on)"))


class Target(_Strict):
    series: str
    statistic: Literal["level", "growth", "cagr"]
    indicator: str
    start: int | None = Field(None, description="cagr: the first year (default: the hindcast's base year)")
    sd_scale: float = Field(1.0, gt=0)
    note: str = Field("", description="what is known of how the model fits this figure; the report prints "
                                      "it beside a figure fitted poorly")


class TargetsFile(_Strict):
    calibration: Settings
    hindcast: Hindcast = Hindcast()
    parameters: Parameters
    targets: list[Target] = Field(min_length=1)


@dataclass(frozen=True)
class Calibration:
    """A validated calibration: the file's content with paths resolved."""

    spec: TargetsFile
    path: Path
    scenario_path: Path
    observations_path: Path


def load_targets(path: str | os.PathLike) -> Calibration:
    """Read and check a calibration file (paths, parameter names, indicators, statistics)."""

    from .. import parameters
    from ..indicators import INDICATORS
    from ..scenario.translate import read_tool_file
    from .observations import VOCABULARY as SERIES

    path = Path(path)
    name = str(path)
    spec = read_tool_file(path, "calibration file", TargetsFile, CalibrationError)

    registry = {p.name: p for p in parameters.ALL}
    sections = {p.name: p.section for p in parameters.ALL}
    for i, dotted in enumerate(spec.parameters.fit):
        section, _, pname = dotted.partition(".")
        if pname not in registry or sections[pname] != section:
            valid = [f"{p.section}.{p.name}" for p in parameters.ALL if p.section != "rules"]
            near = suggest(dotted, valid)
            raise CalibrationError(name,
                                   "not a parameter of the scenario" + (f"; did you mean '{near}'?" if near else ""),
                                   f"parameters.fit[{i}]", dotted)
    for i, dotted in enumerate(spec.parameters.hindcast_only):
        if dotted not in spec.parameters.fit:
            raise CalibrationError(name, "hindcast_only lists a parameter that is not fitted",
                                   f"parameters.hindcast_only[{i}]", dotted, "names from parameters.fit")
    for start, value in spec.parameters.to_forecast.items():
        if start not in registry or sections[start] != "initial":
            raise CalibrationError(name, "not a start value ([initial]) of the scenario",
                                   f"parameters.to_forecast.{start}")
        ind, _, since = value.partition(" since ")
        if since and not (since.isdigit() and spec.hindcast.base_year <= int(since)):
            raise CalibrationError(name, "the year after 'since' must be a hindcast year",
                                   f"parameters.to_forecast.{start}", value,
                                   f"'INDICATOR since YEAR' with YEAR from {spec.hindcast.base_year} on")
        if ind not in INDICATORS:
            raise CalibrationError(name, "not an indicator", f"parameters.to_forecast.{start}", ind,
                                   "one of " + ", ".join(INDICATORS))
    for i, t in enumerate(spec.targets):
        if t.series not in SERIES:
            near = suggest(t.series, SERIES)
            raise CalibrationError(name, "unknown series" + (f"; did you mean '{near}'?" if near else ""),
                                   f"targets[{i}].series", t.series, ", ".join(SERIES))
        if t.indicator not in INDICATORS:
            near = suggest(t.indicator, INDICATORS)
            raise CalibrationError(name, "unknown indicator" + (f"; did you mean '{near}'?" if near else ""),
                                   f"targets[{i}].indicator", t.indicator)
    scenario_path = (path.parent / spec.calibration.scenario).resolve()
    observations_path = (path.parent / spec.calibration.observations).resolve()
    for field, p in (("calibration.scenario", scenario_path), ("calibration.observations", observations_path)):
        if not p.is_file():
            raise CalibrationError(name, f"no such file ({p}; read relative to the calibration file)", field,
                                   getattr(spec.calibration, field.split(".")[1]))
    last = _read_references(name, spec, scenario_path, observations_path)
    if spec.hindcast.end_year is None:      # the hindcast runs to the latest observed year
        spec = spec.model_copy(update={"hindcast": spec.hindcast.model_copy(update={"end_year": last})})
    h = spec.hindcast
    if not h.base_year < h.end_year:
        raise CalibrationError(name, "the hindcast must end after it starts", "hindcast.end_year", h.end_year)
    return Calibration(spec, path, scenario_path, observations_path)


def _read_references(name: str, spec: TargetsFile, scenario_path: Path, observations_path: Path) -> int:
    """Read the scenario and the observations the calibration names, so that a broken one is
    reported when the calibration file is loaded, before anything is written; return the latest
    observed year."""
    from ..errors import ScenarioError
    from ..scenario.loader import load_scenario
    from .observations import load_observations

    try:
        load_scenario(scenario_path)
    except ScenarioError as exc:
        raise CalibrationError(name, f"its scenario cannot be loaded: {exc}", "calibration.scenario",
                               spec.calibration.scenario) from None
    window = (spec.hindcast.base_year,) + ((spec.hindcast.end_year,) if spec.hindcast.end_year else ())
    return load_observations(observations_path, *window).last_year


def budget_copy(targets: Path, folder: Path, name: str, observed: Path | None = None,
                population: int | None = None, generations: int | None = None, batch: int | None = None) -> Path:
    """A copy of calibration file ``targets`` in ``folder`` with absolute paths and, where given,
    another observation file and budget."""
    cal = load_targets(targets)
    text = Path(targets).read_text(encoding="utf-8")
    text = re.sub(r'^scenario = ".*"', f'scenario = "{cal.scenario_path.as_posix()}"', text, count=1, flags=re.M)
    obs = Path(observed) if observed is not None else cal.observations_path
    text = re.sub(r'^observations = ".*"', f'observations = "{obs.resolve().as_posix()}"', text, count=1, flags=re.M)
    for key, value in (("population", population), ("generations", generations), ("batch", batch)):
        if value is not None:
            text = re.sub(rf"^{key} = \d+", f"{key} = {value}", text, count=1, flags=re.M)
    path = Path(folder) / name
    path.write_text(text, encoding="utf-8")
    return path
