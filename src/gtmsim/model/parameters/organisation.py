"""Parameters of the organisation: the levers that join (or separate) marketing and sales."""

from __future__ import annotations

from typing import Literal

from gtmsim.model.parameters.base import Params, param

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
        "How often joint meetings carry sales' feedback (what converts, by channel and segment) "
        "to marketing; 'never' = no feedback at all.",
        inert_when={"organisation.marketing_goal": "leads"},  # see Organisation.review
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
