"""Writing posterior files: the calibration's output, which scenarios draw calibrated parameters
from. The format, and the reader a scenario uses, are in ``sim/scenario/posterior.py`` (a
posterior is a scenario input; the forecast core never imports the calibration)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..scenario.posterior import WEIGHT


def write_posterior(path: str | Path, names, samples: np.ndarray, weights: np.ndarray) -> Path:
    """Write a posterior CSV (atomically: a temporary file renamed into place)."""
    import os

    import pandas as pd

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(np.asarray(samples, float), columns=list(names))
    df.insert(0, WEIGHT, np.asarray(weights, float) / np.sum(weights))
    tmp = path.with_name(path.name + ".tmp")
    df.to_csv(tmp, index=False, float_format="%.10g")
    os.replace(tmp, path)
    return path
