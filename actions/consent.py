"""Recording a consent: shared by the lead form and ``action_record_consent``.

A consent is recorded only against the text that ``action_ask_consent`` showed, whose version it
kept in the ``consent_text_version`` slot: a consent to words the person never saw means nothing.
"""

from __future__ import annotations

import logging
from enum import Enum

from rasa_sdk.interfaces import Tracker

from actions import slot
from actions.api_client import ApiError, ApiUnavailableError, OutreachApi, report

logger = logging.getLogger(__name__)

CONFLICT = 409


class ConsentOutcome(Enum):
    """What became of an attempt to record a consent."""

    RECORDED = "recorded"
    NOT_SHOWN = "not_shown"  # no consent text was shown by action_ask_consent
    OUTDATED = "outdated"  # the text changed since it was shown: show the new one
    UNAVAILABLE = "unavailable"


async def record(api: OutreachApi, tracker: Tracker) -> ConsentOutcome:
    """Record the sender's consent to the text they were shown."""
    version = tracker.get_slot(slot.CONSENT_TEXT_VERSION)
    if not version:
        logger.warning("consent not recorded: no consent text was shown (action_ask_consent)")
        return ConsentOutcome.NOT_SHOWN
    try:
        await api.record_consent(tracker.sender_id, str(version))
    except ApiUnavailableError as error:
        report("consent not recorded", error)
        return ConsentOutcome.UNAVAILABLE
    except ApiError as error:
        if error.status == CONFLICT:
            logger.info("consent text changed since it was shown; asking again")
            return ConsentOutcome.OUTDATED
        report("consent refused", error)
        return ConsentOutcome.UNAVAILABLE
    return ConsentOutcome.RECORDED
