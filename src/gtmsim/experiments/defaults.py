"""Defaults of the experiments, in one light module (standard library only).

The experiment modules take these as their defaults and the CLI shows them in ``--help``, so
``gtmsim COMMAND --help`` can read them without loading the model, pandas or scipy.
"""

from __future__ import annotations

from gtmsim.model.parameters.limits import MAX_BASS_WEEKS, MAX_PROSPECTS, MAX_SEEDS, MAX_WEEKS

__all__ = ["MAX_BASS_WEEKS", "MAX_PROSPECTS", "MAX_SEEDS", "MAX_WEEKS"]  # and the defaults below

# --- run and compare ---------------------------------------------------------------------
#: Scenario run by `gtmsim run` with no arguments.
RUN_SCENARIOS = ("separate",)
#: Scenarios compared by `gtmsim compare` with no arguments (the first is the baseline).
COMPARE_SCENARIOS = ("separate", "integrated")
#: Replicate seeds of `gtmsim compare` (`gtmsim run` takes the scenario's simulation.seeds).
COMPARE_SEEDS = 20

# --- attribution -------------------------------------------------------------------------
#: Half-life of the time-decay attribution rule (weeks).
HALF_LIFE_WEEKS = 4.0
#: Shapley enumeration refuses to plan more runs than this unless told otherwise.
SHAPLEY_MAX_RUNS = 600
#: Seeds, weeks and market size (prospects) of `gtmsim attribute`.
ATTRIBUTION_SEEDS = 5
ATTRIBUTION_WEEKS = 104
ATTRIBUTION_PROSPECTS = 10_000

# --- Bass docking ------------------------------------------------------------------------
#: Innovation p and imitation q (per year): Sultan, Farley & Lehmann's 1990 meta-analysis.
BASS_P = 0.03
BASS_Q = 0.38
#: Market size (prospects), horizon (weeks: 20 years), seeds and root seed of the check.
BASS_PROSPECTS = 100_000
BASS_WEEKS = 1040
BASS_SEEDS = 10
BASS_BASE_SEED = 1969
#: The check prints model vs closed form every this many weeks (two years).
BASS_PRINT_EVERY_WEEKS = 104

# --- calibration -------------------------------------------------------------------------
#: The 2025 survey's claims: aligned vs average companies, in % (see ../shared/domain.md):
#: CAC 32% lower, lead conversion 41% higher, and a revenue growth *rate* 57% above (read as
#: the ARR growth rate of the run's last year, on an established company's base).
SURVEY_TARGETS = {"cac": -32.0, "lead_to_customer": 41.0, "arr_growth_pct": 57.0}
#: Continuous integration levers fitted by default, with bounds (units as in the reference).
CALIBRATION_LEVERS = {
    "organisation.handoff_delay_hours": (1.0, 48.0),
    "organisation.handoff_leakage": (0.0, 0.15),
    "organisation.agreed_lead_threshold": (0.35, 0.6),
    "organisation.cross_skilling": (0.0, 1.0),
}
#: Categorical integration levers tried in every combination (one fit per arm) by default.
CALIBRATION_ARMS = {
    "organisation.marketing_goal": ("leads", "revenue"),
    "organisation.lead_definition_agreed": (True, False),
}
CALIBRATION_BASELINE = "separate"
CALIBRATION_TREATMENT = "integrated"
#: Common seeds per evaluation, market size, weeks per run, lever settings in each arm's
#: design, and refits on other seed sets.
CALIBRATION_SEEDS = 10
CALIBRATION_PROSPECTS = 20_000
CALIBRATION_WEEKS = 104
CALIBRATION_DESIGN = 30
CALIBRATION_REFITS = 0
#: Most lever settings per arm and most refits a calibration accepts (each is seeds x 2 runs).
MAX_CALIBRATION_DESIGN = 10_000
MAX_CALIBRATION_REFITS = 100
#: Root seeds of the fit, of the check on fresh seeds, and of refit i (this + i).
CALIBRATION_FIT_SEED = 2025
CALIBRATION_FRESH_SEED = 4242
CALIBRATION_REFIT_SEED = 7000
