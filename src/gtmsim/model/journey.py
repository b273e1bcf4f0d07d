"""The buyer's journey and the lead process: the stages a prospect moves through."""

from __future__ import annotations

from enum import IntEnum


class Stage(IntEnum):
    """The buyer's journey. Customers never leave (no churn in this model)."""

    UNAWARE = 0
    AWARE = 1
    TRUSTING = 2
    CUSTOMER = 3


class LeadStage(IntEnum):
    """Where a prospect stands in the lead process (independent of its journey stage)."""

    NONE = 0  # not a lead
    HANDOFF = 1  # marketing-qualified (MQL), on its way to sales
    QUEUED = 2  # accepted by sales, waiting in a rep's queue for first contact
    SQL = 3  # sales-qualified at first contact
    OPPORTUNITY = 4  # an open deal in a multi-week sales cycle
    WON = 5  # bought; the prospect is a customer
    NURTURE = 6  # lost, rejected, leaked or ignored; back with marketing until a cool-down ends
