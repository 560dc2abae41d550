"""The shipped baseline screening, for reports: the assumptions each goal's odds hang on most.

``innovsim screen scenarios/baseline.toml --out screening/baseline`` writes it (the command and
its settings are in ``screening/baseline/report.md``); the lead commits it. ``top_assumptions``
reads its ``ranking.csv`` and returns nothing when it is absent, so a report without a shipped
screening simply says less.
"""

from __future__ import annotations

import csv
from pathlib import Path

#: the shipped screening's ranking, relative to the repository root
RANKING = Path(__file__).resolve().parents[2] / "screening" / "baseline" / "ranking.csv"


def top_assumptions(goal_id: str, k: int = 3, path: str | Path | None = None) -> list[dict]:
    """The ``k`` parameters with the largest Morris effect on ``goal_id``'s odds in the shipped
    screening (``path``: another ranking.csv), best first; [] if the file or the goal is absent,
    or if no parameter moves the goal's odds (the same at every design point: effects of 0).

    Each item: parameter, effect_pp, low_pp, high_pp, mu_pp, rank, year, kind (posterior,
    distribution, plausible or lever), range_low, range_high, basis (floats and ints parsed).
    """
    path = Path(path) if path is not None else RANKING
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh)
                if r["goal"] == goal_id and r["method"] == "morris" and float(r["effect_pp"]) > 0]
    rows.sort(key=lambda r: (int(r["rank"]), r["parameter"]))
    out = []
    for r in rows[:k]:
        item = {"parameter": r["parameter"], "rank": int(r["rank"]), "year": int(r["year"]), "kind": r["kind"],
                "basis": r["basis"]}
        for name in ("effect_pp", "low_pp", "high_pp", "mu_pp", "range_low", "range_high"):
            item[name] = float(r[name])
        out.append(item)
    return out
