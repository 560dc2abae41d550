"""Lever sweeps: many lever settings x many replicates, on local processes or a Dask cluster.

``spec.py`` (the sweep file), ``design.py`` (the points: grid, Latin hypercube, Sobol'/Saltelli),
``point.py`` (one point, run and reduced in the worker), ``executors.py`` (local processes, Dask),
``store.py`` (the SQLite results file), ``runner.py`` (resumable runs), ``analyze.py`` (response
curves, odds per yuan, Sobol' indices, the report).
"""
