"""Which parameters act on which KPI: groups of scenario keys (or key prefixes), one per
mechanism, from which the KPI registry (:mod:`gtmsim.model.kpis`) declares each KPI's
``acted_on_by``. Standard library only."""

from __future__ import annotations


def keys(*groups: str) -> tuple[str, ...]:
    """The distinct parameter keys named in ``groups`` (whitespace-separated), in order."""
    return tuple(dict.fromkeys(" ".join(groups).split()))


# Groups of parameter keys (or key prefixes) by the mechanism they act through.
BUDGET = "marketing.annual_budget marketing.budget_cut_week marketing.budget_cut_fraction"
REACH = f"{BUDGET} marketing.channels market"  # the whole market: size, fit, word of mouth
MQL_BAR = """organisation.lead_definition_agreed organisation.agreed_lead_threshold
    marketing.mql_threshold"""
FEEDBACK = """organisation.meeting_cadence organisation.feedback_scoring_gain
    organisation.feedback_scoring_floor organisation.feedback_bar_convergence"""
BARS = f"{MQL_BAR} sales.acceptance_threshold {FEEDBACK}"
HANDOFF = "organisation.handoff_delay_hours organisation.handoff_leakage"
SPEED = """sales.response_hours sales.response_hours_sigma sales.speed_to_lead_curve
    sales.speed_to_lead_hours sales.speed_to_lead_exponent sales.speed_to_lead_floor"""
CAPACITY = """sales.territories sales.selling_hours_per_week sales.hours_per_first_contact
    sales.hours_per_open_deal sales.max_queue_weeks sales.headcount_cut_week
    sales.headcount_cut_fraction sales.attrition_per_year sales.backfill_weeks sales.ramp_weeks"""
SCORING = f"""marketing.scoring_noise marketing.score_fit_weight organisation.cross_skilling
    organisation.cross_skilling_noise_cut {FEEDBACK}"""
SKILL = """sales.skill_mean sales.skill_sd organisation.cross_skilling
    organisation.cross_skilling_skill_gain"""
TARGETING = """organisation.marketing_goal organisation.meeting_cadence marketing.replan_weeks
    marketing.retargeting_rate marketing.retargeting_floor"""
QUALIFY = f"""{BARS} {HANDOFF} {SPEED} {CAPACITY} {SCORING} sales.qualification_odds
    sales.fit_effect sales.trust_effect market.segments marketing.channels"""
CLOSE = f"sales.opportunity_odds sales.win_odds sales.trust_lift_per_week {SKILL}"
WINS = f"{REACH} {QUALIFY} {CLOSE} {TARGETING} marketing.nurture_cooldown_weeks"
DEALS = f"market.segments sales.territories {TARGETING}"
SELF_SERVE = "marketing.direct_adoption_per_year market.imitation_per_year"  # Bass adoption
RETENTION = "market.segments customers"  # installed base, churn, expansion, fit
ARR = keys(WINS, DEALS, SELF_SERVE, RETENTION)
