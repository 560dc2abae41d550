"""Scenario discovery: under which uncertain conditions do the plan's goals fail?

``discover`` (``innovsim discover``) finds, per outcome (a goal in its year, a goal not reached
by a year, the joint goals of a year), the box of inputs in which the outcome fails most often,
by PRIM with the full diagnostics, and says it in English and Chinese. See docs/DISCOVERY.md.

- ``outcomes``: what is explained; ``cases``: the cases (a run's replicates, or design points);
- ``prim``: peeling and pasting; ``analysis``: the box rule, pruning, split, stability;
- ``significance``: tests fitting the mode (Fisher's exact, beta-binomial) and bootstrap intervals;
- ``crosscheck``: CART and a logistic fit; ``words``: boxes in words;
- ``design``: the design mode on the sweep machinery; ``run``: the command end to end;
- ``report``, ``plots``: discovery.json, report.md, CSV tables and charts.

    from sim.discovery import discover, write_discovery
    found = discover("scenarios/baseline.toml", "results/discover", goals=["hte_250"], runs=400)
    write_discovery(found, "results/discover")
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "discover": ".run",
    "Discovery": ".run",
    "Rule": ".analysis",
    "analyse": ".analysis",
    "write_discovery": ".report",
    "discovery_document": ".report",
    "peel": ".prim",
    "paste": ".prim",
    "Box": ".prim",
    "Cases": ".cases",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
