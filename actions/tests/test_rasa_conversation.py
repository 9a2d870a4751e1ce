"""Whole conversations with a real Rasa assistant built from the examples, end to end.

Rasa (trained from ``domain_example.yml`` and ``rules_example.yml``) calls the action server,
which calls the real bot: this is what a team gets when it follows ``actions/README.md``.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest


class Chat:
    """A young person writing to the Rasa assistant's REST channel."""

    def __init__(self, url: str, sender: str) -> None:
        self.url = url
        self.sender = sender
        self.last: list[dict[str, Any]] = []

    def say(self, message: str) -> list[str]:
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.url,
            data=json.dumps({"sender": self.sender, "message": message}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            self.last = json.load(response)
        return [item.get("text", "") for item in self.last]

    def payloads(self) -> list[str]:
        return [button["payload"] for item in self.last for button in item.get("buttons", [])]

    def tracker(self) -> dict[str, Any]:
        """Rasa's own record of the conversation (``rasa run --enable-api``)."""
        base = self.url.rsplit("/webhooks/", 1)[0]
        with urllib.request.urlopen(  # noqa: S310 - loopback
            f"{base}/conversations/{self.sender}/tracker", timeout=60
        ) as response:
            tracker: dict[str, Any] = json.load(response)
        return tracker


def test_a_young_person_is_queued_through_rasa(rasa, bot, sender, content):
    """Topic, consent, age, name, phone, a misspelt town, need: the team gets the lead."""
    messages = content["messages"]
    chat = Chat(rasa, sender)
    assert chat.say("/cej") == [content["answers"]["cej"]["text"]["fr"]]
    assert chat.say("/ask_human") == [content["privacy"]["consent"]["text"]["fr"]]
    assert chat.payloads() == ["/affirm", "/deny"]
    assert chat.say("/affirm") == [messages["ask_age"]["fr"]]
    assert chat.say("j'ai 17 ans") == [messages["ask_name"]["fr"]]
    assert chat.say("je m'appelle Capucine") == [messages["ask_phone"]["fr"]]
    assert chat.say("06 11 22 33 44") == [messages["ask_commune"]["fr"]]
    assert chat.say("verdin")[0] == messages["did_you_mean"]["fr"]
    assert chat.payloads()[0] == "55100 Verdun"
    assert chat.say("55100 Verdun") == [messages["ask_need"]["fr"]]
    assert chat.say("un job en cuisine") == [messages["lead_done"]["fr"]]

    (lead,) = [lead for lead in bot.get("/api/leads")[1] if lead["first_name"] == "Capucine"]
    assert (lead["age"], lead["phone"], lead["commune"], lead["topic"]) == (
        17,
        "+33611223344",
        "Verdun",
        "cej",
    )
    assert lead["channel"] == lead["consent"]["channel"] == "rasa"

    assert chat.say("/forget_me") == [messages["erase_done"]["fr"]]
    assert bot.get(f"/api/leads/{lead['id']}")[0] == 404


def test_under_15_through_rasa_keeps_nothing(rasa, bot, sender, content):
    """At 14 the form stops with the under-15 text and the consent just given is erased."""
    chat = Chat(rasa, sender)
    chat.say("/ask_human")
    chat.say("/affirm")
    assert chat.say("14") == [content["privacy"]["under_15"]["fr"]]
    status, body = bot.post("/api/leads", {"sender_id": sender, "age": 19, "phone": "0612345678"})
    assert status == 409
    assert "consent" in body["error"]


def test_no_to_consent_through_rasa_asks_nothing_more(rasa, sender, content):
    """A "no" ends the form with the bot's words; asking again shows the consent text again."""
    chat = Chat(rasa, sender)
    chat.say("/ask_human")
    assert chat.say("/deny") == [content["messages"]["consent_declined"]["fr"]]
    assert chat.say("/ask_human") == [content["privacy"]["consent"]["text"]["fr"]]


def test_crisis_through_rasa_alerts_the_team(rasa, bot, sender, content):
    """A crisis button gets the bot's crisis text and tops the team's queue with an urgent lead."""
    known = {lead["id"] for lead in bot.get("/api/leads")[1]}
    chat = Chat(rasa, sender)
    assert chat.say("/crisis") == [content["crisis"]["default"]["text"]["fr"]]
    leads = bot.get("/api/leads")[1]
    (new,) = [lead for lead in leads if lead["id"] not in known]
    assert (new["urgent"], new["topic"], new["channel"], new["consent"]) == (
        True,
        "crisis",
        "rasa",
        None,
    )


LEAD_SLOTS = ("consent", "age", "first_name", "phone", "commune", "commune_insee", "need")
FORM_ANSWERS = [
    "/affirm",
    "j'ai 17 ans",
    "je m'appelle Capucine",
    "06 11 22 33 44",
    "55100 Verdun",
]


@pytest.mark.parametrize(
    ("answered", "message", "kind"),
    [
        # Read as `crisis` by the assistant's NLU: the form steps aside for the crisis rule.
        (2, "je veux mourir", "suicide"),  # where the first name is asked
        (3, "il me frappe", "violence"),  # the phone number
        (4, "je dors dehors ce soir", "shelter"),  # the commune
        # Phrasings a small NLU misreads (as out of scope, a topic...): the bot's safety net
        # catches them in validate_lead_form.
        (1, "je vais faire une connerie", "suicide"),  # the age
        (5, "mon copain m'a giflée", "violence"),  # the need
    ],
)
def test_a_crisis_in_the_middle_of_the_form_interrupts_it(
    rasa, bot, sender, content, answered, message, kind
):
    """Distress written where the form asks a question gets the crisis text and tops the team's
    queue; the form ends, and neither the message nor the answers before it are kept."""
    known = {lead["id"] for lead in bot.get("/api/leads")[1]}
    chat = Chat(rasa, sender)
    chat.say("/ask_human")
    for answer in FORM_ANSWERS[:answered]:
        assert chat.say(answer), answer  # each answer is followed by the next question

    assert chat.say(message) == [content["crisis"][kind]["text"]["fr"]]

    (new,) = [lead for lead in bot.get("/api/leads")[1] if lead["id"] not in known]
    assert (new["urgent"], new["topic"], new["channel"]) == (True, "crisis", "rasa")
    assert new["phone"] is None  # no lead from the form's answers reached the queue
    tracker = chat.tracker()
    assert not tracker["active_loop"].get("name")
    assert {name: tracker["slots"][name] for name in LEAD_SLOTS} == dict.fromkeys(LEAD_SLOTS)
    assert tracker["slots"]["requested_slot"] is None
    # The form starts afresh when the young person asks for a counsellor again.
    assert chat.say("/ask_human") == [content["privacy"]["consent"]["text"]["fr"]]
