"""The inputs table of a run: the uncertain inputs each replicate drew, beside its indicators.

Every replicate of a run draws its own values of the scenario's uncertain inputs: each start
value, uncertainty or rule given as a distribution, and, in a scenario with a ``[posterior]``
file, one row (a *particle*) of that file, whose values replace the distributions of the
parameters it holds. ``innovsim run --out DIR`` records them in ``DIR/inputs.parquet`` so that
an analysis can ask which inputs go with which outcomes (``innovsim discover``, the report's
switching values) without simulating anything again.

The draws are recomputed from the replicate's own parameter stream, with the very function the
engine draws its parameters with (``sim.core.params.sample_parameters_and_particles``): the same
numbers the engine used, for any worker count or chunk size (a replicate's stream is keyed by
(seed, replicate) only). A calibration's proposed values (parameter overrides) are not part of a
run, so they never appear here.

On disk (the inputs file)
-------------------------
One Parquet file, one row per replicate, sorted by replicate. Columns, in this order:

==========================  =========  ============================================================
column                      type       meaning
==========================  =========  ============================================================
``replicate``               int64      global replicate index (as in ``indicators.parquet``)
``<section>.<parameter>``   float64    the value the replicate drew for one uncertain input, named
                                       by its dotted scenario path (``uncertainties.gdp_growth``,
                                       ``initial.hte_count``), in the registry's order
                                       (``sim/parameters.py``: initial, uncertainties, rules);
                                       one column per input given as a distribution or held by
                                       the posterior file; integers are rounded as the engine
                                       rounds them; units as in docs/ODD.md
``posterior.particle``      int64      the row of the posterior file the replicate drew (0 = the
                                       file's first sample); only with a posterior file
==========================  =========  ============================================================

Inputs fixed in the scenario (plain numbers, or a distribution of zero width) have no column.
The schema metadata holds, under the key ``innovsim``, a JSON object ``{"format":
"innovsim-inputs", "version": 1, "scenario", "seed", "engine", "posterior": <file or null>,
"calibrated": [columns taken from the posterior], "units": {column: unit}}``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

FILE = "inputs.parquet"
FORMAT_NAME = "innovsim-inputs"
FORMAT_VERSION = 1
PARTICLE = "posterior.particle"
_META_KEY = b"innovsim"
_BATCH = 4096          # replicates whose draws are recomputed together


def input_columns(scenario) -> list[tuple[str, object]]:
    """(dotted path, registry parameter) of every input the scenario's replicates draw, in
    registry order: the distributions of non-zero width and the posterior file's parameters."""
    from . import parameters
    from .core.params import SECTIONS
    from .scenario.distributions import as_dist
    from .scenario.posterior import calibrated_names

    calibrated = calibrated_names(scenario)
    out = []
    for section in SECTIONS:
        values = getattr(scenario, section)
        for p in parameters.BY_SECTION[section].values():
            low, high = as_dist(getattr(values, p.name)).support()
            if p.name in calibrated or low != high:
                out.append((f"{section}.{p.name}", p))
    return out


def drawn_inputs(scenario, seed: int, replicates, engine: str = "core") -> dict[str, np.ndarray]:
    """The inputs table's columns for the given replicates of ``seed`` on ``engine``: the
    values each replicate's engine drew (recomputed from its parameter stream)."""
    from .core.params import sample_parameters_and_particles
    from .core.streams import MESA, PARAMETERS, ReplicateStreams, replicate_generator

    replicates = np.asarray(replicates, dtype=np.int64)
    columns = input_columns(scenario)
    parts: list[tuple[dict, np.ndarray | None]] = []
    if engine == "core":
        for i in range(0, len(replicates), _BATCH):
            parts.append(sample_parameters_and_particles(
                scenario, ReplicateStreams(seed, replicates[i:i + _BATCH], PARAMETERS)))
    elif engine == "mesa":      # the Mesa model draws its parameters first from its one generator
        for r in replicates:
            gen = replicate_generator(seed, int(r), MESA)
            parts.append(sample_parameters_and_particles(scenario, ReplicateStreams.of_generator(gen, int(r))))
    else:
        raise ValueError(f"unknown engine {engine!r}")
    table: dict[str, np.ndarray] = {"replicate": replicates}
    for path, p in columns:
        table[path] = np.concatenate([values[p.name] for values, _ in parts]) if parts else np.empty(0)
    if scenario.posterior_file is not None:
        table[PARTICLE] = (np.concatenate([rows for _, rows in parts]) if parts else np.empty(0)).astype(np.int64)
    return table


def write_inputs(scenario, seed: int, replicates, path, engine: str = "core") -> Path:
    """Write the inputs table of ``replicates`` of a run of ``scenario`` with ``seed`` to ``path``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .scenario.posterior import calibrated_names

    table = drawn_inputs(scenario, seed, replicates, engine)
    calibrated = calibrated_names(scenario)
    columns = input_columns(scenario)
    meta = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "scenario": scenario.meta.name, "seed": int(seed),
            "engine": engine, "posterior": scenario.posterior_file,
            "calibrated": [c for c, p in columns if p.name in calibrated],
            "units": {c: p.unit for c, p in columns}}
    fields = [pa.field("replicate", pa.int64())] + [pa.field(c, pa.float64()) for c, _ in columns]
    if PARTICLE in table:
        fields.append(pa.field(PARTICLE, pa.int64()))
    schema = pa.schema(fields, metadata={_META_KEY: json.dumps(meta, ensure_ascii=False).encode("utf-8")})
    pq.write_table(pa.Table.from_pydict(table, schema=schema), path, compression="zstd")
    return Path(path)


def read_inputs(path):
    """The inputs table as a pandas DataFrame (rows by replicate) and its metadata dict."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    raw = table.schema.metadata or {}
    meta = json.loads(raw[_META_KEY].decode("utf-8")) if _META_KEY in raw else {}
    if meta.get("format") != FORMAT_NAME or int(meta.get("version", 0)) > FORMAT_VERSION:
        raise ValueError(f"{path}: not an inputs file this version can read "
                         f"(format {meta.get('format')!r}, version {meta.get('version')})")
    return table.to_pandas().sort_values("replicate", kind="stable").reset_index(drop=True), meta
