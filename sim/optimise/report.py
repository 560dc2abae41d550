"""``report.md`` of an optimisation: what to fund, how much, the odds it buys, what the next
point of odds would cost, and how sure we are; in English, with a Chinese summary. Every odds
figure is labelled as a model estimate.
"""

from __future__ import annotations

MILLION = 1e6


def _m(x: float) -> str:
    return f"{x / MILLION:,.1f}m CNY"


def _value(name: str, x) -> str:
    return _m(x) if "budget" in name or abs(float(x)) >= 1e5 else f"{x:g}"


def _lever_rows(opt, rec: dict) -> list[str]:
    rows = ["| lever field | recommended | base scenario |", "|---|---|---|"]
    for v, name in zip(opt.spec.variables, opt.names):
        rows.append(f"| {name} (`{v.path}`) | {_value(v.path, rec['levers'][name])} | "
                    f"{_value(v.path, opt.baseline[name])} |")
    return rows


def _next_point(doc: dict) -> list[str]:
    """What one more percentage point of odds costs, between neighbouring frontier points."""
    fr = sorted(doc["frontier"], key=lambda f: f["cost_cny"])
    steps = [(a, b) for a, b in zip(fr, fr[1:]) if b["odds"] > a["odds"]]
    if not steps:
        return ["Fewer than two verified points of rising odds: run the file with `mode = \"frontier\"` to see "
                "what each further point of odds costs."]
    out = ["Between neighbouring points of the frontier (fresh-seed estimates):", ""]
    for a, b in steps:
        per_point = (b["cost_cny"] - a["cost_cny"]) / ((b["odds"] - a["odds"]) * 100)
        out.append(f"- from {a['odds']:.0%} to {b['odds']:.0%} odds: {_m(b['cost_cny'] - a['cost_cny'])} more, about "
                   f"{_m(per_point)} per percentage point (estimate).")
    return out


def report_markdown(opt, outcome, doc: dict) -> str:
    s, rec = opt.spec, doc["recommended"]
    h = opt.base.horizon
    cons = "; ".join(f"P({n}) >= {c.probability:g}" for n, c in zip(opt.constraint_names, s.constraints))
    lines = [f"# Optimisation {s.optimise.name}", "", *([s.optimise.description, ""] if s.optimise.description else []),
             "## The question", "",
             f"What is the cheapest mix of {', '.join(opt.names)} for which {cons} "
             f"({'the cost-odds frontier' if s.optimise.mode == 'frontier' else 'the cheapest feasible mix'})? "
             f"Base scenario: {opt.base.meta.name}. Cost: every lever's CNY over {h.base_year + 1}-{h.end_year}"
             + (f", discounted {s.cost.discount_pct:g}% a year" if s.cost.discount_pct else "")
             + (f"; the levers may spend at most {_m(opt.base.budget.annual_total_cny)} a year (the budget cap)."
                if s.optimise.enforce_budget_cap else "; the budget cap is raised where a mix needs it."), ""]
    lines += ["## The answer (estimates)", ""]
    if rec is None:
        lines += ["No candidate survived the search: no mix inside the bounds reached the targets. Widen the "
                  "variables' bounds or lower the targets.", ""]
    else:
        verdict = ("It is **verified**: on fresh seeds, every lower bound clears its target."
                   if rec["verified"] else
                   "It is **NOT verified**: on fresh seeds, a lower bound stays below its target. Treat it as the "
                   "best lead, not an answer: raise the budget (optimise.replicates), widen the bounds or lower the "
                   "target.")
        lines += ["Fund:", "", *_lever_rows(opt, rec), "",
                  f"It costs {_m(rec['cost_cny'])} over the horizon (all levers), {_m(rec['peak_annual_cny'])} in "
                  f"its dearest year. The odds it buys, estimated from {rec['replicates']:,} fresh replicates the "
                  "search never saw:", "",
                  "| constraint | target | estimate | lower 95% bound | search-time estimate |",
                  "|---|---|---|---|---|"]
        for o in rec["odds"]:
            lines.append(f"| {o['constraint']} | {o['target']:g} | {o['estimate']:.3f} | {o['lower95']:.3f} | "
                         f"{o['search_estimate']:.3f} |")
        lines += ["", verdict, f"The lower bounds hold together for all constraints and every mix verified "
                  f"(one-sided, Bonferroni at {outcome.alpha_family:.4f} each).", "",
                  "`recommended.toml` holds this mix as a scenario file that extends the base: "
                  "`innovsim run recommended.toml` simulates it on a seed of your own.", ""]
    lines += ["## What the next point of odds costs", "", *_next_point(doc), ""]
    wc = doc["winners_curse"]
    if wc["mean"] is not None:
        lines += ["## The winner's curse", "",
                  f"The search-time odds of the verified mixes minus their fresh-seed odds: {wc['mean']:+.3f} on "
                  f"average (standard error {wc['se']:.3f}). The search picks mixes whose odds looked good on its "
                  "replicates, so its own estimates lean high; the figures above come from fresh seeds only.", ""]
    r = doc["replicates"]
    n_cands = len(outcome.entries)
    dropped = sum(1 for e in outcome.entries if not e.live)
    proposed = sum(1 for e in outcome.entries if e.origin.startswith("surrogate"))
    lines += ["## How it was found", "",
              f"{n_cands} candidate mixes were screened on common random numbers ({s.search.screen_replicates} "
              f"replicates each, the same seeds at every mix); a logistic model of the odds proposed "
              f"{proposed} of them. Racing dropped {dropped} (an upper bound "
              f"below a target, or dearer than certified mixes) and gave the survivors {s.search.growth} times "
              f"more replicates a round. Replicates: {r['spent']:,} of a budget of {r['budget']:,} "
              f"({r['search']:,} in the search, {r['verification']:,} on fresh seeds). Method: docs/OPTIMISE.md.", "",
              f"Note: {doc['note']}", ""]
    lines += _summary_zh(opt, rec, doc)
    return "\n".join(lines)


def _summary_zh(opt, rec: dict | None, doc: dict) -> list[str]:
    out = ["## 中文摘要", ""]
    if rec is None:
        return out + ["在给定范围内没有找到满足目标的政策组合。", ""]
    levers = "，".join(f"{n} = {_value(v.path, rec['levers'][n])}" for v, n in zip(opt.spec.variables, opt.names))
    odds = "；".join(f"P({o['constraint']}) 估计 {o['estimate']:.1%}（95% 下限 {o['lower95']:.1%}，"
                    f"目标 {o['target']:.0%}）" for o in rec["odds"])
    status = "已在新的随机种子上验证" if rec["verified"] else "未通过新种子验证，仅供参考"
    return out + [f"推荐组合：{levers}。规划期内总成本 {rec['cost_cny'] / 1e8:,.2f} 亿元。", "",
                  f"可达到的概率（模型估计值）：{odds}。{status}。", "",
                  "所有概率均为模型的蒙特卡洛估计，模型的部分输入本身也是估计值。", ""]
