"""Which goals a sweep's analysis answers, and in which order: a rule read from the data.

The goals are the base scenario's, as the sweep recorded them (the store's meta ``goals``: id,
name, year, in the scenario's order), then the joint goals ``joint_<year>``. Nothing names a goal
in the code: a scenario with other goals gets its own report.

The order (``answer_order``): the report answers first the goals whose odds the swept factors move
the most. How much a goal moves is its **spread**: the standard deviation of its odds over the
finished points (the variance that Sobol' indices divide among the factors). Every point reuses the
same random numbers, so a goal the factors do not touch keeps the same odds at every point, and the
spread measures the factors' doing, not different luck. Goals with the same spread (among them all
flat goals) keep the scenario's order; the joint goals come last, by year: they sum up the others.

A goal is **flat** when its odds are the same at every finished point (spread exactly 0): no lever
buys any odds for it within the swept ranges, so the report lists it in one line instead of
answering it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

JOINT = "joint_"


def goal_info(meta: dict, base_file: str, folder: Path, columns: list[str]) -> dict:
    """Names and years of the goals, in the scenario's order, then the joint and unnamed goals.

    Parameters
    ----------
    meta : dict
        The store's meta table; its ``goals`` entry lists the base scenario's goals.
    base_file, folder
        The base scenario file as the sweep file gives it, and the sweep's folder: the names come
        from that file when the sweep did not record them (sweeps written before it did).
    columns : list of str
        The goal ids with odds in the sweep's goals table.

    Returns
    -------
    dict
        Goal id -> {"name", "name_zh", "year"}; the scenario's goals first, in its order. A goal
        without a recorded name is named by its id (year 0).
    """
    info: dict = json.loads(meta["goals"]) if "goals" in meta else {}
    if not info:
        info = _goals_of_base_file(base_file, folder)
    for gid in columns:
        if gid.startswith(JOINT) and gid not in info:
            year = gid.split("_", 1)[1]
            info[gid] = {"name": f"All {year} goals together", "name_zh": "", "year": int(year) if year.isdigit()
                         else 0}
        info.setdefault(gid, {"name": gid, "name_zh": "", "year": 0})
    return info


def _goals_of_base_file(base_file: str, folder: Path) -> dict:
    """The goals of the base scenario file, found as given, from here, the sweep's folder or its parent."""
    candidates = []
    if base_file:
        p = Path(base_file)
        candidates = [p] if p.is_absolute() else [Path.cwd() / p, folder / p, folder.parent / p]
    for path in candidates:
        try:
            if not path.is_file():
                continue
            from ...scenario.loader import load_scenario

            scenario = load_scenario(path)
        except Exception:  # names are a nicety: fall back to the ids
            continue
        return {gid: {"name": g.name, "name_zh": getattr(g, "name_zh", ""), "year": int(g.year)}
                for gid, g in scenario.goals.items()}
    return {}


def constant_goals(table, goals: list[str]) -> list[str]:
    """The goals whose odds are the same in every row of ``table`` (exactly: odds are shares of replicates)."""
    return [g for g in goals if np.ptp(table[g].to_numpy(float)) == 0]


def goal_spread(wide, goals: list[str]) -> dict:
    """How much the swept factors move each goal's odds.

    Parameters
    ----------
    wide : pandas.DataFrame
        The finished points' odds, one column per goal.
    goals : list of str
        The goals to measure.

    Returns
    -------
    dict
        Goal id -> standard deviation of its odds over the points; exactly 0 for a goal with the
        same odds at every point (a computed standard deviation of equal values can be 1e-17).
    """
    constant = set(constant_goals(wide, goals))
    return {g: 0.0 if g in constant else float(wide[g].to_numpy(float).std()) for g in goals}


def answer_order(info: dict, spread: dict) -> list[str]:
    """The goals in the order the report answers them.

    Parameters
    ----------
    info : dict
        Goal id -> names and year (``goal_info``): its order is the scenario's.
    spread : dict
        Goal id -> spread (``goal_spread``): the goals to order.

    Returns
    -------
    list of str
        The scenario's goals, largest spread first (ties in the scenario's order), then the joint
        goals by year.
    """
    goals = [g for g in info if g in spread]
    joint = sorted(g for g in goals if g.startswith(JOINT))
    own = [g for g in goals if g not in joint]
    return sorted(own, key=lambda g: -spread[g]) + joint


def flat_goals(goals: list[str], spread: dict) -> list[str]:
    """The goals, in ``goals``' order, whose odds the swept factors do not move at all (spread 0)."""
    return [g for g in goals if spread[g] == 0]
