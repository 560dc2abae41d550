"""The report's one message catalogue: every label, heading and sentence in Chinese and English.

``MESSAGES[key] = {"en": ..., "zh": ...}``; texts may hold ``str.format`` fields (``{year}``).
:func:`text` looks a key up for one language; a missing key is a bug and raises ``KeyError``
(``tests/test_reporting.py`` checks that every key has both languages and the same fields).
Goal and lever names are not here: they come from the scenario (``name``, ``name_zh``).

The likelihood words are those of the IPCC's calibrated language (AR5 guidance note, Mastrandrea
et al. 2010); the Chinese words follow the Chinese editions of the IPCC reports, with 不大可能
for "unlikely" (as in AR6), since 不可能 alone reads as "impossible" to a Chinese reader.
"""

from __future__ import annotations

LANGS = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # ---- the page ------------------------------------------------------------------------------
    "title": {"en": "Will Hechuan reach its innovation-plan goals?",
              "zh": "合川区能否实现科技创新工作方案的目标？"},
    "subtitle": {"en": "Scenario {scenario}: {runs} simulated runs, seed {seed}",
                 "zh": "情景 {scenario}：{runs} 次模拟，随机种子 {seed}"},
    "generated": {"en": "Generated {when} by innovsim {version}", "zh": "由 innovsim {version} 于 {when} 生成"},
    "estimate_banner": {
        "en": "Every figure in this report is a model estimate, not an observation or a forecast "
              "guarantee: the odds are the share of simulated runs in which a goal is met.",
        "zh": "本报告中的所有数字均为模型估计值，而非观测值或确定的预测：概率是目标在模拟运行中得以实现的比例。"},
    "toc": {"en": "Contents", "zh": "目录"},
    # ---- first page ------------------------------------------------------------------------------
    "answer": {"en": "The answer on one page", "zh": "一页概览"},
    "odds_table": {"en": "Odds of each goal (estimates)", "zh": "各目标的实现概率（估计值）"},
    "col_goal": {"en": "Goal", "zh": "目标"},
    "col_year": {"en": "Year", "zh": "年份"},
    "col_target": {"en": "Target", "zh": "目标值"},
    "col_odds": {"en": "Odds (95% interval)", "zh": "概率（95%区间）"},
    "col_word": {"en": "Likelihood", "zh": "可能性"},
    "col_first": {"en": "Median first year reached", "zh": "首次实现年份（中位数）"},
    "col_median": {"en": "Indicator in goal year: median (5–95%)", "zh": "目标年份指标：中位数（5–95%）"},
    "never_median": {"en": "not by {end}", "zh": "{end}年前未实现"},
    "joint_title": {"en": "All goals of a year together (estimates)", "zh": "同一年份全部目标同时实现（估计值）"},
    "joint_row": {"en": "All {n} goals of {year}", "zh": "{year}年全部{n}项目标"},
    "joint_one": {"en": "The goal of {year}", "zh": "{year}年的目标"},
    "levers_title": {"en": "The levers simulated and their cost", "zh": "模拟的政策措施及其成本"},
    "col_lever": {"en": "Lever", "zh": "政策措施"},
    "col_budget": {"en": "Annual budget (m CNY)", "zh": "年度预算（百万元）"},
    "col_years": {"en": "Years funded", "zh": "资助年份"},
    "col_total": {"en": "Total {first}–{last} (m CNY)", "zh": "{first}–{last}年合计（百万元）"},
    "from_year": {"en": "from {year}", "zh": "{year}年起"},
    "ramp": {"en": "{n}-year ramp", "zh": "{n}年逐步到位"},
    "levers_cap": {"en": "Budget cap for all levers together: {cap} m CNY a year.",
                   "zh": "全部政策措施的年度预算上限：{cap} 百万元。"},
    "levers_total": {"en": "All levers", "zh": "全部措施"},
    "likelihood_note": {
        "en": "Likelihood words: the IPCC's calibrated language, applied to the estimate, each word "
              "for one range only (mutually exclusive reading): virtually certain ≥ 99%, very likely "
              "90–99%, likely 66–90%, about as likely as not 33–66%, unlikely 10–33%, very unlikely "
              "1–10%, exceptionally unlikely ≤ 1%.",
        "zh": "可能性用语采用IPCC校准用语，针对估计值，每个用语只对应一个区间（互斥解读）：几乎确定 ≥ 99%，"
              "很可能 90–99%，可能 66–90%，或许可能 33–66%，不大可能 10–33%，很不可能 1–10%，极不可能 ≤ 1%。"},
    "mc_note": {"en": "Monte Carlo standard error at most {se} percentage points ({runs} runs); 95% "
                      "intervals are Wilson score intervals of the share of runs.",
                "zh": "蒙特卡洛标准误不超过 {se} 个百分点（{runs} 次模拟）；95%区间为模拟比例的 Wilson 区间。"},
    # ---- goals whose year has come -----------------------------------------------------------------
    "due_title": {"en": "Goals whose year has come", "zh": "已到期的目标"},
    "due_estimated": {"en": "Year {year} has come; no observed figure is in these results yet, so the "
                            "odds are still the model's estimate.",
                      "zh": "{year}年已到；本结果中尚无观测数据，因此概率仍为模型估计值。"},
    "due_observed": {"en": "Observed", "zh": "已观测"},
    "due_still_estimated": {"en": "Still estimated", "zh": "仍为估计"},
    "status_due": {"en": "due", "zh": "已到期"},
    # ---- fan charts ---------------------------------------------------------------------------------
    "fans": {"en": "Each goal's indicator over the years", "zh": "各目标指标的逐年变化"},
    "fans_note": {"en": "Line: median of the runs; bands: 25–75% and 5–95% of runs; dashed red: the "
                        "target; dotted: the goal year. Model estimates.",
                  "zh": "实线：模拟中位数；阴影：25–75%与5–95%的模拟区间；红色虚线：目标值；点线：目标年份。均为模型估计。"},
    "chart_year": {"en": "year", "zh": "年份"},
    "chart_median": {"en": "median", "zh": "中位数"},
    "chart_target": {"en": "target", "zh": "目标"},
    "chart_share": {"en": "share of runs with it reached", "zh": "已实现的模拟比例"},
    "chart_odds": {"en": "odds {year}", "zh": "{year}年概率"},
    "at_goal_year": {"en": "In {year}: median {median} (5–95%: {p5}–{p95}) against the target {target}.",
                     "zh": "{year}年：中位数 {median}（5–95%：{p5}–{p95}），目标 {target}。"},
    "moving_target": {"en": "{series} (median {value})", "zh": "{series}（中位数 {value}）"},
    # ---- compare ------------------------------------------------------------------------------
    "compare": {"en": "What changes against scenario {other}", "zh": "与情景 {other} 相比的变化"},
    "compare_intro": {"en": "This run (B = {this}) against A = {other}: the difference B − A in percentage "
                            "points with its 95% interval; {how}.",
                      "zh": "本次运行（B = {this}）与 A = {other} 相比：B − A 的差值（百分点）及其95%区间；{how}。"},
    "compare_paired": {"en": "paired by run (same seed: common random numbers)",
                       "zh": "按模拟配对（相同随机种子：共同随机数）"},
    "compare_unpaired": {"en": "independent samples (different seeds or sizes)", "zh": "独立样本（随机种子或规模不同）"},
    "col_a": {"en": "A odds", "zh": "A 概率"},
    "col_b": {"en": "B odds", "zh": "B 概率"},
    "col_diff": {"en": "B − A (95% interval)", "zh": "B − A（95%区间）"},
    # ---- sweep -----------------------------------------------------------------------------------
    "sweep": {"en": "Odds per 100m CNY by lever (sweep {name})", "zh": "各政策措施每亿元带来的概率变化（扫描 {name}）"},
    "sweep_intro": {"en": "Percentage points of odds gained per 100m CNY a year more of a lever, at the "
                          "baseline (slope of a response surface fitted to the sweep, 95% bootstrap interval).",
                    "zh": "在基准点每增加1亿元/年投入所增加的概率（百分点；由扫描拟合的响应面斜率，95% bootstrap区间）。"},
    "col_factor": {"en": "Lever", "zh": "措施"},
    "col_pp100m": {"en": "pp per 100m CNY (95% interval)", "zh": "每亿元百分点（95%区间）"},
    # ---- discovery --------------------------------------------------------------------------------
    "discover": {"en": "Where the plan fails or succeeds: scenario discovery", "zh": "计划在何种条件下失败或成功：情景发现"},
    "box_head": {"en": "{goal}, {year}: coverage {coverage}, density {density}",
                 "zh": "{goal}，{year}年：覆盖率 {coverage}，密度 {density}"},
    "box_note": {"en": "Coverage: share of the runs of interest inside the box; density: share of the runs "
                       "inside the box that are of interest.",
                 "zh": "覆盖率：关注的模拟落在该区域内的比例；密度：区域内模拟中属于关注情形的比例。"},
    "col_input": {"en": "Input", "zh": "输入"},
    "col_range": {"en": "Range", "zh": "范围"},
    "col_words": {"en": "In words", "zh": "说明"},
    # ---- optimisation ---------------------------------------------------------------------------
    "optimise": {"en": "The recommended policy mix (optimisation)", "zh": "推荐的政策组合（优化）"},
    "opt_cost": {"en": "Cost: {cost} m CNY.", "zh": "成本：{cost} 百万元。"},
    "col_value": {"en": "Value", "zh": "取值"},
    "col_constraint": {"en": "Goal or constraint", "zh": "目标或约束"},
    "col_estimate": {"en": "Estimate", "zh": "估计"},
    "col_lower95": {"en": "Lower 95% bound", "zh": "95%下限"},
    "frontier": {"en": "Cost against odds: the frontier", "zh": "成本与概率：前沿"},
    "col_cost": {"en": "Cost (m CNY)", "zh": "成本（百万元）"},
    "chart_cost": {"en": "cost (m CNY)", "zh": "成本（百万元）"},
    "chart_odds_axis": {"en": "odds", "zh": "概率"},
    # ---- switching values ----------------------------------------------------------------------
    "switching": {"en": "Switching values: what would have to be true", "zh": "转换值：需要满足什么条件"},
    "switching_intro": {
        "en": "For each uncertain input, the value at which a goal's odds cross {threshold}: a logistic "
              "regression of the goal's success on that input over the {runs} runs, solved for odds "
              "= {threshold}. Only inputs whose low and high fifths of runs differ clearly are shown.",
        "zh": "对每个不确定输入，目标概率越过 {threshold} 时的取值：以该输入对目标是否实现做logistic回归"
              "（{runs} 次模拟），求概率 = {threshold} 时的取值。仅列出低五分之一与高五分之一模拟差异明显的输入。"},
    "switch_above": {"en": "odds above {threshold} when the input is above {value}",
                     "zh": "输入高于 {value} 时概率高于 {threshold}"},
    "switch_below": {"en": "odds above {threshold} when the input is below {value}",
                     "zh": "输入低于 {value} 时概率高于 {threshold}"},
    "switch_none": {"en": "no switching value within the sampled range", "zh": "在抽样范围内无转换值"},
    "switch_none_goal": {"en": "{goal}: no input has a switching value within the sampled range.",
                         "zh": "{goal}：在抽样范围内没有输入存在转换值。"},
    "switch_flat_goal": {"en": "{goal}: the same outcome in every run; no switching value.",
                         "zh": "{goal}：所有模拟结果相同，无转换值。"},
    "switch_missing": {"en": "No per-run inputs table (inputs.parquet) in the results: switching values "
                             "are left out. Rerun the scenario with this version to get them.",
                       "zh": "结果中没有逐次模拟的输入表（inputs.parquet），故省略转换值。用本版本重新运行情景即可获得。"},
    "switch_no_sklearn": {"en": "Switching values need scikit-learn: pip install -e \".[discovery]\".",
                          "zh": "转换值需要 scikit-learn：pip install -e \".[discovery]\"。"},
    "first_note": {"en": "Median first year: the first year by which at least half the runs have met the goal "
                         "in some year (a goal met early can be lost again, so this can come before a goal year "
                         "whose odds are low).",
                   "zh": "首次实现年份（中位数）：至少一半模拟已在某一年实现该目标的最早年份（目标实现后可能再次失去，"
                         "因此该年份可能早于概率较低的目标年份）。"},
    "col_sampled": {"en": "Sampled range", "zh": "抽样范围"},
    "col_switch": {"en": "Switching value", "zh": "转换值"},
    "col_reading": {"en": "Reading", "zh": "解读"},
    # ---- what the odds hang on ----------------------------------------------------------------
    "hang": {"en": "What the odds hang on", "zh": "概率取决于哪些假设"},
    "hang_intro": {"en": "Per goal, the three assumptions that move its odds most (screening of the "
                         "uncertain inputs, odds in percentage points from the input's low to its high value).",
                   "zh": "各目标影响概率最大的三项假设（不确定输入的筛选；从该输入的低值到高值，概率变化的百分点）。"},
    "col_assumption": {"en": "Assumption", "zh": "假设"},
    "col_effect": {"en": "Effect (pp)", "zh": "影响（百分点）"},
    "col_low_high": {"en": "Odds at low / high (pp)", "zh": "低值 / 高值时概率（百分点）"},
    # ---- calibration -------------------------------------------------------------------------------
    "calibration": {"en": "How well the model fits what is observed", "zh": "模型与观测数据的拟合程度"},
    "calibration_intro": {"en": "Observed figures against the calibrated model's 5–95% predictive band "
                                "(calibration {path}). Outside the band: the fit trades that figure off against others.",
                          "zh": "观测值与校准后模型5–95%预测区间的对比（校准文件 {path}）。落在区间外：该数字与其他数字之间存在权衡。"},
    "calibration_none": {"en": "This scenario draws from no calibration posterior: no fit to show.",
                         "zh": "本情景未使用校准后验分布，无拟合结果可展示。"},
    "col_series": {"en": "Observed series", "zh": "观测序列"},
    "col_observed": {"en": "Observed", "zh": "观测值"},
    "col_band": {"en": "Model 5–95% (median)", "zh": "模型 5–95%（中位数）"},
    "col_covered": {"en": "Inside", "zh": "是否在区间内"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "calibration_covered": {"en": "{k} of {n} observed figures lie inside the model's band.",
                            "zh": "{n} 个观测值中有 {k} 个落在模型区间内。"},
    # ---- audit -----------------------------------------------------------------------------------
    "audit": {"en": "Audit appendix", "zh": "审计附录"},
    "audit_intro": {"en": "Everything needed to check and rerun these numbers.", "zh": "核查与复现这些数字所需的全部信息。"},
    "audit_scenario": {"en": "Scenario", "zh": "情景"},
    "audit_hash": {"en": "Scenario hash (SHA-256 of the resolved scenario)", "zh": "情景哈希（解析后情景的 SHA-256）"},
    "audit_fingerprint": {"en": "Run fingerprint (what changes the numbers)", "zh": "运行指纹（影响数字的内容）"},
    "audit_version": {"en": "innovsim version", "zh": "innovsim 版本"},
    "audit_engine": {"en": "Engine", "zh": "引擎"},
    "audit_seed": {"en": "Seed", "zh": "随机种子"},
    "audit_runs": {"en": "Runs (replicates)", "zh": "模拟次数"},
    "audit_years": {"en": "Years", "zh": "年份"},
    "audit_ci": {"en": "Interval method", "zh": "区间方法"},
    "audit_ci_text": {"en": "95% Wilson score interval of the share of runs; joint odds: the share of runs in "
                            "which every goal of the year holds.",
                      "zh": "模拟比例的95% Wilson 区间；联合概率：同一年全部目标同时实现的模拟比例。"},
    "audit_rerun": {"en": "To rerun: save the scenario below as scenario.json, then in Python: "
                          "s = sim.Scenario.model_validate_json(open('scenario.json').read()); "
                          "sim.run_scenario(s, runs={runs}, seed={seed}). The same numbers follow when the "
                          "run fingerprint matches.",
                    "zh": "复现方法：将下方情景保存为 scenario.json，然后在 Python 中运行："
                          "s = sim.Scenario.model_validate_json(open('scenario.json').read()); "
                          "sim.run_scenario(s, runs={runs}, seed={seed})。运行指纹相同时，结果完全一致。"},
    "audit_estimated": {"en": "Inputs that are estimates (drawn from distributions, no observed figure)",
                        "zh": "属于估计的输入（按分布抽样，无观测值）"},
    "audit_calibrated": {"en": "Inputs calibrated to the observed record (drawn from the posterior)",
                         "zh": "经观测数据校准的输入（从后验分布抽样）"},
    "audit_omissions": {"en": "Known omissions", "zh": "已知的遗漏"},
    "audit_embedded": {"en": "The resolved scenario (JSON)", "zh": "解析后的情景（JSON）"},
    "omission_profits": {"en": "Firms' profits are not modelled, so neither are the reduced income-tax rates of "
                                "small low-profit enterprises.",
                         "zh": "未模拟企业利润，因此也未模拟小型微利企业的所得税优惠税率。"},
    "omission_space": {"en": "Space is not modelled; the only location is whether a firm is in the high-tech zone.",
                       "zh": "未模拟空间；唯一的区位信息是企业是否位于高新区内。"},
    "omission_maker": {"en": "The universities' maker spaces start at the scenario's levels: the calibration "
                              "does not carry them.",
                       "zh": "高校众创空间从情景设定的水平开始：校准未包含这些数据。"},
    "omission_staff": {"en": "Universities' research staff drive no mechanism in this release.",
                       "zh": "本版本中高校科研人员不驱动任何机制。"},
    "omission_series": {"en": "Hechuan's own R&D, enterprise and platform series are not public: those start "
                               "values are estimates or calibrated, never observed figures.",
                        "zh": "合川区自身的研发、企业和平台数据未公开：这些初始值为估计或校准值，而非观测值。"},
    "omission_environment": {"en": "Chongqing's R&D path and the peer districts are outside the model "
                                    "(uncertain inputs); Hechuan's levers do not move them.",
                             "zh": "重庆市研发投入路径和其他区县是模型的外部环境（不确定输入），合川的政策措施不影响它们。"},
    # ---- likelihood words ------------------------------------------------------------------------
    "lk_virtually_certain": {"en": "virtually certain", "zh": "几乎确定"},
    "lk_very_likely": {"en": "very likely", "zh": "很可能"},
    "lk_likely": {"en": "likely", "zh": "可能"},
    "lk_about_as_likely_as_not": {"en": "about as likely as not", "zh": "或许可能"},
    "lk_unlikely": {"en": "unlikely", "zh": "不大可能"},
    "lk_very_unlikely": {"en": "very unlikely", "zh": "很不可能"},
    "lk_exceptionally_unlikely": {"en": "exceptionally unlikely", "zh": "极不可能"},
    # ---- misc ------------------------------------------------------------------------------------
    "section_absent": {"en": "{what}: not given.", "zh": "{what}：未提供。"},
    "unreadable": {"en": "{file} could not be read ({why}); the section is left out.",
                   "zh": "无法读取 {file}（{why}），省略本节。"},
    "none": {"en": "none", "zh": "无"},
}


def text(key: str, lang: str, **fields) -> str:
    """The message ``key`` in ``lang`` ("zh" or "en"), with ``fields`` filled in.

    Raises
    ------
    KeyError
        If the key or the language is not in the catalogue.
    """
    template = MESSAGES[key][lang]
    return template.format(**fields) if fields else template


def both(key: str, sep: str = " / ", **fields) -> str:
    """The message in Chinese and English joined by ``sep`` (chart labels of a bilingual report)."""
    return sep.join(text(key, lang, **fields) for lang in LANGS)
