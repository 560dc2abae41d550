"""Calibration of the model's uncertain parameters to observed figures (issue 4).

Among its modules, ``observations`` reads and checks ``calibration/data/observed.csv``: the
observed figures the fit uses, with their sources, confidence grades and standard deviations.
Nothing is imported here; users import the submodule they need, so importing the package stays
cheap.
"""
