"""Custom actions: answer a topic, ask and record consent, send the lead, erase the user, and
alert the team to a young person in distress.

Each action asks the bot's API and says what the API returns: the texts come from the bot's
reviewed content (``bot/``), in the ``locale`` slot's language. When the API cannot be reached
the action says the team's ``utter_outreach_unavailable`` and changes nothing; a crisis then
gets the team's own ``utter_crisis``, so the emergency numbers are always said. Nothing here
logs what the young person wrote or their details: only action names and HTTP statuses.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk.events import AllSlotsReset, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import Action, Tracker
from rasa_sdk.types import DomainDict

from actions import slot
from actions.api_client import ApiError, ApiUnavailableError, OutreachApi, report
from actions.consent import ConsentOutcome, record

logger = logging.getLogger(__name__)

NOT_FOUND = 404
CRISIS_RESPONSE = "utter_crisis"
"""The team's own emergency text, said when the bot cannot answer."""
MAX_ALERT_TEXT = 4000
"""As much of the message as the bot reads to choose the crisis text."""


def reset_lead_slots() -> list[EventType]:
    """Forget the form's answers: they now live in the team's queue, or nowhere."""
    return [SlotSet(name, None) for name in slot.LEAD_SLOTS]


def form_cut_short(tracker: Tracker) -> list[EventType]:
    """A crisis in the middle of the lead form also forgets the answers given so far.

    The team already has the urgent request; asking for a counsellor later starts a fresh
    form rather than resuming, after the crisis text, at the question that was interrupted.
    """
    return reset_lead_slots() if tracker.active_loop_name == slot.LEAD_FORM else []


class ActionAnswerTopic(Action):
    """Answer the latest intent with the team's reviewed knowledge-base text.

    Sets ``topic`` (carried with a lead sent later) and ``offer_lead`` (whether to offer a
    counsellor after this answer, as our own dialogue does). An intent without an answer gets
    the assistant's ``utter_default``; ``crisis`` is handled as ``action_crisis`` would, in case
    an assistant's rules send it here.
    """

    def __init__(self, api: OutreachApi | None = None) -> None:
        self.api = api or OutreachApi()

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Utter the answer to the latest intent."""
        intent = slot.latest_intent(tracker)
        if intent == slot.CRISIS_INTENT:
            # Not a knowledge-base topic: the team is alerted and the numbers said at once.
            await answer_crisis(self.api, dispatcher, tracker)
            return []
        if intent is None:
            dispatcher.utter_message(response="utter_default")
            return []
        try:
            answer = await self.api.answer(intent, slot.locale_of(tracker))
        except ApiUnavailableError as error:
            report(self.name(), error)
            dispatcher.utter_message(response=slot.UNAVAILABLE)
            return []
        except ApiError as error:
            if error.status != NOT_FOUND:
                report(self.name(), error)
            dispatcher.utter_message(response="utter_default")
            return []
        dispatcher.utter_message(text=answer["text"])
        return [SlotSet(slot.TOPIC, intent), SlotSet(slot.OFFER_LEAD, answer["offer_lead"])]


class ActionCrisis(Action):
    """Alert the team to a young person in distress and give them the emergency numbers.

    The bot opens an urgent lead (no consent is needed: vital interest), or moves the request
    already waiting to the top, and returns its reviewed crisis text for the kind of distress
    the latest message shows (suicide → 3114, violence → 119 and 17, nowhere to sleep → 115).
    If the bot cannot be reached the team's own ``utter_crisis`` is said instead: a young
    person in danger always gets the numbers. Run in the middle of the lead form (the rule
    for ``crisis`` while ``lead_form`` is active), it forgets the form's answers; the rule's
    ``action_deactivate_loop`` then ends the form.
    """

    def __init__(self, api: OutreachApi | None = None) -> None:
        self.api = api or OutreachApi()

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Alert the team, then say the crisis text (the bot's, or the assistant's own)."""
        await answer_crisis(self.api, dispatcher, tracker)
        return form_cut_short(tracker)


async def answer_crisis(
    api: OutreachApi, dispatcher: CollectingDispatcher, tracker: Tracker
) -> None:
    """Raise the alert with the latest message and utter the answer, or ``utter_crisis``."""
    text = latest_text(tracker)
    try:
        answer = await api.alert(tracker.sender_id, text, slot.locale_of(tracker))
    except ApiError as error:
        report("action_crisis", error)
        dispatcher.utter_message(response=CRISIS_RESPONSE)
        return
    logger.info("action_crisis: the team was alerted")
    said = answer.get("text") if isinstance(answer, dict) else None
    if isinstance(said, str) and said.strip():
        dispatcher.utter_message(text=said)
    else:  # an answer without a text must not leave the young person without the numbers
        logger.error("action_crisis: the bot's answer has no text")
        dispatcher.utter_message(response=CRISIS_RESPONSE)


def latest_text(tracker: Tracker) -> str | None:
    """The young person's latest message, as much of it as the bot reads."""
    text = (tracker.latest_message or {}).get("text")
    return text[:MAX_ALERT_TEXT] if isinstance(text, str) and text.strip() else None


class ActionAskConsent(Action):
    """Show the consent text with yes/no buttons, and keep its version for the recording.

    Named ``action_ask_consent``, Rasa runs it to ask the lead form's ``consent`` slot.
    """

    def __init__(self, api: OutreachApi | None = None) -> None:
        self.api = api or OutreachApi()

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_ask_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Utter the current consent text."""
        try:
            request = await self.api.consent_text(slot.locale_of(tracker))
        except ApiError as error:
            report(self.name(), error)
            dispatcher.utter_message(response=slot.UNAVAILABLE)
            return [SlotSet(slot.CONSENT_TEXT_VERSION, None)]
        buttons: list[dict[str, Any]] = [dict(button) for button in request["buttons"]]
        dispatcher.utter_message(text=request["text"], buttons=buttons)
        return [SlotSet(slot.CONSENT_TEXT_VERSION, request["text_version"])]


class ActionRecordConsent(Action):
    """Record the consent after the young person answered the consent text (outside a form).

    On "yes" (intent ``affirm``) the consent is recorded and ``consent`` becomes true; on
    anything else nothing is recorded, ``consent`` becomes false and the refusal is
    acknowledged. If the text changed meanwhile, the new one is shown instead.
    """

    def __init__(self, api: OutreachApi | None = None) -> None:
        self.api = api or OutreachApi()

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_record_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Record the consent if the latest answer was yes."""
        if slot.latest_intent(tracker) != "affirm":
            await say_declined(self.api, dispatcher, tracker)
            return [SlotSet(slot.CONSENT, False), SlotSet(slot.CONSENT_TEXT_VERSION, None)]
        outcome = await record(self.api, tracker)
        if outcome is ConsentOutcome.RECORDED:
            return [SlotSet(slot.CONSENT, True)]
        if outcome is ConsentOutcome.UNAVAILABLE:
            dispatcher.utter_message(response=slot.UNAVAILABLE)
            return [SlotSet(slot.CONSENT, None)]
        # Not shown, or changed since: show the current text, whose answer counts.
        return [SlotSet(slot.CONSENT, None), FollowupAction("action_ask_consent")]


async def say_declined(
    api: OutreachApi, dispatcher: CollectingDispatcher, tracker: Tracker
) -> None:
    """Acknowledge a refused consent with the bot's own words ("je ne garde rien sur toi")."""
    try:
        request = await api.consent_text(slot.locale_of(tracker))
    except ApiError as error:
        report("consent refusal", error)
        return
    dispatcher.utter_message(text=request["declined"])


class ActionSubmitLead(Action):
    """Send the lead form's answers to the team's queue, then forget them here.

    Sends nothing without a consent recorded in this conversation (``consent`` true) or when
    the person is under 15 (``too_young``); the API checks both again. The young person
    reads the bot's confirmation, or that a counsellor already has their request.
    """

    def __init__(self, api: OutreachApi | None = None) -> None:
        self.api = api or OutreachApi()

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_submit_lead"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Submit the lead if consent was given and the person is 15 or older."""
        if tracker.get_slot(slot.TOO_YOUNG) or tracker.get_slot(slot.CONSENT) is not True:
            logger.info("%s: nothing sent (no consent, or under 15)", self.name())
            return reset_lead_slots()
        age, phone = tracker.get_slot(slot.AGE), tracker.get_slot(slot.PHONE)
        if age is None or not phone:
            logger.error("%s: the form ended without an age or a phone number", self.name())
            dispatcher.utter_message(response=slot.UNAVAILABLE)
            return []
        lead = {
            "sender_id": tracker.sender_id,
            "age": int(age),
            "phone": str(phone),
            "first_name": slot.optional(tracker.get_slot(slot.FIRST_NAME)),
            "commune_insee": slot.optional(tracker.get_slot(slot.COMMUNE_INSEE)),
            "need": slot.optional(tracker.get_slot(slot.NEED)),
            "topic": slot.optional(tracker.get_slot(slot.TOPIC)),
            "locale": slot.locale_of(tracker),
        }
        try:
            receipt = await self.api.submit_lead(lead)
        except ApiUnavailableError as error:
            report(self.name(), error)
            dispatcher.utter_message(response=slot.UNAVAILABLE)
            return []  # keep the answers: the same action can be tried again
        except ApiError as error:
            report(self.name(), error)
            dispatcher.utter_message(response=slot.UNAVAILABLE)
            return reset_lead_slots()
        logger.info("%s: lead %s (new: %s)", self.name(), receipt["lead_id"], receipt["created"])
        dispatcher.utter_message(text=receipt["message"])
        return reset_lead_slots()


class ActionEraseUser(Action):
    """Erase everything the bot holds about this young person, then reset every slot.

    Rasa's own tracker store still holds the conversation: a team erases that on its side.
    """

    def __init__(self, api: OutreachApi | None = None) -> None:
        self.api = api or OutreachApi()

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_erase_user"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask the bot to erase this sender and confirm it to them."""
        try:
            receipt = await self.api.erase(tracker.sender_id, slot.locale_of(tracker))
        except ApiError as error:
            report(self.name(), error)
            dispatcher.utter_message(response=slot.UNAVAILABLE)
            return []
        dispatcher.utter_message(text=receipt["message"])
        return [AllSlotsReset()]
