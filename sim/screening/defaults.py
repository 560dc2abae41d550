"""The screening's default sizes, in one light module (the CLI reads them without numpy).

They are set so that a full screening of ``scenarios/baseline.toml`` (every parameter, no levers)
finishes within 30 minutes on 2 cores; docs/SCREENING.md gives the measurement.
"""

TRAJECTORIES = 20         # Morris trajectories, each of (factors + 1) design points
RUNS = 64                 # replicates per design point
REFINE = 4                # factors of the Sobol' refinement
REFINE_ROWS = 64          # its base rows N (a power of 2): N (REFINE + 2) design points
LEVELS = 4                # Morris grid levels (step 2/3 of the range)
