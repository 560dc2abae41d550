"""The rooms of a sweep's analysis, one job each; ``sim.sweep.analyze`` puts them together.

- ``goals.py``: which goals (ids, names and years from the base scenario), the order in which the
  report answers them and which are flat;
- ``curves.py``: response curves, the odds of each goal against one factor's value;
- ``surface.py``: the response surface, marginal odds per 100m CNY and the odds at the baseline;
- ``sobol.py``: first-order and total Sobol' indices from a Saltelli design;
- ``plots.py``: one PNG per goal;
- ``report.py``: the planner's report (Markdown).

The constants below are shared by the rooms, so each is written once.
"""

CONFIDENCE = 0.95        # every interval of the analysis is a 95% interval
SEED = 20240601          # the bootstraps' seed: the same sweep always gives the same intervals
MILLION = 1e6            # budgets are shown in m CNY a year ...
HUNDRED_MILLION = 1e8    # ... and fitted (and marginal odds given) per 100m CNY a year
