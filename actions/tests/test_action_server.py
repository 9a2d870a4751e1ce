"""The action server over HTTP, as Rasa calls it, with the actions calling the real bot."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from conftest import load_tracker_state


def call(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{url}/webhook",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        result: dict[str, Any] = json.load(response)
    return result


def test_server_lists_every_action(action_server: str) -> None:
    """The server registers the six actions and the form validation, and nothing from tests."""
    with urllib.request.urlopen(f"{action_server}/actions", timeout=10) as response:  # noqa: S310
        names = {action["name"] for action in json.load(response)}
    assert names == {
        "action_crisis",
        "action_answer_topic",
        "action_ask_consent",
        "action_record_consent",
        "action_submit_lead",
        "action_erase_user",
        "validate_lead_form",
    }


def test_webhook_answers_a_topic_and_asks_consent(
    action_server: str, domain: dict[str, Any], content: dict[str, Any], sender: str
) -> None:
    """Rasa's webhook call runs the action, which reads the bot's API over HTTP."""
    tracker = load_tracker_state("tracker_topic")
    tracker["sender_id"] = sender
    body = {
        "next_action": "action_answer_topic",
        "sender_id": sender,
        "tracker": tracker,
        "domain": domain,
        "version": "3.6.21",
    }
    answered = call(action_server, body)
    assert [r["text"] for r in answered["responses"]] == [content["answers"]["cej"]["text"]["fr"]]
    assert {"event": "slot", "timestamp": None, "name": "topic", "value": "cej"} in (
        answered["events"]
    )

    asked = call(action_server, {**body, "next_action": "action_ask_consent"})
    consent = content["privacy"]["consent"]
    assert [r["text"] for r in asked["responses"]] == [consent["text"]["fr"]]
    assert asked["events"][0]["value"] == consent["text_version"]


def test_webhook_validates_the_form_through_the_bot(
    action_server: str, domain: dict[str, Any], sender: str
) -> None:
    """The form validation runs behind the webhook: a typed phone number comes back in E.164."""
    tracker = load_tracker_state("tracker_lead_form")
    tracker["sender_id"] = sender
    tracker["slots"].update(
        {"consent": True, "requested_slot": "phone", "phone": "06 12 34 56 78"}
    )
    tracker["events"][-1] = {
        "event": "slot",
        "timestamp": None,
        "name": "phone",
        "value": "06 12 34 56 78",
    }
    result = call(
        action_server,
        {
            "next_action": "validate_lead_form",
            "sender_id": sender,
            "tracker": tracker,
            "domain": domain,
            "version": "3.6.21",
        },
    )
    assert {"event": "slot", "timestamp": None, "name": "phone", "value": "+33612345678"} in (
        result["events"]
    )
