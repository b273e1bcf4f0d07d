"""Parameters of sales: headcount per territory, capacity, skill, conversion odds, speed to lead."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from gtmsim.model.parameters.base import HOURS_PER_WEEK, Params, param
from gtmsim.model.parameters.limits import MAX_WEEKS

#: Fitted speed-to-lead curves (hours, exponent, floor), for speed_to_lead_curve. Fitted with
#: the exponent fixed at 50 (close to exponential decay), so that the curve's own ratios are
#: exact at the published points: 'hbr2011' m(0.5 h) / m(1.5 h) = 7 and m(0.5 h) / m(36 h) =
#: 60 (HBR 2011, Oldroyd et al.: "within an hour" vs "an hour later" vs "after 24 hours or
#: more", at those bands' middles); 'mit2007' m(5 min) / m(30 min) = 21 (MIT / InsideSales
#: Lead Response Management study, 2007), with HBR's floor. Refit: docs/validation.md.
SPEED_TO_LEAD_CURVES: dict[str, tuple[float, float, float]] = {
    "hbr2011": (23.356, 50.0, 0.0058432),
    "mit2007": (6.0020, 50.0, 0.0058432),
}


def _default_territories() -> dict[str, int]:
    return {"smb": 4, "mid_market": 4, "enterprise": 2}


class SalesParams(Params):
    """The sales team: headcount per territory, capacity, skill and conversion odds."""

    territories: dict[str, Annotated[int, Field(ge=0, le=10_000)]] = Field(
        default_factory=_default_territories,
        description="Number of reps per segment (territory); keys are segment names.",
        json_schema_extra={"unit": "reps"},
    )
    headcount_cut_week: int | None = param(
        None,
        "week",
        "Week in which headcount_cut_fraction of the reps in every territory leave (unset: "
        "none). Their queued leads, SQLs and open deals go back to nurture.",
        ge=1,
        le=MAX_WEEKS,
    )
    headcount_cut_fraction: float = param(
        0.3,
        "share of reps",
        "Share of each territory's reps (rounded to whole reps) who leave at headcount_cut_week.",
        ge=0,
        le=1,
        inert_when={"sales.headcount_cut_week": None},
    )
    annual_cost_per_rep: float = param(
        120_000.0,
        "currency/year",
        "Fully loaded cost of one rep per year.",
        ge=0,
        le=1e8,
    )
    selling_hours_per_week: float = param(
        25.0, "hours/week", "Hours a rep spends selling each week (the rest is admin).", ge=0, le=80
    )
    hours_per_first_contact: float = param(
        1.0,
        "hours",
        "Time to contact and qualify one new lead.",
        gt=0,
        le=HOURS_PER_WEEK,
    )
    hours_per_open_deal: float = param(
        2.0,
        "hours/week",
        "Time each open opportunity takes every week of its cycle.",
        ge=0,
        le=HOURS_PER_WEEK,
    )
    skill_mean: float = param(
        1.0,
        "multiplier",
        "Mean rep skill: multiplies win odds and speeds the cycle.",
        gt=0,
        le=10,
    )
    skill_sd: float = param(
        0.15,
        "log-units (sd)",
        "Spread of skill across reps: skill is log-normal with mean skill_mean.",
        ge=0,
        le=2,
    )
    cycle_length_shape: float = param(
        4.0,
        "dimensionless",
        "Shape of the gamma distribution of sales-cycle lengths around the segment's mean "
        "(4 gives a coefficient of variation of 0.5).",
        gt=0,
        le=1e3,
    )
    acceptance_threshold: float = param(
        0.55,
        "lead score (0-1)",
        "Sales' own bar for a worthwhile lead (used when the lead definition is not agreed).",
        ge=0,
        le=1,
        inert_when={"organisation.lead_definition_agreed": True},
    )
    below_bar_ignored_share: float = param(
        0.5,
        "probability",
        "Of leads below sales' bar, the share silently ignored; the rest are rejected back.",
        ge=0,
        le=1,
    )
    attrition_per_year: float = param(
        0.3,
        "share of reps/year",
        "Share of reps who leave in a year (a constant weekly hazard); each is replaced after "
        "backfill_weeks. Their queued leads, SQLs and open deals go back to nurture and are "
        "recorded. Sales-rep turnover of 25-35% a year is commonly quoted for B2B SaaS "
        "(assumed: no source in docs).",
        ge=0,
        lt=1,
    )
    backfill_weeks: int = param(
        12,
        "weeks",
        "Weeks from a rep leaving (attrition, not a headcount cut) to the replacement's start.",
        ge=0,
        le=MAX_WEEKS,
        inert_when={"sales.attrition_per_year": 0},
    )
    ramp_weeks: int = param(
        20,
        "weeks",
        "Weeks a newly hired rep takes to reach full selling capacity (selling hours grow "
        "linearly from zero); the team at week 0 is fully ramped. AE ramp times of 4-6 months "
        "are commonly quoted (assumed).",
        ge=0,
        le=MAX_WEEKS,
        inert_when={"sales.attrition_per_year": 0},
    )
    max_queue_weeks: int = param(
        4,
        "weeks",
        "A lead not contacted within this many weeks is dropped as stale.",
        ge=1,
        le=MAX_WEEKS,
    )
    response_hours: float = param(
        24.0,
        "hours",
        "Median time from a lead reaching its rep to the first call attempt (log-normal, spread "
        "response_hours_sigma). Hours to first contact = handoff delay + this + whole weeks "
        "the lead waits for a rep with free hours; a lead whose call falls in a later week "
        "waits for it.",
        ge=0,
        le=1e4,
    )
    response_hours_sigma: float = param(
        1.0,
        "log-units",
        "Spread of the reps' response times (standard deviation of their log): 1 puts the "
        "fastest tenth under 0.28 and the slowest tenth over 3.6 times the median (HBR 2011's "
        "audit found 37% of firms answering within an hour and 24% after more than a day).",
        ge=0,
        le=5,
    )
    speed_to_lead_curve: Literal["custom", "hbr2011", "mit2007"] = param(
        "custom",
        "custom | hbr2011 | mit2007",
        "How the chance of qualifying a lead falls with the hours to first contact d: the "
        "probability is multiplied by floor + (1 - floor) * (1 + d/hours)^-exponent. 'custom' "
        "reads speed_to_lead_hours, _exponent and _floor; 'hbr2011' is fitted to HBR 2011 "
        "(within an hour 7x as likely to qualify as an hour later, 60x as after a day or "
        "more); 'mit2007' to the MIT/InsideSales study (5 vs 30 minutes: 21x). Both are web-"
        "lead results, far steeper than the gentle custom default (docs/validation.md).",
    )
    speed_to_lead_hours: float = param(
        48.0,
        "hours",
        "Scale of the speed-to-lead decay: with exponent 1 and floor 0, contact after this "
        "many hours halves the chance of qualifying.",
        gt=0,
        le=1e4,
        inert_when={"sales.speed_to_lead_curve": ["hbr2011", "mit2007"]},
    )
    speed_to_lead_exponent: float = param(
        1.0,
        "dimensionless",
        "Steepness of the speed-to-lead decay (0 = delay does not matter; large values make "
        "it exponential with time constant speed_to_lead_hours / exponent).",
        ge=0,
        le=100,
        inert_when={"sales.speed_to_lead_curve": ["hbr2011", "mit2007"]},
    )
    speed_to_lead_floor: float = param(
        0.0,
        "share",
        "Share of a lead's chance of qualifying that no delay takes away (the late-contact "
        "plateau).",
        ge=0,
        le=1,
        inert_when={"sales.speed_to_lead_curve": ["hbr2011", "mit2007"]},
    )
    qualification_odds: float = param(
        3.0,
        "odds",
        "Odds that an average lead (fit 0.5, trust 0.5) contacted at once qualifies as an SQL "
        "(3: a 75% chance; speed to lead then takes its share). Set so that the separate "
        "company's MQL->SQL (about 16%) is inside the 13-22% of benchmark compilations "
        "(HubSpot, First Page Sage) and the integrated one's (about 45%) inside the 30-60% "
        "some report.",
        gt=0,
        le=1e6,
    )
    opportunity_odds: float = param(
        1.0,
        "odds",
        "Odds that an average SQL becomes an opportunity (SQL->opportunity 30-75% in benchmarks).",
        gt=0,
        le=1e6,
    )
    win_odds: float = param(
        0.12,
        "odds",
        "Odds that an average opportunity is won (opportunity->won 20-30% mid-market).",
        gt=0,
        le=1e6,
    )
    fit_effect: float = param(
        3.0,
        "log-odds per unit fit",
        "How much fit raises the odds at every sales stage.",
        ge=0,
        le=50,
    )
    trust_effect: float = param(
        2.0,
        "log-odds per unit trust",
        "How much trust raises the odds at every sales stage.",
        ge=0,
        le=50,
    )
    trust_lift_per_week: float = param(
        0.08,
        "share of the trust gap/week",
        "Trust a rep builds with an open opportunity each week, scaled by skill.",
        ge=0,
        le=1,
    )
