"""Writing posterior files: the calibration's output, which scenarios draw calibrated parameters
from. The format, and the reader a scenario uses, are in ``sim/scenario/posterior.py`` (a
posterior is a scenario input; the forecast core never imports the calibration)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..execution.files import atomic_write, make_folder
from ..scenario.posterior import BASE_YEAR, WEIGHT


def write_posterior(path: str | Path, names, samples: np.ndarray, weights: np.ndarray, base_year: int) -> Path:
    """Write a posterior CSV, all or nothing; ``base_year`` is the year of the state its start
    values were simulated in (the hindcast's last year), where a forecast drawing from it starts."""
    import pandas as pd

    path = Path(path)
    make_folder(path.parent)
    df = pd.DataFrame(np.asarray(samples, float), columns=list(names))
    df.insert(0, BASE_YEAR, int(base_year))
    df.insert(0, WEIGHT, np.asarray(weights, float) / np.sum(weights))
    return atomic_write(path, df.to_csv(index=False, float_format="%.10g"))
