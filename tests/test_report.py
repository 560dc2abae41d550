"""The planner's text table, the compare table, summary.json and the fan charts."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from sim.goals import compare, evaluate
from sim.report import display_width, format_compare, format_table, summary_json, write_summary
from sim.results import Results
from sim.scenario.schema import Condition, Goal, SeriesRef

YEARS = np.arange(2022, 2036)


@pytest.fixture(scope="module")
def case():
    rng = np.random.default_rng(3)
    r, t = 200, np.arange(YEARS.size)
    ind = {
        "national_htz": (t >= rng.integers(1, 20, (r, 1))).astype(float),
        "rd_intensity": 2.0 + t * rng.normal(0.06, 0.03, (r, 1)),
        "cq_rd_intensity": 2.36 + t * rng.normal(0.04, 0.01, (r, 1)),
        "hte_count": 180 + t * rng.normal(15, 5, (r, 1)),
        "platform_share_above_scale": np.clip(0.3 + t * rng.normal(0.06, 0.03, (r, 1)), 0, 1),
        "platform_share_hte": np.clip(0.7 + t * rng.normal(0.08, 0.03, (r, 1)), 0, 1),
        "innovation_rank": np.clip(np.round(14 - t * rng.normal(0.5, 0.3, (r, 1))), 1, 38),
        "first_tier_cutoff": np.full((r, YEARS.size), 9.0),
    }
    res = Results("baseline", 20221, YEARS, ind, estimates=["hte_count", "rd_intensity"])
    goals = {
        "national_htz": Goal(name="National high-tech zone", name_zh="国家高新区", year=2026,
                             indicator="national_htz", comparison=">=", threshold=1),
        "rd_above_city": Goal(name="R&D intensity above Chongqing", name_zh="研发投入强度高于全市平均", year=2026,
                              indicator="rd_intensity", comparison=">",
                              threshold=SeriesRef(series="cq_rd_intensity")),
        "hte_250": Goal(name="High-tech enterprises > 250", name_zh="高新技术企业超过250家", year=2026,
                        indicator="hte_count", comparison=">", threshold=250),
        "platforms_60": Goal(name="R&D platforms", name_zh="规上工业企业研发机构覆盖率", year=2026, conditions=[
            Condition(indicator="platform_share_above_scale", comparison=">=", threshold=0.6),
            Condition(indicator="platform_share_hte", comparison=">=", threshold=1)]),
        "first_tier_2035": Goal(name="First tier of Chongqing", name_zh="全市第一方阵", year=2035,
                                indicator="innovation_rank", comparison="<=",
                                threshold=SeriesRef(series="first_tier_cutoff")),
    }
    return goals, res, evaluate(goals, res, base_year=2022)


def test_table_lists_every_goal_joint_precision_and_estimates(case):
    goals, _, odds = case
    text = format_table(odds, goals)
    for gid, g in goals.items():
        assert gid in text and g.name_zh in text and g.name in text
    assert "Joint odds, all 4 goals of 2026 together" in text
    assert "2035" in text and "first_tier_2035" in text
    assert f"Monte Carlo standard error ≤ {100 * odds.max_se():.1f} pp (200 runs)" in text
    assert "estimates" in text and "hte_count, rd_intensity" in text
    assert "(2) >= 1" in text                                   # the second condition's own row
    assert "(1) platform_share_above_scale >= 0.6 and (2) platform_share_hte >= 1" in text


def test_table_fits_a_printed_page_and_its_columns_align(case):
    """No line wider than 100 cells (report.txt prints on A4 and pastes into a memo); the year and
    odds columns line up in every goal row; each goal's names sit on the line below its row."""
    goals, _, odds = case
    lines = format_table(odds, goals).splitlines()
    assert max(display_width(line) for line in lines) <= 100
    header = next(i for i, line in enumerate(lines) if line.startswith("goal "))
    rows = {gid: next(line for line in lines if line.startswith(gid + " ")) for gid in goals}
    col = lambda line, word, start=0: display_width(line[:line.index(word, start)])  # noqa: E731
    assert {col(rows[g], str(goals[g].year), len(g)) for g in rows} == {col(lines[header], "year")}
    ends = {display_width(rows[g]) for g in rows}
    assert ends == {display_width(lines[header])}                   # odds right-aligned under their heading
    for gid, g in goals.items():
        below = lines[lines.index(rows[gid]) + 1 + (len(g.all_conditions()) - 1)]
        assert below.startswith("    ") and g.name_zh in below and g.name.split()[0] in below


def test_long_names_and_the_estimates_wrap_within_the_width():
    from sim.report import wrap

    long_zh = "60%以上规上企业建立市级研发平台，高新技术企业市级研发平台全覆盖" * 3
    lines = wrap(long_zh, width=40, first="    ", indent="      ")
    assert all(display_width(line) <= 40 for line in lines) and "".join(s.strip() for s in lines) == long_zh
    items = [f"initial.parameter_{i} (calibrated)" for i in range(30)]
    lines = wrap(", ".join(items), width=100, first="  ", indent="  ", sep=", ")
    assert all(display_width(line) <= 100 for line in lines)
    assert all(line.count("(calibrated)") == line.count("initial.") for line in lines)   # pairs kept together


def test_display_width_counts_cjk_as_two():
    assert display_width("国家高新区") == 10
    assert display_width("hte_250") == 7
    assert display_width("R&D 研发") == 8


def test_summary_json_is_stable_utf8_with_newline(case, tmp_path):
    _, _, odds = case
    path = write_summary(odds, tmp_path / "summary.json")
    raw = path.read_bytes()
    assert raw.endswith(b"}\n")
    assert "国家高新区".encode() in raw                    # ensure_ascii=False
    assert raw == summary_json(odds).encode("utf-8")
    assert write_summary(odds, tmp_path / "again.json").read_bytes() == raw
    data = json.loads(raw)
    assert list(data)[:5] == ["scenario", "runs", "seed", "engine", "base_year"]
    assert data["engine"] == "core"
    assert data["goals"]["hte_250"]["target"] == "> 250"
    assert data["joint_2026"]["probability"] == pytest.approx(odds.joint[2026].probability, rel=1e-5)


def test_compare_table(case):
    goals, res, odds = case
    better = {k: v.copy() for k, v in res.indicators.items()}
    better["hte_count"] += 40
    res_b = Results("more_fiscal", res.seed, res.years, better)
    odds_b = evaluate(goals, res_b)
    cmp = compare(odds, odds_b, res, res_b, goals)
    assert cmp.goals["hte_250"].difference > 0
    text = format_compare(cmp, odds, goals)
    for gid in goals:
        assert gid in text
    assert "joint_2026" in text and "B − A" in text and "paired" in text


def test_fan_charts_write_one_png_per_goal(case, tmp_path):
    from sim.plots import fan_charts

    goals, res, _ = case
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no missing-glyph or other warning spam
        paths = fan_charts(res, goals, tmp_path / "plots")
    assert [p.name for p in paths] == [f"fan_{gid}.png" for gid in goals]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == sorted(p.name for p in paths)


def test_what_the_odds_hang_on_comes_from_a_screening_ranking(tmp_path, monkeypatch):
    """report.txt and summary.json list, per goal, the three assumptions with the largest effect
    in the shipped screening's ranking.csv (here a small stand-in), best first; nothing without one."""
    import sim.screening.shipped as shipped
    from sim.report import HANGS_ON, format_hangs_on, hangs_on

    ranking = tmp_path / "ranking.csv"
    cols = "goal,year,parameter,effect_pp,low_pp,high_pp,mu_pp,rank,method,kind,range_low,range_high,basis"
    rows = [f"hte_250,2026,p{i},{10 - i},{8 - i},{12 - i},{10 - i},{i + 1},morris,plausible,0,1,assumption"
            for i in range(5)]
    # a goal whose odds no parameter moves (the same at every design point) is not listed
    rows += [f"national_htz,2026,p{i},0,0,0,0,1,morris,plausible,0,1,assumption" for i in range(3)]
    ranking.write_text("\n".join([cols, *rows]) + "\n", encoding="utf-8")
    monkeypatch.setattr(shipped, "RANKING", ranking)
    found = hangs_on({"hte_250": None, "national_htz": None})
    assert list(found) == ["hte_250"] and [a["parameter"] for a in found["hte_250"]] == ["p0", "p1", "p2"]
    assert len(found["hte_250"]) == HANGS_ON
    text = format_hangs_on(found)
    assert "hte_250: p0 10 (8–12), p1 9 (7–11), p2 8 (6–10)" in text
    monkeypatch.setattr(shipped, "RANKING", tmp_path / "absent.csv")
    assert hangs_on({"hte_250": None}) == {} and format_hangs_on({}) == ""
