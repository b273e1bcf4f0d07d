"""What a team decides each round, and what each decision costs or how long it takes.

A team's :class:`Decisions` are its firm's levers: the marketing budget and channel mix, the
sales headcount, the price and the five organisation practices. Levers that have a cost or a
delay in life have one here (:class:`GameRules`): a hire is paid a recruiting fee and starts
after the scenario's ``sales.backfill_weeks``, then ramps up; a rep let go is paid severance;
connecting the CRM costs a project and goes live weeks later; cross-skilling costs training and
pays off when the training is done. A goal, a lead definition and a meeting cadence are agreed
at once and cost nothing but the change of habit.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gtmsim.model.parameters.base import WEEKS_PER_YEAR, Params, param
from gtmsim.model.scenario import Scenario


class GameRules(Params):
    """Costs and delays of a team's decisions (one set for the whole game)."""

    hiring_fee_share: float = param(
        0.25,
        "share of a rep's annual cost",
        "Recruiting fee per rep hired (agency fees run 20-30% of first-year pay).",
        ge=0,
        le=2,
    )
    severance_weeks: float = param(
        13.0,
        "weeks of a rep's cost",
        "Severance per rep let go (three months' pay, a common package).",
        ge=0,
        le=104,
    )
    crm_cost_per_rep: float = param(
        6_000.0,
        "currency per rep employed",
        "One-off cost of connecting marketing's and sales' systems (integration project and "
        "seats), per rep on the team when it starts.",
        ge=0,
        le=1e7,
    )
    crm_weeks: int = param(
        8,
        "weeks",
        "Weeks from deciding to connect the CRM to leads flowing through it (integration "
        "projects take one to three months).",
        ge=0,
        le=52,
    )
    connected_delay_hours: float = param(
        1.0, "hours", "Handoff delay with a connected CRM (leads routed in minutes).", ge=0, le=1e4
    )
    connected_leakage: float = param(
        0.01, "probability", "Share of MQLs lost between systems with a connected CRM.", ge=0, le=1
    )
    manual_delay_hours: float = param(
        48.0, "hours", "Handoff delay without a connected CRM (list exports).", ge=0, le=1e4
    )
    manual_leakage: float = param(
        0.15, "probability", "Share of MQLs lost between systems without it.", ge=0, le=1
    )
    training_cost_per_rep: float = param(
        4_000.0,
        "currency per rep trained",
        "Cost of cross-skilling, per rep moved into the trained share (course and time away; "
        "the marketers trained alongside them are included).",
        ge=0,
        le=1e7,
    )
    training_weeks: int = param(
        6,
        "weeks",
        "Weeks from deciding to cross-skill to the gain (the training itself).",
        ge=0,
        le=52,
    )
    max_budget_multiple: float = param(
        5.0,
        "multiple of the starting budget",
        "Largest marketing budget a team may set.",
        gt=0,
        le=100,
    )
    max_reps_multiple: float = param(
        4.0, "multiple of the starting team", "Largest sales team a team may set.", gt=0, le=100
    )
    min_price: float = param(0.5, "price multiplier", "Lowest price a team may set.", ge=0.1, le=1)
    max_price: float = param(2.0, "price multiplier", "Highest price a team may set.", ge=1, le=10)


Cadence = Literal["weekly", "monthly", "quarterly", "never"]


class Decisions(BaseModel):
    """One team's levers for a round (a decisions file sets any of them; the rest stay)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    marketing_budget: float = Field(
        ge=0,
        strict=True,
        description="Marketing budget (currency/year), spent evenly over the weeks.",
    )
    channel_mix: dict[str, float] = Field(
        description="Share of the budget per channel (relative weights, normalised to sum to 1)."
    )
    reps: int = Field(
        ge=0, strict=True, description="Sales reps to employ (hired or let go to reach it)."
    )
    price: float = Field(
        gt=0, strict=True, description="Price as a multiple of list price (1 = list)."
    )
    marketing_goal: Literal["leads", "revenue"] = Field(
        description="What marketing optimises: its own MQL count, or the revenue sales wins."
    )
    lead_definition_agreed: bool = Field(
        strict=True, description="Whether marketing and sales agreed one lead definition."
    )
    crm_connected: bool = Field(
        strict=True, description="Whether marketing's and sales' systems are joined."
    )
    meeting_cadence: Cadence = Field(
        description="How often marketing and sales meet to share what converted."
    )
    cross_skilling: float = Field(
        ge=0,
        le=1,
        strict=True,
        description="Share of marketers and sellers trained in the other's craft.",
    )

    @classmethod
    def of(cls, scenario: Scenario, rules: GameRules) -> Decisions:
        """The decisions a firm starts with: its scenario's levers."""
        organisation = scenario.organisation
        return cls(
            marketing_budget=scenario.marketing.annual_budget,
            channel_mix={name: c.share for name, c in scenario.marketing.channels.items()},
            reps=sum(scenario.sales.territories.values()),
            price=scenario.pricing.price,
            marketing_goal=organisation.marketing_goal,
            lead_definition_agreed=organisation.lead_definition_agreed,
            crm_connected=organisation.handoff_delay_hours <= rules.connected_delay_hours,
            meeting_cadence=organisation.meeting_cadence,
            cross_skilling=organisation.cross_skilling,
        )

    def normalised_mix(self) -> dict[str, float]:
        """The channel mix as shares summing to 1."""
        total = sum(self.channel_mix.values())
        return {name: share / total for name, share in self.channel_mix.items()}


#: Shares of a channel mix closer than this are the same mix (a mix typed as percents).
MIX_TOLERANCE = 1e-9


def same(key: str, a: Decisions, b: Decisions) -> bool:
    """Whether decisions ``a`` and ``b`` agree on lever ``key`` (a channel mix compared as
    shares, so 30/20/... and 0.3/0.2/... are one mix)."""
    if key == "channel_mix":
        x, y = a.normalised_mix(), b.normalised_mix()
        return all(abs(x.get(c, 0.0) - y.get(c, 0.0)) <= MIX_TOLERANCE for c in {*x, *y})
    return getattr(a, key) == getattr(b, key)


def plan_cost(
    before: Decisions,
    after: Decisions,
    rep_annual_cost: float,
    weeks: int,
    rules: GameRules,
    headcount: tuple[int, int],
) -> dict[str, float]:
    """What ``after`` costs over a round of ``weeks`` when the team ran ``before`` (currency).

    ``marketing`` and ``sales_team`` are the round's running costs at the new budget and
    headcount (hires are paid once they start; this is the plan's cost, not the books');
    ``one_off`` holds the fees of the changes: hiring, severance, the CRM project and training.
    ``headcount`` is (openings posted, reps let go) as the team's state gives them
    (:meth:`gtmsim.model.team.SalesTeam.headcount_change`: a cut withdraws unfilled openings
    first, without severance).
    """
    hired, let_go = headcount
    one_off = hired * rules.hiring_fee_share * rep_annual_cost
    one_off += let_go * rules.severance_weeks * rep_annual_cost / WEEKS_PER_YEAR
    if after.crm_connected and not before.crm_connected:
        one_off += rules.crm_cost_per_rep * after.reps
    trained = max(0.0, after.cross_skilling - before.cross_skilling)
    one_off += trained * after.reps * rules.training_cost_per_rep
    return {
        "marketing": after.marketing_budget * weeks / WEEKS_PER_YEAR,
        "sales_team": after.reps * rep_annual_cost * weeks / WEEKS_PER_YEAR,
        "one_off": one_off,
    }
