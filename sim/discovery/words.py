"""Boxes in words, in English and Chinese, with the inputs' own names and units.

"The 2026 HTE goal fails in 83% of the futures where mean GDP growth is below 4.1% a year and
...; these futures are 23% of all and hold 61% of its failures." A limit is said in the input's
short name (``NAMES``; otherwise the registry's meaning, ``sim/parameters.py``) and unit
(``UNITS``); a share (0..1) is said as a percentage.
"""

from __future__ import annotations

import math

# dotted path -> (English short name, Chinese short name)
NAMES: dict[str, tuple[str, str]] = {
    "initial.gdp": ("the base year's GDP", "基年GDP"),
    "initial.cq_rd_intensity": ("Chongqing's R&D intensity in the base year", "基年重庆研发投入强度"),
    "initial.firms": ("the base year's count of innovation-relevant firms", "基年创新相关企业数"),
    "initial.above_scale_industrial": ("the base year's count of above-scale industrial firms", "基年规上工业企业数"),
    "initial.hte_count": ("the base year's HTE count", "基年高新技术企业数"),
    "initial.tech_based_count": ("the base year's tech-based firm count", "基年科技型企业数"),
    "initial.rd_intensity": ("Hechuan's R&D intensity in the base year", "基年合川研发投入强度"),
    "initial.rd_enterprise_share": ("enterprises' share of R&D spending", "企业研发支出占比"),
    "initial.firms_with_rd_share": ("the share of firms doing R&D", "有研发活动的企业占比"),
    "initial.digital_core_share": ("digital core industries' share of GDP in the base year",
                                   "基年数字经济核心产业占GDP比重"),
    "initial.digital_agent_share": ("the modelled firms' share of digital-core value added",
                                    "模型企业占数字核心产业增加值比重"),
    "initial.platform_share_above_scale": ("the share of above-scale firms with a municipal platform",
                                           "拥有市级以上研发平台的规上企业占比"),
    "initial.platform_share_hte": ("the share of HTEs with a municipal platform", "拥有市级以上研发平台的高企占比"),
    "initial.district_platform_share": ("the share of firms with a district platform", "拥有区级研发平台的企业占比"),
    "initial.national_platforms": ("the base year's count of national R&D platforms", "基年国家级研发平台数"),
    "initial.agri_platforms": ("the base year's count of agricultural S&T platforms", "基年农业科技平台数"),
    "initial.hte_in_zone_share": ("the share of HTEs in the high-tech zone", "高新区内高企占比"),
    "initial.innovation_rank": ("Hechuan's innovation rank in the base year", "基年合川创新排名"),
    "initial.tb_eligible_backlog": ("the share of unregistered R&D firms already eligible as tech-based",
                                    "已达标未入库的科技型企业占比"),
    "initial.hte_eligible_backlog": (
        "the number of firms eligible for HTE but not yet certified", "已达标未认定的高企数"),
    "initial.rd_labour_slack": ("slack of the R&D labour market", "研发人才供给富余度"),
    "initial.incubator_occupancy": ("incubator occupancy", "孵化器入驻率"),
    "initial.university_projects": (
        "the count of university S&T projects before the base year", "基年前高校科技项目数"),
    "initial.htz_readiness": ("the zone's readiness stage for national status", "高新区创建国家级的准备阶段"),
    "uncertainties.gdp_growth": ("mean GDP growth", "GDP年均增速"),
    "uncertainties.cq_rd_trend": ("yearly rise of Chongqing's R&D intensity", "重庆研发投入强度年增幅"),
    "uncertainties.peer_index_growth": ("peer districts' innovation-index growth", "其他区县创新指数年增速"),
    "uncertainties.first_tier_size": ("the number of first-tier districts", "第一方阵区县数"),
    "uncertainties.nonfirm_rd_growth": ("growth of non-firm R&D spending", "非企业研发支出增速"),
    "uncertainties.other_digital_growth": ("growth of other digital-core value added", "其他数字核心产业增加值增速"),
    "uncertainties.innovation_revenue_premium": ("revenue premium of an innovation", "创新带来的营收增长溢价"),
    "uncertainties.exit_rate": ("firms' yearly exit rate", "企业年退出率"),
    "uncertainties.startup_rate": ("the rate of tech start-ups", "每千家企业科技初创数"),
    "uncertainties.rd_cost_elasticity": ("firms' R&D response to its cost", "企业研发对成本的弹性"),
    "uncertainties.hte_bunching_margin": ("firms' bunching at the HTE R&D threshold", "企业向高企研发门槛集聚的幅度"),
    "uncertainties.knowledge_productivity": ("the knowledge productivity of R&D staff", "研发人员知识生产率"),
    "uncertainties.rd_labour_growth": ("growth of the local R&D labour pool", "本地研发人才增速"),
    "uncertainties.labour_migration": ("the share of R&D shortages filled by people moving in", "研发人才流入补缺比例"),
    "uncertainties.tb_register_prob": ("eligible firms' yearly tech-based registration odds", "达标企业年入库概率"),
    "uncertainties.hte_apply_prob": ("eligible firms' yearly HTE application odds", "达标企业年申报高企概率"),
    "uncertainties.hte_ip_per_innovation": (
        "the odds an innovation gives IP usable for HTE", "每项创新可用于高企申报的知识产权概率"),
    "uncertainties.hte_renew_score_mean": ("mean HTE re-certification score", "高企复审平均得分"),
    "uncertainties.hte_field_share_building_materials": (
        "the share of building-materials HTEs staying in the supported fields", "新型建材高企仍属支持领域的比例"),
    "uncertainties.hte_field_share_consumer_goods": ("the share of consumer-goods HTEs staying in the supported fields",
                                                     "消费品高企仍属支持领域的比例"),
    "uncertainties.hte_field_share_agri_food": ("the share of agri-food HTEs staying in the supported fields",
                                                "农业食品高企仍属支持领域的比例"),
    "uncertainties.hte_field_share_other": ("the share of other HTEs staying in the supported fields",
                                            "其他行业高企仍属支持领域的比例"),
    "uncertainties.hte_approval_rate": ("the HTE approval rate", "高企认定通过率"),
    "uncertainties.recruit_cost": ("the cost per recruited tech firm", "每家招引科技企业成本"),
    "uncertainties.recruit_yield": ("the share of recruitment offers that land a firm", "招商签约落地率"),
    "uncertainties.recruit_pool": ("the number of tech firms Hechuan could recruit a year", "每年可招引科技企业上限"),
    "uncertainties.talent_cost": ("the cost per high-level talent", "每名高层次人才引进成本"),
    "uncertainties.talent_pool": (
        "the number of high-level talents Hechuan could attract a year", "每年可引进高层次人才上限"),
    "uncertainties.graduate_retention": ("the share of graduates staying in Hechuan", "毕业生留合比例"),
    "uncertainties.project_rate": ("the number of university S&T projects a year", "高校年科技项目数"),
    "uncertainties.agri_platform_rate": ("the number of new agricultural platforms a year", "年新增农业科技平台数"),
    "uncertainties.agri_platform_cost": ("the cost per agricultural platform", "每个农业科技平台成本"),
    "uncertainties.campaign_reach_cost": ("registration drive's cost per firm reached", "入库行动每家企业成本"),
    "uncertainties.campaign_register_lift": ("registration drive's lift", "入库行动提升幅度"),
    "uncertainties.campaign_pool_cost": ("cultivation pool's cost per candidate", "培育库每家企业成本"),
    "uncertainties.campaign_apply_lift": ("cultivation pool's lift", "培育库提升幅度"),
    "uncertainties.htz_hazard_ready": ("the zone's yearly odds of moving up a readiness stage",
                                       "高新区每年晋升准备阶段的概率"),
    "uncertainties.htz_hte_requirement": (
        "the number of HTEs the zone needs for national status", "创建国家高新区所需高企数"),
    "uncertainties.htz_round_prob": ("the yearly odds of a national approval round", "国家高新区年度批复轮次概率"),
    "uncertainties.htz_round_approval": ("the odds a listed zone is approved in a round",
                                         "入围高新区在批复轮次中获批概率"),
    "posterior.particle": ("the posterior sample", "后验样本编号"),
}

# unit -> (English suffix, Chinese suffix, scale[, Chinese scale]): a value v is said as v * scale
# followed by the suffix
UNITS: dict[str, tuple[str, str, float]] = {
    "pct": ("%", "%", 1.0), "pct_per_year": ("% a year", "%/年", 1.0),
    "pp_per_year": (" pp a year", "个百分点/年", 1.0),
    "share": ("%", "%", 100.0), "share_per_year": ("% a year", "%/年", 100.0),
    "per_year": ("% a year", "%/年", 100.0),
    "firms": (" firms", "家", 1.0), "firms_per_year": (" firms a year", "家/年", 1.0),
    "100m_CNY": ("bn CNY", "亿元", 0.1, 1.0), "m_CNY_per_firm": ("m CNY per firm", "百万元/家", 1.0),
    "m_CNY_per_talent": ("m CNY per talent", "百万元/人", 1.0),
    "m_CNY_per_platform": ("m CNY per platform", "百万元/个", 1.0),
    "platforms": (" platforms", "个", 1.0), "platforms_per_year": (" platforms a year", "个/年", 1.0),
    "projects": (" projects", "项", 1.0), "projects_per_year": (" projects a year", "项/年", 1.0),
    "talents_per_year": (" talents a year", "人/年", 1.0), "districts": (" districts", "个区县", 1.0),
    "points": (" points", "分", 1.0), "rank": ("", "名", 1.0), "stage": ("", "", 1.0),
    "per_1000_firms": (" per 1000 firms", "/千家企业", 1.0), "per_FTE": (" per R&D FTE", "/研发人年", 1.0),
    "elasticity": ("", "", 1.0), "log_growth": ("", "", 1.0), "ratio": ("", "", 1.0),
}


def name_of(path: str, meaning: str | None = None) -> tuple[str, str]:
    """(English, Chinese) short name of an input; the registry's meaning (or the path) otherwise."""
    if path in NAMES:
        return NAMES[path]
    text = meaning or path.split(".")[-1].replace("_", " ")
    return text, text


def number(v: float, unit: str, lang: str) -> str:
    """A limit with its unit: '4.1% a year', '4.1%/年', '180 firms'."""
    en, zh, scale, *zh_scale = UNITS.get(unit, (f" {unit}" if unit else "", f" {unit}" if unit else "", 1.0))
    x = v * (zh_scale[0] if lang == "zh" and zh_scale else scale)
    text = f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"
    return text + (en if lang == "en" else zh)


def limit_words(path: str, low: float | None, high: float | None, unit: str, meaning: str | None = None,
                integer: bool = False) -> tuple[str, str]:
    """A box limit in words: (English, Chinese). An integer input's limits are said as the whole
    numbers they admit ("at least 1", "at most 12")."""
    en_name, zh_name = name_of(path, meaning)
    lo = None if low is None or not math.isfinite(low) else low
    hi = None if high is None or not math.isfinite(high) else high
    if integer:
        lo, hi = (None if lo is None else math.ceil(lo)), (None if hi is None else math.floor(hi))
        if lo is not None and hi is not None and lo == hi:
            return f"{en_name} is {number(lo, unit, 'en')}", f"{zh_name}为{number(lo, unit, 'zh')}"
        if lo is not None and hi is None:
            return f"{en_name} is at least {number(lo, unit, 'en')}", f"{zh_name}不低于{number(lo, unit, 'zh')}"
        if hi is not None and lo is None:
            return f"{en_name} is at most {number(hi, unit, 'en')}", f"{zh_name}不高于{number(hi, unit, 'zh')}"
    if lo is not None and hi is not None:
        return (f"{en_name} is between {number(lo, unit, 'en')} and {number(hi, unit, 'en')}",
                f"{zh_name}介于{number(lo, unit, 'zh')}与{number(hi, unit, 'zh')}之间")
    if hi is not None:
        return f"{en_name} is below {number(hi, unit, 'en')}", f"{zh_name}低于{number(hi, unit, 'zh')}"
    if lo is not None:
        return f"{en_name} is above {number(lo, unit, 'en')}", f"{zh_name}高于{number(lo, unit, 'zh')}"
    return f"{en_name} is anywhere", f"{zh_name}不限"


def _pct(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{100 * x:.0f}%"


def summary_words(outcome, target: str, density: float, mass: float, coverage: float, limits_en: list[str],
                  limits_zh: list[str]) -> tuple[str, str]:
    """The box as one sentence for a decision maker: (English, Chinese). ``target`` is what the box
    gathers: "fail" (the futures where the outcome fails) or "reach" (where it is reached)."""
    event_en = outcome.fails_en if target == "fail" else outcome.reaches_en
    event_zh = outcome.fails_zh if target == "fail" else outcome.reaches_zh
    whose_en = "its failures" if target == "fail" else "the futures that reach it"
    whose_zh = "未达标情景" if target == "fail" else "达标情景"
    if not limits_en:
        return (f"No box stands out: {event_en} in {_pct(density)} of all futures.",
                f"没有突出的情景组合：全部情景中有{_pct(density)}的情景{event_zh}。")
    en = (f"{event_en[0].upper()}{event_en[1:]} in {_pct(density)} of the futures where "
          f"{' and '.join(limits_en)}; these futures are {_pct(mass)} of all and hold {_pct(coverage)} "
          f"of {whose_en}.")
    zh = (f"在{'且'.join(limits_zh)}的情景中，有{_pct(density)}的情景{event_zh}；"
          f"这些情景占全部情景的{_pct(mass)}，涵盖了{_pct(coverage)}的{whose_zh}。")
    return en, zh
