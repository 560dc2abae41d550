"""Observed figures the calibration fits: reading and checking ``calibration/data/observed.csv``.

The file is a CSV table, one observation per row::

    series,year,value,unit,sd,source,confidence,note
    hc_gdp,2019,912.51,100m_CNY,,https://jjkeq.com/zhjy/202302/18408.html,medium,

A planner who holds an official figure adds a row (``hc_hte_count,2021,180,firms,,<source>,high,
official``) and reruns the calibration, which then fits it. Every mistake in the file gives an
``ObservationError`` (a ``UserError``: one paragraph, exit code 2) naming the file, the row, the
field, the value given and what is allowed, so the planner can fix it without reading code.

Vocabulary: every ``series`` is one of these names, each with one unit and one model quantity it
is compared with (indicator names as in ``sim/indicators.py``). ``hc_`` is Hechuan District,
``cq_`` Chongqing municipality, ``cn_`` national.

=====================  ============  =============================================================
series                 unit          what the model computes for it
=====================  ============  =============================================================
hc_gdp                 100m_CNY      ``gdp``: Hechuan GDP in the year
hc_hte_count           firms         ``hte_count``: HTEs holding a valid certificate at year end
hc_tech_based_count    firms         ``tech_based_count``: registered tech-based enterprises
hc_rd_intensity        pct           ``rd_intensity``: Hechuan R&D spending / GDP
hc_hte_grants          firms         ``hte_new``: HTE certificates granted in the year, first ones
                                     and re-certifications (both go through the same application)
hc_national_htz        flag          ``national_htz``: 1 once the zone is a national high-tech zone
                                     (an *event*: every accepted particle agrees with it exactly)
cn_htz_round           flag          ``htz_round``: 1 in a year in which a national round approved
                                     high-tech zones (the national count rose); an *event*
hc_rank_worse_than     rank          ``innovation_rank``: Hechuan is NOT in a first tier of this
                                     many districts, i.e. its rank is worse (greater) than the
                                     value (a censored *event*: the rank must exceed the value)
cq_rd_intensity        pct           ``cq_rd_intensity``: Chongqing R&D spending / GDP
cq_hte_cagr            pct_per_year  growth of ``hte_count`` per year over 2017..year, compared
                                     with Chongqing's rate (the district is assumed to grow alike)
cq_tech_based_cagr     pct_per_year  the same for ``tech_based_count``
cq_hte_growth          pct           growth of ``hte_count`` from year-1 to year (Chongqing rate)
cq_tech_based_growth   pct           growth of ``tech_based_count`` from year-1 to year
=====================  ============  =============================================================

The public record has no Hechuan HTE or tech-based counts and no Hechuan R&D intensity, so the
shipped file has no rows for ``hc_hte_count``, ``hc_tech_based_count`` and ``hc_rd_intensity``;
the names are in the vocabulary so that official figures can be added.

Events: figures in ``flag`` or ``rank`` units are facts, not measurements with an error: the
calibration keeps only parameter sets whose hindcast agrees with every one of them (a flag equal
to the observed 0 or 1; a rank worse than the observed tier size), so every replicate of a
scenario that draws from the posterior agrees with what has happened.

Standard deviations: a row's ``sd`` (same unit as ``value``) says how far the model may miss the
figure. Left empty, it is derived from ``confidence`` as a share of ``|value|`` (high 2%, medium
5%, low 15%), but never below a floor per unit (``SD_FLOOR``: about the rounding of published
figures), so that a zero or tiny value still has a usable likelihood. A flag is exact: sd 0.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import UserError, format_value, located_message, suggest
from ..limits import MAX_CSV_BYTES
from ..scenario.inputs import CSV_SUFFIX, read_bounded

COLUMNS = ("series", "year", "value", "unit", "sd", "source", "confidence", "note")

#: series -> (unit, meaning); see the module docstring for the model quantity of each.
VOCABULARY: dict[str, tuple[str, str]] = {
    "hc_gdp": ("100m_CNY", "Hechuan GDP"),
    "hc_hte_count": ("firms", "Hechuan high-tech enterprises holding a valid certificate"),
    "hc_tech_based_count": ("firms", "Hechuan registered tech-based enterprises"),
    "hc_rd_intensity": ("pct", "Hechuan R&D spending / GDP"),
    "hc_hte_grants": ("firms", "Hechuan HTE certificates granted in the year, first ones and re-certifications"),
    "hc_national_htz": ("flag", "1 if Hechuan's zone is a national high-tech zone"),
    "hc_rank_worse_than": ("rank", "Hechuan's innovation-index rank is worse than this (not in a first tier of it)"),
    "cn_htz_round": ("flag", "1 if a national round approved high-tech zones in the year (the national count rose)"),
    "cq_rd_intensity": ("pct", "Chongqing R&D spending / GDP"),
    "cq_hte_cagr": ("pct_per_year", "Chongqing HTE count, growth per year from 2017 to the year"),
    "cq_tech_based_cagr": ("pct_per_year", "Chongqing tech-based firms, growth per year from 2017 to the year"),
    "cq_hte_growth": ("pct", "Chongqing HTE count, growth over the previous year"),
    "cq_tech_based_growth": ("pct", "Chongqing tech-based firms, growth over the previous year"),
}

#: unit -> meaning
UNITS: dict[str, str] = {
    "100m_CNY": "100 million yuan (亿元)",
    "pct": "percent",
    "pct_per_year": "percent per year (compound rate)",
    "firms": "number of enterprises (家)",
    "flag": "0 or 1",
    "rank": "a rank among Chongqing's 38 districts and counties (1 = best)",
}

#: units whose figures are events, hard constraints on the hindcast rather than figures fitted with
#: an sd, and how the model's value must relate to the observed one
EVENTS: dict[str, str] = {"flag": "equal", "rank": "above"}
EVENT_UNITS = tuple(EVENTS)

#: sd as a share of |value| when the sd field is empty
CONFIDENCE_REL_SD: dict[str, float] = {"high": 0.02, "medium": 0.05, "low": 0.15}

#: the smallest derived sd per unit (flags are exact)
SD_FLOOR: dict[str, float] = {"100m_CNY": 1.0, "pct": 0.05, "pct_per_year": 0.5, "firms": 1.0, "flag": 0.0,
                               "rank": 0.0}

#: the years an observation may have when no hindcast window is given: from the first year the
#: hindcast can start to the present (a figure of a later year cannot have been observed)
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


class ObservationError(UserError):
    """An observation file that cannot be used: the file, the row, the field, the value, what is allowed."""

    def __init__(self, file, message: str, row: int | None = None, field: str | None = None,
                 value=None, allowed: str | None = None, line: int | None = None):
        self.file, self.row, self.field, self.value, self.allowed = str(file), row, field, value, allowed
        self.line = line if line is not None else (row + 1 if row is not None else None)
        where = f"In observation file '{file}'"
        if row is not None:
            where += f", data row {row} (line {self.line})"
        elif line is not None:
            where += f", line {line}"
        if field:
            where += f", field '{field}'"
        super().__init__(located_message(where, message, value, allowed))


def derived_sd(value: float, unit: str, confidence: str) -> float:
    """The sd of a figure whose sd field is empty: a share of |value| set by its confidence, floored."""
    if unit in EVENT_UNITS:
        return 0.0
    return max(CONFIDENCE_REL_SD[confidence] * abs(value), SD_FLOOR[unit])


@dataclass(frozen=True)
class Observations:
    """The checked observations: one row per (series, year), ``sd`` resolved.

    ``frame`` has the file's columns (``sd`` filled in), ``sd_derived`` (True where the sd came
    from the confidence grade), ``row`` and ``line`` (the data row and the file line it starts on).
    """

    frame: pd.DataFrame
    path: Path

    def get(self, series: str, year: int) -> tuple[float, float] | None:
        """(value, sd) of ``series`` in ``year``, or None if the file has no such figure.

        A name outside the vocabulary is a caller's mistake (e.g. a misspelt target) and raises
        KeyError rather than passing silently as a missing figure.
        """
        _check_series_name(series)
        hit = self.frame[(self.frame["series"] == series) & (self.frame["year"] == int(year))]
        if hit.empty:
            return None
        return float(hit["value"].iloc[0]), float(hit["sd"].iloc[0])

    def rows(self, series: str) -> pd.DataFrame:
        """All figures of ``series``, by year (an empty frame if there are none)."""
        _check_series_name(series)
        return self.frame[self.frame["series"] == series].sort_values("year").reset_index(drop=True)

    def series(self) -> list[str]:
        """The series that have at least one figure, in vocabulary order."""
        present = set(self.frame["series"])
        return [s for s in VOCABULARY if s in present]

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def last_year(self) -> int:
        """The latest year with a figure: where the hindcast ends and the forecast starts."""
        return int(self.frame["year"].max())


def _check_series_name(series: str) -> None:
    if series not in VOCABULARY:
        near = suggest(series, VOCABULARY)
        raise KeyError(f"unknown observed series '{series}'" + (f"; did you mean '{near}'?" if near else "")
                       + f" Known series: {', '.join(VOCABULARY)}")


_INT = re.compile(r"[+-]?\d+")


def load_observations(path, first_year: int = EARLIEST_YEAR, last_year: int = LATEST_YEAR) -> Observations:
    """Read and check an observation file; years must lie in the window first_year..last_year
    (a calibration passes its hindcast's start year and, if its file fixes one, its end year).

    Raises ObservationError for the first problem found, naming the file, row and field.
    """
    path = Path(path)
    raw = read_bounded(path, MAX_CSV_BYTES, "observation file", CSV_SUFFIX, lambda message: ObservationError(
        path, message, allowed=f"a CSV file with the columns {', '.join(COLUMNS)}"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ObservationError(path, f"the file is not UTF-8 text (byte {e.start}); in Excel save it as "
                               "'CSV UTF-8', or convert it from GBK", allowed="a UTF-8 CSV file") from None
    records, last = [], 0
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        for record in reader:  # with the file line each record starts on (a quoted cell may span lines)
            records.append((last + 1, record))
            last = reader.line_num
    except csv.Error as e:
        raise ObservationError(path, f"the file is not a readable CSV table ({e})", line=last + 1,
                               allowed="a comma-separated table, text with commas in double quotes") from None
    records = [(ln, r) for ln, r in records if any(cell.strip() for cell in r)]  # drop blank lines
    header = [h.strip() for h in records[0][1]] if records else []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        hints = [f"'{m}' (is '{n}' meant?)" if (n := suggest(m, [h for h in header if h not in COLUMNS]))
                 else f"'{m}'" for m in missing]
        raise ObservationError(path, f"the header lacks the column(s) {', '.join(hints)}",
                               line=records[0][0] if records else 1,
                               allowed=f"a header line with the columns {', '.join(COLUMNS)} (in any order; "
                                       "further columns are ignored)")
    index = {c: header.index(c) for c in COLUMNS}

    out, seen = [], {}
    for row, (line, record) in enumerate(records[1:], start=1):
        cells = {c: (record[i].strip() if i < len(record) else "") for c, i in index.items()}
        obs = _check_row(path, row, line, cells, first_year, last_year)
        key = (obs["series"], obs["year"])
        if key in seen:
            raise ObservationError(path, f"a second figure for {key[0]} in {key[1]}; the first is in data row "
                                   f"{seen[key][0]} (line {seen[key][1]}). Keep one row per series and year "
                                   "(name the other source in the note)", row=row, line=line, field="year",
                                   value=key[1])
        seen[key] = (row, line)
        out.append(obs)

    frame = pd.DataFrame(out, columns=[*COLUMNS, "sd_derived", "row", "line"])
    frame = frame.astype({"year": "int64", "value": "float64", "sd": "float64", "sd_derived": "bool", "row": "int64",
                          "line": "int64"})
    return Observations(frame=frame, path=path)


def _number(err, field: str, text: str, what: str) -> float:
    """A finite number from a cell, else an ObservationError."""
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        raise err(f"{field} must be a number" + (", but the cell is empty" if not text else ""),
                  field, value=text if text else None, allowed=what)
    return x


def _check_row(path, row: int, line: int, c: dict[str, str], first_year: int, last_year: int) -> dict:
    """One data row checked field by field (in the order a reader would fix them)."""

    def err(message: str, field: str, value=None, allowed: str | None = None) -> ObservationError:
        return ObservationError(path, message, row=row, line=line, field=field, value=value, allowed=allowed)

    def unknown(what: str, given: str, valid) -> str:
        near = suggest(given, valid) if given else None
        return f"unknown {what} '{given}'" + (f"; did you mean '{near}'?" if near else "")

    series = c["series"]
    if series not in VOCABULARY:
        raise err(unknown("series", series, VOCABULARY), "series",
                  allowed=", ".join(f"{s} ({u})" for s, (u, _) in VOCABULARY.items()))
    s_unit = VOCABULARY[series][0]

    window = f"{first_year}..{last_year}"
    if not _INT.fullmatch(c["year"]):
        raise err("year must be a whole number such as 2021", "year", value=c["year"], allowed=window)
    year = int(c["year"])
    if not first_year <= year <= last_year:
        raise err(f"year {year} is outside the hindcast window {window} that the calibration simulates "
                  "(its [hindcast] base_year and end_year; leave end_year out to end at the latest figure)",
                  "year", allowed=window)

    value = _number(err, "value", c["value"], f"a number in {s_unit}")

    unit = c["unit"]
    if unit not in UNITS:
        raise err(unknown("unit", unit, UNITS), "unit", allowed=", ".join(f"{u} ({m})" for u, m in UNITS.items()))
    if unit != s_unit:
        raise err(f"series {series} is measured in {s_unit}, not {unit}; convert the figure", "unit",
                  value=unit, allowed=s_unit)
    if unit == "firms" and value < 0:
        raise err(f"value {format_value(value)} is a negative count of firms", "value",
                  allowed="a count of 0 or more")
    if unit == "flag" and value not in (0.0, 1.0):
        raise err(f"value {format_value(value)} is not a flag", "value", allowed="0 (no) or 1 (yes)")
    if unit == "rank" and not (value.is_integer() and 1 <= value < 38):
        raise err(f"value {format_value(value)} is not the size of a tier of Chongqing's 38 districts", "value",
                  allowed="a whole number from 1 to 37 (e.g. 10: not among the 10 best)")

    confidence = c["confidence"]
    if confidence not in CONFIDENCE_REL_SD:
        raise err(unknown("confidence", confidence, CONFIDENCE_REL_SD), "confidence",
                  allowed="high (government source or several agreeing sources), medium (one reputable "
                          "source), low (weak source, or derived by arithmetic on sourced figures)")

    if c["sd"]:
        sd = _number(err, "sd", c["sd"], f"a number of 0 or more in {unit}, or empty")
        if sd < 0:
            raise err(f"sd {format_value(sd)} is negative", "sd",
                      allowed=f"0 or more (in {unit}), or empty to derive it from the confidence")
        if unit in EVENT_UNITS and sd != 0:
            raise err(f"a {unit} is an exact fact, so its sd must be 0 or empty, not {format_value(sd)}", "sd",
                      allowed="0 or empty")
        sd_derived = False
    else:
        sd, sd_derived = derived_sd(value, unit, confidence), True

    if not c["source"]:
        raise err("the source is empty; say where the figure comes from", "source",
                  allowed="a URL or a citation such as 'Hechuan statistical bulletin 2021'")

    return {"series": series, "year": year, "value": value, "unit": unit, "sd": sd, "source": c["source"],
            "confidence": confidence, "note": c["note"], "sd_derived": sd_derived, "row": row, "line": line}
