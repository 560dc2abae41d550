"""What ``innovsim discover`` writes: ``discovery.json``, ``report.md``, CSV tables and charts.

``discovery.json``::

    {"boxes": [{"goal", "year", "coverage", "density", "restrictions": [{"input", "low", "high",
                "words_en", "words_zh", ...}], "summary_en", "summary_zh", ...}], ...}

One box per outcome, in the order asked. ``target`` says what the box gathers: ``"fail"``, the
futures where the outcome fails, or ``"reach"``, those where it is reached (by default the rarer
of the two: a goal that fails in most futures is explained by where it is still reached).
``goal`` is the goal id (``joint_<year>`` for the joint
goals of a year) and ``year`` the outcome's year (the goal year; for ``GOAL@YEAR`` the year it
must be reached by). ``coverage`` (the share of the target futures inside the box) and ``density`` (the share of the
box's futures that are target futures) are the box's on the cases it was found on (the
discovery half); ``mass`` is its share of all futures; ``test`` and ``fresh`` give the same on the
held-out half and on fresh runs. A restriction's ``low`` or ``high`` is null where the box leaves
that side open; ``input`` is the dotted scenario path (as in ``inputs.parquet``). A box with no
restriction (none met the rule) has ``restrictions: []`` and a ``note``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..goals import round_floats
from .words import limit_words, name_of, summary_words

SIGNIFICANCE_TEXT = {
    "run": "Fisher's exact test (independent replicates), one-sided, on the held-out half",
    "design": "beta-binomial likelihood-ratio test (a point's replicates are correlated), one-sided, "
              "on the held-out half; the naive row-wise Fisher test beside it",
}


def _num(x) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def restriction_rows(found, cases) -> list[dict]:
    """The box's limits with their words, significance and stability."""
    from .significance import LEVEL

    rows = []
    for j in found.box.restricted:
        name = cases.names[j]
        low, high = _num(found.box.low[j]), _num(found.box.high[j])
        unit = cases.units.get(name, "")
        en, zh = limit_words(name, low, high, unit, cases.meanings.get(name), name in cases.integers)
        p, naive, slab_f, slab_t = found.limit_p.get(j, (math.nan, math.nan, 0.0, 0.0))
        rows.append({"input": name, "low": low, "high": high, "words_en": en, "words_zh": zh, "unit": unit,
                     "name_en": name_of(name, cases.meanings.get(name))[0],
                     "name_zh": name_of(name, cases.meanings.get(name))[1],
                     "p_value": _num(p), "p_naive": _num(naive),
                     "significant": bool(math.isfinite(p) and p < LEVEL),
                     "stability": found.stability.get(j, 0.0)})
    return rows


def box_document(found, cases) -> dict:
    """One entry of ``boxes`` in discovery.json."""
    o, box = found.outcome, found.box
    rows = restriction_rows(found, cases)
    summary_en, summary_zh = summary_words(o, found.target, box.density, box.mass, box.coverage,
                                           [r["words_en"] for r in rows], [r["words_zh"] for r in rows])
    doc = {"goal": o.goal if o.kind != "joint" else o.key, "year": o.year, "outcome": o.key, "kind": o.kind,
           "target": found.target, "coverage": box.coverage, "density": box.density, "mass": box.mass,
           "density_all": found.trajectory.boxes[0].density,
           "restrictions": rows, "summary_en": summary_en, "summary_zh": summary_zh,
           "trajectory_index": found.chosen, "cases_discovery": found.n_discovery, "cases_test": found.n_test}
    if found.test_box is not None:
        doc["test"] = {"coverage": found.test_box.coverage, "density": found.test_box.density,
                       "mass": found.test_box.mass, "intervals": found.intervals,
                       "p_box_denser": found.box_p[0], "p_box_naive": found.box_p[1]}
    if found.fresh is not None:
        doc["fresh"] = found.fresh
    if found.crosscheck:
        doc["crosscheck"] = found.crosscheck
    if found.note:
        doc["note"] = found.note
    return doc


def discovery_document(discovery) -> dict:
    """The whole of discovery.json."""
    cases = discovery.cases
    return round_floats({
        "boxes": [box_document(f, cases) for f in discovery.findings],
        "scenario": discovery.scenario.meta.name, "mode": discovery.mode, "seed": discovery.seed,
        "fresh_seed": discovery.fresh_seed, "rule": discovery.rule.text(),
        "significance": SIGNIFICANCE_TEXT[discovery.mode],
        "cases": len(cases), "inputs": list(cases.names), **discovery.info,
        "trajectories": {f.outcome.key: f.trajectory.table() for f in discovery.findings},
        "estimates_note": "Every number here is a model estimate: the inputs are uncertain by design.",
    })


def write_discovery(discovery, out: str | Path) -> list[Path]:
    """Write discovery.json, report.md, boxes.csv, trajectory_<outcome>.csv and the charts."""
    import pandas as pd

    from ..execution.files import atomic_write, make_folder
    from .plots import box_chart, cases_chart, trajectory_chart

    out = make_folder(out)
    doc = discovery_document(discovery)
    written = [atomic_write(out / "discovery.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")]
    rows = [{"outcome": b["outcome"], **r} for b in doc["boxes"] for r in b["restrictions"]]
    written.append(atomic_write(out / "boxes.csv", pd.DataFrame(rows, columns=[
        "outcome", "input", "low", "high", "unit", "p_value", "p_naive", "significant", "stability", "words_en",
        "words_zh"]).to_csv(index=False)))
    for f in discovery.findings:
        slug = _slug(f.outcome.key)
        written.append(atomic_write(out / f"trajectory_{slug}.csv",
                                    pd.DataFrame(f.trajectory.table()).to_csv(index=False)))
        written.append(trajectory_chart(f, out / f"trajectory_{slug}.png"))
        if f.box.n_restricted:
            written.append(box_chart(f, discovery.cases, out / f"box_{slug}.png"))
            written.append(cases_chart(f, discovery.cases, out / f"cases_{slug}.png"))
    written.append(atomic_write(out / "report.md", report_text(discovery, doc)))
    return written


def _slug(key: str) -> str:
    return key.replace("@", "_by_")


def _pct(x) -> str:
    return "n/a" if x is None or not math.isfinite(float(x)) else f"{100 * float(x):.0f}%"


def _interval(iv) -> str:
    if not iv or iv[0] is None or not all(math.isfinite(v) for v in iv):
        return ""
    return f" ({_pct(iv[0])}–{_pct(iv[1])})"


def _p(x) -> str:
    """'= 0.03' or '< 0.0001' (after a 'p')."""
    return "n/a" if x is None else (f"= {x:.2g}" if x >= 1e-4 else "< 0.0001")


def report_text(discovery, doc: dict) -> str:
    """report.md: per outcome the box in words, its limits, its checks and the cross-checks."""
    lines = [f"# Where the plan fails: scenario discovery on '{doc['scenario']}'", "",
             f"Mode: **{doc['mode']}** ({doc['cases']} cases; seed {doc['seed']}). Box rule: {doc['rule']}. "
             f"Significance: {doc['significance']}. Every figure is a model estimate from uncertain inputs.", ""]
    for b in doc["boxes"]:
        lines += [f"## {b['outcome']} ({b['year']})", "", b["summary_en"], "", b["summary_zh"], ""]
        if not b["restrictions"]:
            lines += [f"_{b.get('note', 'No box.')}_", ""]
            continue
        if b.get("note"):
            lines += [f"_Note: {b['note']}_", ""]
        lines += ["| input | limits | p (test half) | p naive | stability |", "|---|---|---|---|---|"]
        for r in b["restrictions"]:
            lines.append(f"| {r['name_en']} (`{r['input']}`) | {r['words_en']} | p {_p(r['p_value'])}"
                         f"{' *' if r['significant'] else ''} | p {_p(r['p_naive'])} | {_pct(r['stability'])} |")
        lines += ["", "| cases | density | coverage | mass |", "|---|---|---|---|",
                  f"| discovery half | {_pct(b['density'])} | {_pct(b['coverage'])} | {_pct(b['mass'])} |"]
        t = b.get("test")
        if t:
            iv = t["intervals"]
            lines.append(f"| held-out half | {_pct(t['density'])}{_interval(iv.get('density'))} | "
                         f"{_pct(t['coverage'])}{_interval(iv.get('coverage'))} | {_pct(t['mass'])} |")
        fr = b.get("fresh")
        if fr:
            iv = fr["intervals"]
            lines.append(f"| fresh runs (seed {doc['fresh_seed']}) | {_pct(fr['density'])}"
                         f"{_interval(iv.get('density'))} | {_pct(fr['coverage'])}{_interval(iv.get('coverage'))} | "
                         f"{_pct(fr['mass'])} |")
            verb = "fails" if b["target"] == "fail" else "is reached"
            lines += ["", f"On fresh runs the outcome {verb} in {_pct(fr['density'])} of the futures inside the box "
                          f"and {_pct(fr['density_outside'])} outside (p {_p(fr['p_inside_denser'])})."]
        c = b.get("crosscheck", {})
        if "cart" in c:
            lines += ["", f"Cross-checks on the held-out half (each flags the {c['flagged']} cases it finds likeliest "
                          "to be target futures, as many as the box holds): "
                          f"CART overlaps the box by {_pct(c['cart']['jaccard'])} (Jaccard; agrees on "
                          f"{_pct(c['cart']['agreement'])} of cases; splits on {', '.join(c['cart']['top_inputs'])}); "
                          f"the logistic fit by {_pct(c['logistic']['jaccard'])} (agrees on "
                          f"{_pct(c['logistic']['agreement'])}; largest effects: "
                          f"{', '.join(x['input'] for x in c['logistic']['top_inputs'])})."]
        slug = _slug(b["outcome"])
        lines += ["", f"![peeling trajectory](trajectory_{slug}.png) ![box limits](box_{slug}.png) "
                      f"![cases](cases_{slug}.png)", ""]
    lines += ["## How to read this", "",
              "Each box gathers the target futures: those where the outcome fails (target fail) or, for an "
              "outcome that fails in most futures, those where it is reached (target reach). Coverage: the share "
              "of all target futures that fall in the box. Density: the share of the box's futures that are "
              "target futures. Mass: the box's share of all futures. The box was found on one half of the cases and "
              "tested on the other (p values, * = p < 0.05); stability is the share of bootstrap resamples whose box "
              "restricts the input. See docs/DISCOVERY.md.", ""]
    return "\n".join(lines)

