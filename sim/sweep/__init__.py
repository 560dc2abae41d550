"""Lever sweeps: many lever settings x many replicates, on local processes or a Dask cluster.

``spec.py`` (the sweep file), ``design.py`` (the points: grid, Latin hypercube, Sobol'/Saltelli),
``point.py`` (one point, run and reduced in the worker), ``store.py`` (the SQLite results file and
its checkpoint records), ``runner.py`` (resumable runs on any executor of ``sim.execution``),
``analyze.py`` with ``analysis/`` (response curves, the response surface, Sobol' indices, plots,
the report).
"""
