"""Reproducible by construction: a replicate's numbers depend on (seed, replicate index) only.

The same scenario and seed give identical indicator arrays whatever the chunk size, the worker
count or the split of the replicate range into runs with ``first_replicate`` offsets; another
seed gives other numbers; and the CLI writes a byte-identical summary.json for different
chunkings and worker counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.execution import run_replicates as run
from sim.indicators import INDICATORS
from sim.results import Results

from conftest import BASELINE

RUNS, SEED = 34, 7
CONFIGS = [(1, 1), (5, 1), (32, 1), (1, 2), (5, 2), (32, 2)]   # (chunk_size, workers)

@pytest.fixture(scope="module")
def scenario(baseline_scenario):
    return baseline_scenario


@pytest.fixture(scope="module")
def reference(scenario) -> Results:
    """All replicates in one block, in this process."""
    return run(scenario, runs=RUNS, seed=SEED, chunk_size=RUNS, workers=1)


@pytest.fixture(scope="module")
def by_config(scenario):
    """The same run for each (chunk_size, workers), computed once."""
    cache: dict = {}

    def get(chunk_size: int, workers: int) -> Results:
        key = (chunk_size, workers)
        if key not in cache:
            cache[key] = run(scenario, runs=RUNS, seed=SEED, chunk_size=chunk_size, workers=workers)
        return cache[key]
    return get


@pytest.fixture(scope="module")
def split_run(scenario) -> Results:
    """Replicates 0..RUNS-1 as three runs with first_replicate offsets, joined."""
    parts = [run(scenario, runs=5, seed=SEED, chunk_size=3, first_replicate=0),
             run(scenario, runs=20, seed=SEED, chunk_size=8, first_replicate=5),
             run(scenario, runs=RUNS - 25, seed=SEED, chunk_size=4, first_replicate=25)]
    assert [p.replicate_offset for p in parts] == [0, 5, 25]
    return Results.concat(parts[::-1])   # in any order


def assert_same(a: Results, b: Results) -> None:
    """Every indicator bit-identical (float sums included: the core adds rows in a fixed order)."""
    assert a.n_runs == b.n_runs and a.replicate_offset == b.replicate_offset
    np.testing.assert_array_equal(a.years, b.years)
    assert set(a.indicators) == set(b.indicators) == set(INDICATORS)
    for name in INDICATORS:
        assert np.array_equal(a.indicator(name), b.indicator(name), equal_nan=True), name


def test_reference_shape(reference, scenario):
    years = scenario.horizon.end_year - scenario.horizon.base_year + 1
    assert reference.n_runs == RUNS
    assert reference.indicator("hte_count").shape == (RUNS, years)
    assert reference.seed == SEED and reference.replicate_offset == 0


@pytest.mark.parametrize("chunk_size, workers", CONFIGS)
def test_bit_identical_for_any_chunk_size_and_workers(by_config, reference, chunk_size, workers):
    assert_same(by_config(chunk_size, workers), reference)


def test_worker_count_does_not_matter_for_a_given_chunking(by_config):
    for chunk_size in (1, 5, 32):
        assert_same(by_config(chunk_size, 2), by_config(chunk_size, 1))


def test_replicate_ranges_concatenate_bit_identical(split_run, reference):
    assert_same(split_run, reference)


def test_one_replicate_alone_equals_its_row(scenario, by_config):
    alone = run(scenario, runs=1, seed=SEED, first_replicate=8)
    assert alone.replicate_offset == 8
    for name in INDICATORS:   # chunk size 1: every replicate alone, so bit-identical
        np.testing.assert_array_equal(alone.indicator(name)[0], by_config(1, 1).indicator(name)[8], err_msg=name)


def test_replicates_differ_from_each_other(reference):
    hte = reference.indicator("hte_count")
    assert len({tuple(row) for row in hte}) == RUNS


def test_different_seeds_differ(scenario, reference):
    other = run(scenario, runs=RUNS, seed=SEED + 1, chunk_size=RUNS)
    for name in ("hte_count", "tech_based_count", "rd_intensity", "firms"):
        assert not np.array_equal(other.indicator(name), reference.indicator(name)), name
    # the start state is drawn too: already the base year differs
    assert not np.array_equal(other.indicator("firms")[:, 0], reference.indicator("firms")[:, 0])


def test_same_seed_twice_identical(scenario, reference):
    assert_same(run(scenario, runs=RUNS, seed=SEED, chunk_size=RUNS), reference)


# ---- the command line ----------------------------------------------------------------------------

def test_cli_summary_byte_identical_across_chunking_and_workers(tmp_path, capsys, no_charts):
    a, b = tmp_path / "a", tmp_path / "b"
    common = ["run", str(BASELINE), "--runs", "40", "--seed", "3", "--quiet"]
    assert main(common + ["--out", str(a), "--chunk-size", "8", "--workers", "2"]) == 0
    out_a = capsys.readouterr().out
    assert main(common + ["--out", str(b), "--chunk-size", "40"]) == 0
    out_b = capsys.readouterr().out
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()
    assert (a / "report.txt").read_bytes() == (b / "report.txt").read_bytes()
    assert out_a == out_b
    # the per-replicate tables hold the same numbers too (5 blocks of 8 vs one of 40)
    assert (a / "indicators.parquet").read_bytes() == (b / "indicators.parquet").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(a / "indicators.parquet"), pd.read_parquet(b / "indicators.parquet"))
