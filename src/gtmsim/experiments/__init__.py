"""Many runs of the model: running batches over seeds, summaries, paired comparisons, docking
with the Bass model, attribution against counterfactual truth and calibration. Imports only
:mod:`gtmsim.model`."""
