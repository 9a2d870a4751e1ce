"""Lead statuses and the transitions a counsellor may make."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class LeadStatus(StrEnum):
    """Where a lead stands in the team's follow-up."""

    NEW = "new"
    CLAIMED = "claimed"
    CONTACTED = "contacted"
    APPOINTMENT = "appointment"
    MOBILISED = "mobilised"
    UNREACHABLE = "unreachable"
    NOT_INTERESTED = "not_interested"
    CLOSED = "closed"


#: Statuses that count as "mobilised" in the figures funders receive.
MOBILISED_STATUSES: Final = frozenset({LeadStatus.APPOINTMENT, LeadStatus.MOBILISED})

#: A lead in one of these is finished; a new request from the same person opens a new lead.
CLOSED_STATUSES: Final = frozenset(
    {LeadStatus.MOBILISED, LeadStatus.UNREACHABLE, LeadStatus.NOT_INTERESTED, LeadStatus.CLOSED}
)

#: Endings after which the team stops writing: whatever was planned for the lead (appointment
#: reminders, messages to send later) is cancelled. A mobilised young person may still have an
#: appointment coming, so its reminders stay.
ENDED_WITHOUT_FOLLOW_UP: Final = CLOSED_STATUSES - {LeadStatus.MOBILISED}

_ORDER: Final = (
    LeadStatus.NEW,
    LeadStatus.CLAIMED,
    LeadStatus.CONTACTED,
    LeadStatus.APPOINTMENT,
    LeadStatus.MOBILISED,
)


def can_move(current: LeadStatus, target: LeadStatus) -> bool:
    """Forward along the happy path, or to an ending from any open status.

    Counsellors correct mistakes, so one step back along the path is allowed too; an ended lead
    can be reopened only to ``claimed``.
    """
    if current == target:
        return False
    if current in CLOSED_STATUSES:
        return target is LeadStatus.CLAIMED
    if target in CLOSED_STATUSES:
        return True
    if target not in _ORDER:
        return False
    return _ORDER.index(target) >= _ORDER.index(current) - 1 and target is not LeadStatus.NEW
