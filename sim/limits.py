"""Upper bounds on what an input may ask for, checked before anything is allocated.

A scenario, sweep or calibration file is written by a person, but nothing stops it (or a typo in
it) from asking for a billion replicates, a grid of 10^9 points or a table nested 5,000 deep.
Each bound below is far above what any real use needs and far below what would exhaust memory
or Python's stack; crossing one is a ``UserError`` (one paragraph, exit code 2) that names the
file, the field, the value and the bound, never a ``MemoryError`` or ``RecursionError``. The
bounds are documented for users in ``docs/LIMITS.md``; change both together.

This module imports nothing, so every layer (the scenario schema, the sweep and calibration
files, the runner) can take its bounds from here.
"""

from __future__ import annotations

MiB = 1024 * 1024

# ---- runs ---------------------------------------------------------------------------------------

#: Replicates of one run (a scenario's run.replicates, --runs, a sweep point's replicates, and the
#: most ``--precision`` may grow a run to). The Monte Carlo standard error of an odds at 200,000
#: runs is at most 0.11 percentage points, below anything a planner can use; the indicator table
#: of 200,000 runs (31 indicators x 14 years of float64) already takes about 0.7 GB of memory.
MAX_RUNS = 200_000

# ---- sweeps -------------------------------------------------------------------------------------

#: Points of one sweep design, counted before the design is built: each point is a run of its
#: replicates, so 100,000 points of even 16 replicates are a day of computing on a workstation;
#: the design table itself stays small (100,000 x MAX_FACTORS float64 is about 100 MB).
MAX_SWEEP_POINTS = 100_000

#: Levels of one factor in a grid design. A response curve needs tens of levels; 1,000 is a
#: curve drawn to the pixel. Several factors multiply, and MAX_SWEEP_POINTS bounds the product.
MAX_GRID_LEVELS = 1_000

#: Factors of one sweep. The scenario has about 130 registry parameters and a few numeric fields
#: per lever; a sensitivity analysis of all of them at once is already unreadable, and each factor
#: is checked against the base scenario (two validations) when the file is loaded.
MAX_FACTORS = 128

# ---- files --------------------------------------------------------------------------------------

#: Links of one ``extends`` chain (a variant of a variant of ...). The shipped variants use one;
#: a chain people can still follow is a handful long. Bounding it keeps the loader's work and
#: memory (one parsed file per link) small and its error clear.
MAX_EXTENDS_DEPTH = 16

#: Nesting of tables and arrays in one TOML file, the top-level table counting as 1. The deepest
#: shipped files nest 5 (goals.<id>.conditions[i] = {...}). The TOML parser, the merge
#: of ``extends`` and the validation all recurse once per level, so a file nested thousands deep
#: would end in a RecursionError; the text is scanned before it is parsed.
MAX_TOML_DEPTH = 32

#: Size of one TOML file (scenario, sweep or calibration). The baseline, every parameter with its
#: source, is about 30 KB; 8 MiB is 250 times that, and parses in a few seconds.
MAX_TOML_BYTES = 8 * MiB

#: Size of one CSV file (observations, posterior). The shipped posterior (300 particles) is
#: 35 KB and the observations 4 KB; 64 MiB holds a posterior of about half a million samples,
#: which is still read into memory (and checked row by row) in seconds.
MAX_CSV_BYTES = 64 * MiB

# ---- names --------------------------------------------------------------------------------------

#: Characters of a goal id (a key of [goals]). Goal ids become parts of file names
#: (fan_<goal>.png) and column values; 64 keeps every such name well inside the 255 bytes a file
#: name may have on common file systems.
MAX_GOAL_ID_LENGTH = 64


def size_text(n_bytes: int) -> str:
    """'8 MiB', '35.2 KB': a file size for messages."""
    if n_bytes >= MiB:
        mib = n_bytes / MiB
        return f"{mib:.0f} MiB" if mib.is_integer() else f"{mib:.1f} MiB"
    if n_bytes >= 1024:
        return f"{n_bytes / 1024:.1f} KB"
    return f"{n_bytes} bytes"
