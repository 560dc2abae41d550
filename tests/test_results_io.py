"""The Results container and the tidy Parquet indicators file."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.indicators import INDICATORS
from sim.results import IndicatorWriter, Results, read_indicators, write_indicators

YEARS = np.arange(2022, 2036)


def batch(offset: int, n: int, seed: int = 7, names=("hte_count", "gdp", "rd_intensity")) -> Results:
    """Deterministic values that encode (replicate, year, indicator), with a NaN in replicate 3."""
    reps = np.arange(offset, offset + n)[:, None]
    ind = {name: reps * 1000.0 + (YEARS - 2022) + k / 10 for k, name in enumerate(names)}
    if offset <= 3 < offset + n:
        ind[names[0]][3 - offset, 5] = np.nan
    return Results("baseline", seed, YEARS, ind, replicate_offset=offset, estimates=["hte_count", "rd_intensity"])


def assert_same(a: Results, b: Results) -> None:
    assert (a.scenario, a.seed, a.replicate_offset, a.estimates) == (b.scenario, b.seed, b.replicate_offset,
                                                                     b.estimates)
    np.testing.assert_array_equal(a.years, b.years)
    assert set(a.indicators) == set(b.indicators)
    for name in a.indicators:
        np.testing.assert_array_equal(a.indicators[name], b.indicators[name])


def test_results_shape_and_lookup():
    r = batch(10, 4)
    assert r.n_runs == 4 and r.base_year == 2022 and r.end_year == 2035
    assert r.replicates.tolist() == [10, 11, 12, 13]
    assert r.year_index(2026) == 4
    assert r.indicator("gdp").dtype == np.float64
    with pytest.raises(KeyError, match="national_htz"):
        r.indicator("national_htz")
    with pytest.raises(ValueError, match="shaped"):
        Results("x", 0, YEARS, {"gdp": np.zeros((2, 3))})


def test_concat_orders_batches_and_rejects_gaps():
    whole = batch(0, 9)
    parts = [batch(6, 3), batch(0, 4), batch(4, 2)]
    assert_same(Results.concat(parts), whole)
    with pytest.raises(ValueError, match="contiguous"):
        Results.concat([batch(0, 2), batch(3, 2)])
    with pytest.raises(ValueError, match="seed"):
        Results.concat([batch(0, 2), batch(2, 2, seed=8)])


def test_round_trip(tmp_path):
    r = batch(0, 6)
    path = write_indicators(r, tmp_path / "indicators.parquet")
    back = read_indicators(path)
    assert_same(back, r)
    assert np.isnan(back.indicators["hte_count"][3, 5])


def test_round_trip_keeps_the_replicate_offset(tmp_path):
    r = batch(40, 3)
    back = read_indicators(write_indicators(r, tmp_path / "part.parquet"))
    assert back.replicate_offset == 40
    assert_same(back, r)


def test_column_layout(tmp_path):
    r = batch(0, 2, names=("rd_intensity", "zz_custom", "hte_count", "gdp"))
    path = write_indicators(r, tmp_path / "i.parquet")
    schema = pq.read_schema(path)
    registry = list(INDICATORS)
    known = sorted(["rd_intensity", "hte_count", "gdp"], key=registry.index)
    assert schema.names == ["replicate", "year", *known, "zz_custom"]
    assert schema.field("replicate").type == pa.int64()
    assert schema.field("year").type == pa.int16()
    assert all(schema.field(n).type == pa.float64() for n in schema.names[2:])
    table = pq.read_table(path)
    assert table.num_rows == 2 * len(YEARS)
    assert table.column("replicate").to_pylist()[:15] == [0] * 14 + [1]   # replicate-major
    assert table.column("year").to_pylist()[:3] == [2022, 2023, 2024]
    assert b"innovsim" in schema.metadata


def test_streaming_writer_equals_one_write(tmp_path):
    parts = [batch(0, 4), batch(4, 3), batch(7, 5)]
    with IndicatorWriter(tmp_path / "stream.parquet") as w:
        for p in parts:
            w.append(p)
    write_indicators(Results.concat(parts), tmp_path / "once.parquet")
    assert pq.ParquetFile(tmp_path / "stream.parquet").metadata.num_row_groups == 3
    streamed, once = read_indicators(tmp_path / "stream.parquet"), read_indicators(tmp_path / "once.parquet")
    assert_same(streamed, once)
    t_stream, t_once = pq.read_table(tmp_path / "stream.parquet"), pq.read_table(tmp_path / "once.parquet")
    assert t_stream.schema.equals(t_once.schema, check_metadata=True)
    assert t_stream.to_pandas().equals(t_once.to_pandas())      # NaN-aware, chunking-blind


def test_writer_publishes_only_complete_files(tmp_path):
    path = tmp_path / "out" / "i.parquet"
    with pytest.raises(RuntimeError):
        with IndicatorWriter(path) as w:
            w.append(batch(0, 2))
            assert not path.exists()
            raise RuntimeError("interrupted")
    assert not path.exists() and (tmp_path / "out" / "i.parquet.part").exists()
    with IndicatorWriter(path) as w:
        w.append(batch(0, 2))
    assert path.exists() and not (tmp_path / "out" / "i.parquet.part").exists()


def test_writer_rejects_incompatible_batches(tmp_path):
    with pytest.raises(ValueError, match="indicators"):
        with IndicatorWriter(tmp_path / "i.parquet") as w:
            w.append(batch(0, 2))
            w.append(batch(2, 2, names=("gdp",)))


def test_read_selected_columns(tmp_path):
    path = write_indicators(batch(0, 3), tmp_path / "i.parquet")
    back = read_indicators(path, columns=["gdp"])
    assert list(back.indicators) == ["gdp"] and back.n_runs == 3


def test_read_rejects_incomplete_grid(tmp_path):
    path = write_indicators(batch(0, 3), tmp_path / "i.parquet")
    table = pq.read_table(path)
    pq.write_table(table.slice(0, table.num_rows - 1), tmp_path / "cut.parquet")
    with pytest.raises(ValueError, match="grid"):
        read_indicators(tmp_path / "cut.parquet")


def test_to_frame_matches_file_columns(tmp_path):
    r = batch(0, 2)
    frame = r.to_frame()
    path = write_indicators(r, tmp_path / "i.parquet")
    assert list(frame.columns) == pq.read_schema(path).names
    assert len(frame) == 2 * len(YEARS)


def test_units_and_descriptions_of_every_column_read_back(tmp_path):
    r = batch(0, 2, names=("hte_count", "gdp", "rd_intensity", "zz_custom"))
    write_indicators(r, tmp_path / "units.parquet")
    schema = pq.read_schema(tmp_path / "units.parquet")
    meta = schema.metadata
    for name in schema.names:                  # one unit key and one description key per column
        field_meta = schema.field(name).metadata
        assert meta[f"unit.{name}".encode()] == field_meta[b"unit"]
        assert meta[f"description.{name}".encode()] == field_meta[b"description"]
    assert meta[b"unit.gdp"] == b"100m_CNY" and meta[b"unit.rd_intensity"] == b"pct"
    assert meta[b"unit.hte_count"].decode() == INDICATORS["hte_count"][0]
    assert meta[b"description.hte_count"].decode() == INDICATORS["hte_count"][1]
    assert (meta[b"unit.replicate"], meta[b"unit.year"]) == (b"index", b"year")
    assert meta[b"unit.zz_custom"] == b"unknown"
    assert_same(read_indicators(tmp_path / "units.parquet"), r)   # the extra keys do not disturb reading
