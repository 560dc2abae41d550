"""The state of a block of replicates: struct-of-arrays shaped (replicates, agents).

Firms live in fixed-capacity arrays with an ``alive`` mask; the first slots hold the plan's named
leading firms, the rest incumbents and, over time, entrants that take free slots. Exited firms
are zeroed so sums need no mask. Universities, institutes, incubators and peer districts are
small (replicates, k) arrays; district-level quantities are (replicates,) arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

F32 = np.float32

# per-firm uniform draws each year (columns of the (block, K, capacity) buffer)
U_INNOVATE, U_COLLAB, U_PARTNER, U_CERT, U_TECH_BASED, U_PLATFORM, U_GROWTH, U_EXIT, U_AGRI = range(9)
N_FIRM_UNIFORMS = 9

ORIGIN_INCUMBENT, ORIGIN_LEADING, ORIGIN_SPONTANEOUS, ORIGIN_INCUBATED, ORIGIN_RECRUITED = range(5)


@dataclass
class Firms:
    """Per-firm state, each array shaped (block, capacity)."""

    alive: np.ndarray
    sector: np.ndarray        # int8, index into schema.SECTORS
    industrial: np.ndarray    # bool
    digital: np.ndarray       # bool: digital-economy core activity
    in_zone: np.ndarray       # bool: located in the high-tech zone
    revenue: np.ndarray       # m CNY
    propensity: np.ndarray    # intrinsic R&D / sales at base-year user cost
    rd_ratio: np.ndarray      # R&D / sales this year
    st_factor: np.ndarray     # firm's S&T staff intensity relative to the average
    knowledge: np.ndarray     # knowledge stock (innovations, depreciated)
    hightech: np.ndarray      # share of revenue from high-tech products
    age: np.ndarray           # years since registration
    tech_based: np.ndarray    # bool: registered tech-based enterprise
    hte_until: np.ndarray     # int16: last valid year of the HTE certificate (0 = none)
    platform: np.ndarray      # int8: 0 none, 1 district, 2 municipal, 3 national
    rd_lag1: np.ndarray       # R&D spending (m CNY) one and two years ago
    rd_lag2: np.ndarray
    sales_lag1: np.ndarray    # revenue one and two years ago
    sales_lag2: np.ndarray
    origin: np.ndarray        # int8: ORIGIN_*
    ip_since: np.ndarray      # innovations since the last HTE certificate (or ever): fresh IP for renewal

    def prefix(self, width: int) -> "Firms":
        """Views of the first ``width`` slots of every array (writes go to the block's arrays)."""
        return Firms(**{k: getattr(self, k)[:, :width] for k in self.__dataclass_fields__})

    def zero(self, mask: np.ndarray) -> None:
        """Reset the state of the slots in ``mask`` (exited firms), so sums and probabilities need
        no alive mask. Exits are few, so this indexes them rather than sweeping every array."""
        idx = np.nonzero(mask)
        for name in ("revenue", "propensity", "rd_ratio", "knowledge", "hightech", "age", "rd_lag1",
                     "rd_lag2", "sales_lag1", "sales_lag2", "ip_since", "hte_until", "platform", "alive", "industrial",
                     "digital", "in_zone", "tech_based"):
            getattr(self, name)[idx] = 0


@dataclass
class District:
    """District-level and small-agent state, arrays shaped (block,) or (block, k)."""

    gdp: np.ndarray              # m CNY
    cq_rd: np.ndarray            # Chongqing R&D intensity, pct
    nonfirm_rd: np.ndarray       # R&D of universities, hospitals, government bodies, m CNY
    other_digital: np.ndarray    # digital-core value added outside the modelled firms, m CNY
    digital_va_ratio: np.ndarray # value added per yuan of digital firms' revenue
    labour_supply: np.ndarray    # local R&D labour pool, FTE
    talents: np.ndarray          # high-level talents present
    national: np.ndarray         # bool: national high-tech zone (htz_stage == rules.HTZ_NATIONAL)
    htz_stage: np.ndarray        # int: the zone's readiness stage, rules.HTZ_* (0 municipal .. 3 national)
    htz_round: np.ndarray        # bool: a national round of zone approvals happened this year
    projects: np.ndarray         # university S&T projects, cumulative
    agri_standalone: np.ndarray  # agri platforms not held by modelled firms
    index0: np.ndarray           # Hechuan's log innovation index in the base year
    components0: np.ndarray      # (block, 4) base-year index components
    peers: np.ndarray            # (block, 37) peers' log innovation index
    peer_growth: np.ndarray      # (block, 37) peers' annual log growth
    students: np.ndarray         # (block, U)
    maker: np.ndarray            # (block, U) maker-space level 0..3
    tenants: np.ndarray          # (block, C) incubator tenants
    prev_hte_new: np.ndarray     # first certificates granted last year (for budgeting rewards)
    hte_backlog: np.ndarray      # firms meeting every HTE bar but not certified at year end
    prev_upgrades: np.ndarray    # (block, 2) municipal and national upgrades last year


@dataclass
class Block:
    """Everything one block of replicates carries from year to year."""

    firms: Firms
    district: District
    params: dict[str, np.ndarray]
    params32: dict[str, np.ndarray]   # the same as float32 (block, 1) columns, for the firm arrays
