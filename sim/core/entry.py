"""Entry, shared by both engines: who takes the year's free places, and with what start state.

New firms take the places that were free at the start of the year (agent slots in the core; the
model's capacity less its firms alive at the start of the year in the Mesa model) in a fixed
order: recruited firms first, then incubator graduates, then start-ups entering directly.
Entrants beyond the free places do not enter (the ``entrants_dropped`` indicator counts them).
Each entrant's start state comes from nine uniforms of its own, used by purpose as the firms'
yearly draws (``state.U_*``): in the core the year's unused draws of the slot it takes, in the
Mesa model nine drawn for it. Where an entrant's sector comes from differs by engine and is the
caller's (docs/ODD.md, section 3.1): the recruitment lever's sector mix, the incubators'
sectors, or the population's.
"""

from __future__ import annotations

import numpy as np

from .. import rules as R
from .init import Layout
from .policy import LeverYear
from .state import (ORIGIN_INCUBATED, ORIGIN_RECRUITED, ORIGIN_SPONTANEOUS, U_AGRI, U_CERT, U_COLLAB, U_EXIT,
                    U_GROWTH, U_PARTNER, U_PLATFORM, U_TECH_BASED)


def places(free, wanting):
    """Entrants placed and dropped when ``wanting`` firms seek ``free`` places (per replicate,
    or one replicate's numbers)."""
    placed = np.minimum(wanting, np.maximum(free, 0))
    return placed, wanting - placed


def origin_by_rank(rank, n_recruited, n_incubated):
    """The origin (``state.ORIGIN_*``) of the entrant that takes the ``rank``-th free place of the
    year (1-based): recruited firms come first, then incubator graduates, then direct start-ups."""
    return np.where(rank <= n_recruited, ORIGIN_RECRUITED,
                    np.where(rank <= n_recruited + n_incubated, ORIGIN_INCUBATED, ORIGIN_SPONTANEOUS))


def entrant(origin, sector, year: int, draw, L: Layout, lv: LeverYear, p) -> dict:
    """The start state of entrants of ``origin`` in ``sector`` (arrays over entrants, or one
    entrant's scalars): industrial and digital flags by the sector's shares, the rest from
    ``rules.entrant_state`` with this year's recruitment settings. ``draw(k)`` gives the entrants'
    uniforms of purpose ``k``; ``p`` the replicate's parameters, one value per entrant."""
    recruited, incubated = origin == ORIGIN_RECRUITED, origin == ORIGIN_INCUBATED
    industrial = draw(U_COLLAB) < L.industrial_share[sector]
    state = R.entrant_state(
        recruited, incubated, year,
        {"revenue": draw(U_GROWTH), "rd": draw(U_CERT), "has_rd": draw(U_TECH_BASED), "st": draw(U_PLATFORM),
         "knowledge": draw(U_EXIT), "hightech": draw(U_AGRI)},
        industrial, lv.recruit_median_revenue, p["entrant_revenue"], p["entrant_rd_share"], lv.recruit_min_rd,
        lv.recruit_conditions, p["recruit_hte_share"], p["st_factor_sd"], p["entrant_rd_propensity"],
        p["rd_propensity_spread"])
    return {"sector": sector, "industrial": industrial, "digital": draw(U_PARTNER) < L.digital_share[sector],
            "age": 0, "origin": origin, **state}
