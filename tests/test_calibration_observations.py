"""Observed figures (``calibration/data/observed.csv``): the shipped file loads, every kind of
broken file gives a one-paragraph error naming the file, the row and the field, empty sds are
derived from the confidence grade, and ``get``/``rows`` look figures up.

Broken files are small hand-written tables in tmp_path, so the module runs in well under a second.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.calibration.observations import (
    COLUMNS, CONFIDENCE_REL_SD, SD_FLOOR, UNITS, VOCABULARY, ObservationError, load_observations,
)
from sim.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "calibration" / "data" / "observed.csv"

HEADER = ",".join(COLUMNS)
GOOD = [  # data rows 1..3 (file lines 2..4)
    "hc_gdp,2019,912.51,100m_CNY,,https://example.org/a,medium,",
    "cq_rd_intensity,2020,2.11,pct,0.03,https://example.org/b,high,given sd",
    "hc_national_htz,2021,0,flag,,https://example.org/c,medium,",
]


def write(tmp_path: Path, rows: list[str], header: str = HEADER, name: str = "obs.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# ---- the shipped file -----------------------------------------------------------------------------

def test_shipped_file_loads():
    obs = load_observations(SHIPPED)
    f = obs.frame
    assert len(obs) >= 15
    assert set(f["series"]) <= set(VOCABULARY)
    assert f["year"].between(2017, 2025).all() and obs.last_year == 2025
    assert (f["sd"] >= 0).all() and f["sd"].notna().all()
    assert (f["source"].str.len() > 0).all()
    assert obs.get("hc_gdp", 2022) == pytest.approx((1000.28, 0.05 * 1000.28))
    assert obs.get("cq_rd_intensity", 2021)[0] == pytest.approx(2.16)
    assert obs.get("hc_national_htz", 2021) == (0.0, 0.0)
    # no public Hechuan counts: the series exist but have no rows
    assert obs.get("hc_hte_count", 2021) is None
    assert obs.rows("hc_tech_based_count").empty
    # derived rows say how in their note
    derived = f[f["confidence"] == "low"]
    assert not derived.empty and derived["note"].str.contains("derived").all()


# ---- broken files ---------------------------------------------------------------------------------

def replace_row(n: int, text: str) -> list[str]:
    rows = list(GOOD)
    rows[n - 1] = text
    return rows


# (id, rows, header, data row, field, words the message must contain)
BAD = [
    ("unknown-series", replace_row(2, "cq_rd_intensty,2020,2.11,pct,,s,high,"), HEADER, 2, "series",
     ["cq_rd_intensty", "did you mean 'cq_rd_intensity'", "hc_gdp (100m_CNY)"]),
    ("year-before-window", replace_row(1, "hc_gdp,1999,510,100m_CNY,,s,low,"), HEADER, 1, "year",
     ["1999", "hindcast window 2000..2100"]),
    ("year-after-window", replace_row(3, "hc_national_htz,2101,1,flag,,s,medium,"), HEADER, 3, "year",
     ["2101", "2000..2100"]),
    ("year-not-whole", replace_row(1, "hc_gdp,2019.5,912,100m_CNY,,s,low,"), HEADER, 1, "year",
     ["'2019.5'", "whole number"]),
    ("value-not-number", replace_row(1, "hc_gdp,2019,about 900,100m_CNY,,s,low,"), HEADER, 1, "value",
     ["'about 900'", "must be a number"]),
    ("value-empty", replace_row(1, "hc_gdp,2019,,100m_CNY,,s,low,"), HEADER, 1, "value", ["empty"]),
    ("value-nan", replace_row(1, "hc_gdp,2019,nan,100m_CNY,,s,low,"), HEADER, 1, "value", ["'nan'"]),
    ("negative-count", [*GOOD, "hc_hte_count,2021,-5,firms,,s,high,"], HEADER, 4, "value",
     ["-5", "negative count", "0 or more"]),
    ("negative-sd", replace_row(2, "cq_rd_intensity,2020,2.11,pct,-0.1,s,high,"), HEADER, 2, "sd",
     ["-0.1", "negative"]),
    ("sd-not-number", replace_row(2, "cq_rd_intensity,2020,2.11,pct,big,s,high,"), HEADER, 2, "sd", ["'big'"]),
    ("unknown-unit", replace_row(1, "hc_gdp,2019,912.51,yuan,,s,medium,"), HEADER, 1, "unit",
     ["'yuan'", *UNITS]),
    ("unit-mismatch", replace_row(2, "cq_rd_intensity,2020,2.11,pct_per_year,,s,high,"), HEADER, 2, "unit",
     ["measured in pct", "not pct_per_year"]),
    ("unknown-confidence", replace_row(1, "hc_gdp,2019,912.51,100m_CNY,,s,hihg,"), HEADER, 1, "confidence",
     ["'hihg'", "did you mean 'high'", "medium", "low"]),
    ("flag-not-0-1", replace_row(3, "hc_national_htz,2021,2,flag,,s,medium,"), HEADER, 3, "value",
     ["not a flag", "0 (no) or 1 (yes)"]),
    ("flag-with-sd", replace_row(3, "hc_national_htz,2021,1,flag,0.2,s,medium,"), HEADER, 3, "sd", ["exact"]),
    ("empty-source", replace_row(1, "hc_gdp,2019,912.51,100m_CNY,,,medium,"), HEADER, 1, "source", ["source"]),
    ("duplicate", [*GOOD, "hc_gdp,2019,900,100m_CNY,,other,low,"], HEADER, 4, "year",
     ["second figure for hc_gdp in 2019", "data row 1 (line 2)"]),
]


@pytest.mark.parametrize("rows, header, row, field, words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_rows_name_file_row_and_field(tmp_path, rows, header, row, field, words):
    path = write(tmp_path, rows, header)
    with pytest.raises(ObservationError) as info:
        load_observations(path)
    msg = str(info.value)
    assert isinstance(info.value, UserError)
    assert str(path) in msg
    assert f"data row {row} (line {row + 1})" in msg
    assert f"field '{field}'" in msg
    for word in words:
        assert word in msg, (word, msg)
    assert "\n" not in msg  # one paragraph
    assert (info.value.row, info.value.field) == (row, field)


@pytest.mark.parametrize("header, missing, hint", [
    ("series,year,value,unit,source,confidence,note", ["'sd'"], None),
    ("series,year,value,unit,sd,source,confidance,note", ["'confidence'"], "is 'confidance' meant?"),
    ("indicator,year,value,unit,source_url,confidence", ["'series'", "'sd'", "'source'", "'note'"], None),
], ids=["no-sd", "misspelt-confidence", "shared-data-format"])
def test_missing_columns_are_named(tmp_path, header, missing, hint):
    path = write(tmp_path, [], header)
    with pytest.raises(ObservationError) as info:
        load_observations(path)
    msg = str(info.value)
    assert str(path) in msg and "line 1" in msg
    for col in missing:
        assert col in msg
    assert HEADER.replace(",", ", ") in msg  # lists the required columns
    if hint:
        assert hint in msg


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(ObservationError, match="does not exist") as info:
        load_observations(path)
    assert str(path) in str(info.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "\nhc_gdp,2019,912.51,100m_CNY,,合川统计局,high,\n").encode("gbk"))
    with pytest.raises(ObservationError, match="UTF-8"):
        load_observations(path)


def test_window_is_a_parameter(tmp_path):
    path = write(tmp_path, ["hc_gdp,2016,510,100m_CNY,,s,low,"])
    assert load_observations(path, first_year=2016).get("hc_gdp", 2016)[0] == 510
    with pytest.raises(ObservationError, match=r"data row 3 .*window 2018\.\.2020"):
        load_observations(write(tmp_path, GOOD), first_year=2018, last_year=2020)


def test_rows_and_lines_skip_blank_lines_and_multiline_notes(tmp_path):
    text = (HEADER + "\n\n" + GOOD[0] + "\n" + 'cq_rd_intensity,2020,2.11,pct,,s,high,"a note\nover two lines"\n'
            + "hc_gdp,2022,x,100m_CNY,,s,medium,\n")
    path = tmp_path / "obs.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ObservationError) as info:
        load_observations(path)
    assert "data row 3 (line 6)" in str(info.value)


# ---- sd derivation and look-ups -------------------------------------------------------------------

@pytest.mark.parametrize("confidence", ["high", "medium", "low"])
def test_sd_from_confidence(tmp_path, confidence):
    path = write(tmp_path, [f"hc_gdp,2019,-800,100m_CNY,,s,{confidence},",      # |value| is used
                            f"cq_rd_intensity,2019,0.5,pct,,s,{confidence},",    # hits the floor
                            f"hc_hte_grants,2022,0,firms,,s,{confidence},",
                            f"hc_national_htz,2021,1,flag,,s,{confidence},"])
    obs = load_observations(path)
    share = CONFIDENCE_REL_SD[confidence]
    assert obs.get("hc_gdp", 2019) == pytest.approx((-800, share * 800))
    assert obs.get("cq_rd_intensity", 2019)[1] == pytest.approx(max(share * 0.5, SD_FLOOR["pct"]))
    assert obs.get("hc_hte_grants", 2022)[1] == SD_FLOOR["firms"]
    assert obs.get("hc_national_htz", 2021) == (1.0, 0.0)
    assert obs.frame["sd_derived"].all()


def test_given_sd_is_kept(tmp_path):
    obs = load_observations(write(tmp_path, GOOD))
    assert obs.get("cq_rd_intensity", 2020) == pytest.approx((2.11, 0.03))
    assert not obs.frame.set_index("series").loc["cq_rd_intensity", "sd_derived"]


def test_get_and_rows(tmp_path):
    obs = load_observations(write(tmp_path, [*GOOD, "hc_gdp,2017,700,100m_CNY,10,s,high,",
                                             "hc_hte_count,2021,180,firms,,official source,high,official"]))
    assert obs.get("hc_gdp", 2018) is None
    assert obs.get("hc_hte_count", 2021) == pytest.approx((180, 3.6))
    assert list(obs.rows("hc_gdp")["year"]) == [2017, 2019]
    assert obs.series() == ["hc_gdp", "hc_hte_count", "hc_national_htz", "cq_rd_intensity"]
    with pytest.raises(KeyError, match="did you mean 'hc_gdp'"):
        obs.get("hc_gpd", 2019)
