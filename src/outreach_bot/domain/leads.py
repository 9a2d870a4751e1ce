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


#: Statuses that count as "mobilised" in the figures funders receive: a lead closed on an
#: outcome of :data:`MOBILISING_OUTCOMES`. An appointment set is not one yet (the figures count
#: appointments on their own).
MOBILISED_STATUSES: Final = frozenset({LeadStatus.MOBILISED})

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


class Outcome(StrEnum):
    """How a followed lead ended: asked when a counsellor closes it, it decides the ending.

    The funders' "jeunes mobilisés" are the young people who entered something (a CEJ, a
    training, a job, the Mission Locale's support); a person reached who needed nothing more,
    or sent to another organisation, is closed without counting there.
    """

    CEJ = "cej"
    TRAINING = "training"
    JOB = "job"
    SUPPORT = "support"
    ORIENTED = "oriented"
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    NOT_INTERESTED = "not_interested"


#: The ending each outcome gives the lead.
OUTCOME_STATUS: Final[dict[Outcome, LeadStatus]] = {
    Outcome.CEJ: LeadStatus.MOBILISED,
    Outcome.TRAINING: LeadStatus.MOBILISED,
    Outcome.JOB: LeadStatus.MOBILISED,
    Outcome.SUPPORT: LeadStatus.MOBILISED,
    Outcome.ORIENTED: LeadStatus.CLOSED,
    Outcome.REACHED: LeadStatus.CLOSED,
    Outcome.NO_ANSWER: LeadStatus.UNREACHABLE,
    Outcome.NOT_INTERESTED: LeadStatus.NOT_INTERESTED,
}

#: Outcomes that make a young person "mobilised" in the funders' figures.
MOBILISING_OUTCOMES: Final = frozenset(
    outcome for outcome, status in OUTCOME_STATUS.items() if status in MOBILISED_STATUSES
)

#: Statuses a first message from the team moves to "contacted": the lead was waiting for one.
BEFORE_CONTACT: Final = frozenset({LeadStatus.NEW, LeadStatus.CLAIMED})

#: Outcomes that say the young person was reached: closing on one of them before anyone marked
#: the lead "contacted" (a phone call) records that step too, so the funders' "contactés"
#: holds everyone the team spoke with.
REACHING_OUTCOMES: Final = frozenset(set(Outcome) - {Outcome.NO_ANSWER})
