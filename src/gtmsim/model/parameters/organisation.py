"""Parameters of the organisation: the levers that join (or separate) marketing and sales."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gtmsim.model.parameters.base import Params, param
from gtmsim.model.parameters.limits import MAX_WEEKS

MEETING_CADENCE_WEEKS: dict[str, int | None] = {
    "weekly": 1,
    "monthly": 4,
    "quarterly": 13,
    "never": None,
}


class OrganisationParams(Params):
    """How marketing and sales work together."""

    marketing_goal: Literal["leads", "revenue"] = param(
        "leads",
        "leads | revenue",
        "Shared goals: 'leads' = marketing optimises its own MQL count (separate departments); "
        "'revenue' = one revenue target, so marketing retargets toward what sales wins.",
    )
    lead_definition_agreed: bool = param(
        False,
        "true | false",
        "Whether marketing and sales agreed one lead definition (both use agreed_lead_threshold); "
        "otherwise marketing passes leads above its own bar and sales works only those above its bar.",
    )
    agreed_lead_threshold: float = param(
        0.5,
        "lead score (0-1)",
        "The jointly agreed MQL = sales-accepted bar, used when lead_definition_agreed is true.",
        ge=0,
        le=1,
        inert_when={"organisation.lead_definition_agreed": False},
    )
    handoff_delay_hours: float = param(
        48.0,
        "hours",
        "Time for an MQL to reach a rep. Manual list exports take days; a connected CRM routes "
        "in minutes (HBR 2011: only 37% of firms respond within an hour).",
        ge=0,
        le=1e4,
    )
    handoff_leakage: float = param(
        0.15,
        "probability",
        "Share of MQLs lost between the two systems and never seen by sales (CRM not connected).",
        ge=0,
        le=1,
    )
    meeting_cadence: Literal["weekly", "monthly", "quarterly", "never"] = param(
        "quarterly",
        "weekly | monthly | quarterly | never",
        "How often joint meetings carry sales' feedback to marketing: which leads converted "
        "(scoring learns, the two lead bars move toward each other) and, with a revenue goal, "
        "what wins by channel and segment (retargeting); 'never' = no feedback at all.",
    )
    feedback_scoring_gain: float = param(
        0.05,
        "share per meeting",
        "Share of marketing's learnable lead-scoring error removed at each joint meeting, from "
        "sales' word on which leads converted (assumed: a quarter's meetings remove a fifth of "
        "it, weekly meetings most of it within a year).",
        ge=0,
        le=1,
        inert_when={"organisation.meeting_cadence": "never"},
    )
    feedback_scoring_floor: float = param(
        0.5,
        "share",
        "Share of the lead-scoring error that feedback cannot remove (what neither side can "
        "see before talking to the buyer).",
        ge=0,
        le=1,
        inert_when={"organisation.meeting_cadence": "never"},
    )
    feedback_bar_convergence: float = param(
        0.05,
        "share per meeting",
        "Share of the gap between marketing's MQL bar and sales' acceptance bar closed at each "
        "joint meeting when no lead definition is agreed (each side hears why the other's "
        "leads fail); both bars move, halfway each (assumed).",
        ge=0,
        le=1,
        inert_when={"organisation.meeting_cadence": "never"},
    )
    cross_skilling: float = param(
        0.0,
        "share of staff (0-1)",
        "Share of marketers and sellers trained in the other's craft.",
        ge=0,
        le=1,
    )
    cross_skilling_skill_gain: float = param(
        0.2,
        "multiplier gain",
        "Rep skill gain at full cross-skilling (reps use marketing's content and insight).",
        ge=0,
        le=2,
        inert_when={"organisation.cross_skilling": 0},
    )
    cross_skilling_noise_cut: float = param(
        0.5,
        "share",
        "Share of lead-scoring error removed at full cross-skilling (marketers know buyers).",
        ge=0,
        le=1,
        inert_when={"organisation.cross_skilling": 0},
    )

    @property
    def meeting_interval_weeks(self) -> int | None:
        """Weeks between joint meetings, or None when they never meet."""
        return MEETING_CADENCE_WEEKS[self.meeting_cadence]


class ReorganisationParams(Params):
    """A change of organisation during the run: from ``week`` on, the firm works with the
    organisation levers given here (e.g. a rival integrating in year 2). In a scenario file,
    ``like = "integrated"`` takes every organisation lever of that scenario, and an
    ``[reorganise.organisation]`` table sets levers one by one (over the firm's own)."""

    week: int = param(
        52,
        "week",
        "The first week run with the new organisation levers.",
        ge=1,
        le=MAX_WEEKS,
    )
    organisation: OrganisationParams = Field(
        default_factory=OrganisationParams,
        description="The organisation levers from that week on.",
    )
