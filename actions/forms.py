"""Validation of the lead form (``lead_form``) with the bot's own parsers, through its API.

The form asks, in the domain's order: ``consent``, ``age``, ``first_name``, ``phone``,
``commune``, ``need``. Each answer is checked by ``POST /api/fields/{field}``; a refused one is
asked again with the bot's own words. Two answers end the form at once with nothing sent:
"no" to the consent text, and an age under 15 (after which the consent just recorded is erased
too, since nothing is kept about someone under 15). ``action_submit_lead`` then runs as usual
and sends nothing.

A young person in danger may write so in the middle of the form, where a first name or a need
is asked. When the assistant's NLU reads the ``crisis`` intent, the domain's mappings take
nothing from the message, this validation steps aside, the form is rejected and the rule for
``crisis`` while the form is active runs ``action_crisis`` and ends the form. Any other message
is first passed through the bot's own safety net (``POST /api/crisis-check``), which catches
what the NLU misread ("il me frappe" taken for a first name): then the team is alerted, the
crisis text is said, and the form ends with none of its answers kept. Either way the message
never becomes a field, and the lead is not sent (no consent is left to send it with).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.interfaces import Tracker
from rasa_sdk.types import DomainDict

from actions import slot
from actions.actions import answer_crisis, latest_text, reset_lead_slots, say_declined
from actions.api_client import ApiError, FieldCheck, OutreachApi, report
from actions.consent import ConsentOutcome, record

logger = logging.getLogger(__name__)


class ValidateLeadForm(FormValidationAction):
    """Check every lead-form answer with the bot's API before Rasa keeps it."""

    def __init__(self, api: OutreachApi | None = None) -> None:
        self.api = api or OutreachApi()

    def name(self) -> str:
        """Rasa runs ``validate_<form name>`` after each answer given in the form."""
        return "validate_lead_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Look for distress in the latest message before any of it becomes an answer."""
        if slot.latest_intent(tracker) == slot.CRISIS_INTENT:
            if not tracker.slots_to_validate():
                # Nothing was taken from it: rejected, the form lets the crisis rule run.
                return []
        elif not await self._shows_distress(tracker):
            return await super().run(dispatcher, tracker, domain)
        # A crisis the NLU missed, or one a domain without `not_intent: crisis` took as an
        # answer: alert the team here, and end the form with nothing of it kept.
        await answer_crisis(self.api, dispatcher, tracker)
        return [*reset_lead_slots(), SlotSet(REQUESTED_SLOT, None)]

    async def _shows_distress(self, tracker: Tracker) -> bool:
        """Whether the bot's safety net sees distress in the latest message.

        When the bot cannot be reached, the answer goes on to its usual validation (most of
        which needs the bot too); the assistant's NLU and its crisis rule still stand.
        """
        text = latest_text(tracker)
        if text is None:
            return False
        try:
            check = await self.api.crisis_check(text)
        except ApiError as error:
            report("crisis check", error)
            return False
        return check.get("crisis") is True

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """No more questions once the person is under 15 or refused consent.

        A refusal keeps ``consent`` itself in the list, answered: so the "no" is still
        validated (and acknowledged), and nothing is left to ask.
        """
        if tracker.get_slot(slot.TOO_YOUNG):
            return []
        if tracker.get_slot(slot.CONSENT) is False:
            return [slot.CONSENT]
        return domain_slots

    async def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Record a "yes" against the text shown; a "no" ends the form with nothing kept."""
        if value is not True:
            await say_declined(self.api, dispatcher, tracker)
            return {slot.CONSENT: False, slot.CONSENT_TEXT_VERSION: None}
        outcome = await record(self.api, tracker)
        if outcome is ConsentOutcome.RECORDED:
            return {slot.CONSENT: True}
        if outcome is ConsentOutcome.UNAVAILABLE:
            dispatcher.utter_message(response=slot.UNAVAILABLE)
        # Asked again: action_ask_consent shows the current text, whose answer will count.
        return {slot.CONSENT: None, slot.CONSENT_TEXT_VERSION: None}

    async def validate_age(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep an age of 15 or more; under 15, say why and erase what was recorded."""
        check = await self._check(slot.AGE, value, dispatcher, tracker)
        if check is None:
            return {slot.AGE: None}
        if check["too_young"]:
            self._say(dispatcher, check)
            await self._erase_consent(tracker)
            return {
                slot.AGE: None,
                slot.TOO_YOUNG: True,
                slot.CONSENT: None,
                slot.CONSENT_TEXT_VERSION: None,
            }
        self._say(dispatcher, check)  # the over-29 notice, or asking again
        return {slot.AGE: check["value"] if check["valid"] else None}

    async def validate_first_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A first name or nickname; "passer" leaves it out."""
        if slot.is_skip(value, tracker):
            return {slot.FIRST_NAME: slot.SKIPPED}
        return await self._simple(slot.FIRST_NAME, value, dispatcher, tracker)

    async def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A number a counsellor can call, kept in E.164 form; required."""
        return await self._simple(slot.PHONE, value, dispatcher, tracker)

    async def validate_commune(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The commune, or suggestions as buttons when unsure; "passer" leaves it out."""
        if slot.is_skip(value, tracker):
            return {slot.COMMUNE: slot.SKIPPED, slot.COMMUNE_INSEE: None}
        check = await self._check(slot.COMMUNE, value, dispatcher, tracker)
        if check is None:
            return {slot.COMMUNE: None}
        commune = check["commune"]
        if check["valid"] and commune is not None:
            return {slot.COMMUNE: commune["name"], slot.COMMUNE_INSEE: commune["insee"]}
        self._say(dispatcher, check)
        return {slot.COMMUNE: None, slot.COMMUNE_INSEE: None}

    async def validate_need(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """What the young person is looking for, in their words; "passer" leaves it out."""
        if slot.is_skip(value, tracker):
            return {slot.NEED: slot.SKIPPED}
        return {slot.NEED: slot.optional(value) or slot.SKIPPED}

    async def _simple(
        self, name: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        check = await self._check(name, value, dispatcher, tracker)
        if check is None or not check["valid"]:
            if check is not None:
                self._say(dispatcher, check)
            return {name: None}
        return {name: check["value"]}

    async def _check(
        self, name: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> FieldCheck | None:
        """The API's verdict on one answer, or None (after saying so) when it cannot answer."""
        try:
            return await self.api.check_field(name, str(value), slot.locale_of(tracker))
        except ApiError as error:
            report(f"validate {name}", error)
            dispatcher.utter_message(response=slot.UNAVAILABLE)
            return None

    @staticmethod
    def _say(dispatcher: CollectingDispatcher, check: FieldCheck) -> None:
        """The API's words for this answer, with commune suggestions as buttons."""
        if not check["message"]:
            return
        buttons = [
            {"title": choice["title"], "payload": choice["reply"]}
            for choice in check["suggestions"]
        ]
        dispatcher.utter_message(text=check["message"], buttons=buttons)

    async def _erase_consent(self, tracker: Tracker) -> None:
        """Under 15 nothing is kept: erase the consent recorded at the start of the form."""
        try:
            await self.api.erase(tracker.sender_id, slot.locale_of(tracker))
        except ApiError as error:
            # The API refuses a lead under 15 anyway; the consent alone goes with the purge.
            report("under-15 erasure", error)
