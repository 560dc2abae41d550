"""The indicators the engines record for every (replicate, year), with units and meaning.

Goals refer to these names; the tidy results file has one column per indicator. Both engines
(the vectorized core and the Mesa model) produce exactly this set.
"""

from __future__ import annotations

INDICATORS: dict[str, tuple[str, str]] = {
    # goal indicators
    "national_htz": ("flag", "1 once the high-tech zone is approved as a national high-tech zone"),
    "rd_intensity": ("pct", "Hechuan society-wide R&D spending / GDP"),
    "cq_rd_intensity": ("pct", "Chongqing society-wide R&D spending / GDP (exogenous)"),
    "hte_count": ("firms", "high-tech enterprises holding a valid certificate"),
    "tech_based_count": ("firms", "registered tech-based enterprises (科技型企业)"),
    "digital_core_share": ("pct", "digital-economy core industries' value added / GDP"),
    "platform_share_above_scale": ("share", "above-scale industrial firms with a municipal-or-higher R&D platform"),
    "platform_share_hte": ("share", "HTEs with a municipal-or-higher R&D platform"),
    "national_platforms": ("platforms", "national-level R&D platforms"),
    "agri_platforms": ("platforms", "agricultural S&T platforms"),
    "maker_spaces": ("spaces", "university maker spaces (众创空间) of municipal level or higher"),
    "university_projects": ("projects",
                            "S&T projects carried out by local universities, cumulative from the base year"),
    "innovation_rank": ("rank", "Hechuan's rank by composite innovation index among the 38 districts/counties"),
    "first_tier_cutoff": ("rank", "the last rank counted in Chongqing's first tier (exogenous)"),
    # context
    "htz_readiness": ("stage", "the zone's readiness for national status: 0 municipal zone, 1 application and "
                               "self-assessment, 2 on the expert site-visit list, 3 national"),
    "htz_round": ("flag", "1 in a year with a national round of high-tech-zone approvals (any zone)"),
    "gdp": ("100m_CNY", "Hechuan GDP"),
    "rd_spending": ("100m_CNY", "Hechuan society-wide R&D spending"),
    "firms": ("firms", "modelled enterprises alive"),
    "above_scale": ("firms", "above-scale industrial enterprises"),
    "hte_new": ("firms", "certificates granted in the year (first or renewed)"),
    "hte_first": ("firms", "first certificates granted in the year (firms not certified the year before)"),
    "hte_backlog": ("firms", "firms meeting every HTE bar but without a certificate at year end"),
    "hte_in_zone": ("firms", "HTEs located in the high-tech zone"),
    "entrants": ("firms", "firms entering in the year (incubated, recruited, spontaneous)"),
    "recruited": ("firms", "tech firms recruited in the year"),
    "incubated": ("firms", "incubator and accelerator graduates entering in the year"),
    "exits": ("firms", "firms exiting in the year"),
    "collaborations": ("links", "firm collaborations with universities and institutes in the year"),
    "high_level_talents": ("persons", "high-level talents attracted by the talent plan, present"),
    "talent_factor": ("share", "R&D labour supply / demand, capped at 1"),
    "lever_spend": ("100m_CNY", "spending of all levers in the year"),
    "entrants_dropped": ("firms", "entrants that found no free agent slot (should stay 0)"),
}
