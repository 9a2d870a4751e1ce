"""Meta's webhook: verification, signatures checked before parsing, malformed bodies, start-up."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pydantic import ValidationError

from outreach_bot.config import describe_errors
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Conversation, Message
from tests.channels.sms.conftest import count
from tests.channels.whatsapp.conftest import (
    VERIFY_TOKEN,
    Client,
    FakeGraph,
    WhatsAppPhone,
    fixture,
    post_signed,
    sign,
    wa_settings,
)

PATH = "/webhooks/whatsapp"


async def test_verification_echoes_the_challenge(wa_client: Client) -> None:
    """Meta's subscription check gets its challenge back when the verify token matches."""
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    response = await wa_client.get(PATH, params=query)
    assert response.status == 200
    assert await response.text() == "1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "42"},
        {"hub.mode": "subscribe", "hub.challenge": "42"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
        {},
    ],
    ids=["wrong-token", "no-token", "not-subscribe", "nothing"],
)
async def test_verification_refused_without_the_token(
    wa_client: Client, query: dict[str, str]
) -> None:
    """A wrong or missing verify token (or another mode) gets 403 and no challenge back."""
    response = await wa_client.get(PATH, params=query)
    assert response.status == 403
    assert "42" not in await response.text()


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=" + "0" * 64, "sha1=abc", "garbage", "forged-with-another-secret"],
    ids=["unsigned", "zeros", "sha1", "garbage", "other-secret"],
)
async def test_unsigned_or_forged_notification_is_refused_and_not_logged(
    wa_client: Client,
    wa_services: Services,
    graph: FakeGraph,
    signature: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """403, nothing stored, nothing sent, and the log line carries no part of the body."""
    body = json.dumps(fixture("text_message.json")).encode()
    if signature == "forged-with-another-secret":
        signature = sign(body, "not-the-app-secret")
    with caplog.at_level(logging.INFO):
        response = await post_signed(wa_client, body, signature=signature)
    assert response.status == 403
    assert await count(wa_services, Conversation) == 0
    assert graph.sent == []
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "whatsapp notification refused" in logged
    assert "salut" not in logged
    assert "33612345678" not in logged


async def test_signature_of_another_body_is_refused(
    wa_client: Client, wa_services: Services
) -> None:
    """A valid signature copied onto a changed body is refused: the raw bytes are signed."""
    body = json.dumps(fixture("text_message.json")).encode()
    tampered = body.replace(b"salut", b"STOP!")
    response = await post_signed(wa_client, tampered, signature=sign(body))
    assert response.status == 403
    assert await count(wa_services, Message) == 0


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"object": "whatsapp_business_account"}', b'{"entry": 3}'],
    ids=["empty", "text", "list", "no-entry", "entry-not-list"],
)
async def test_signed_garbage_gets_400(wa_client: Client, body: bytes) -> None:
    """A correctly signed body that is not a notification gets a JSON 400, never a 500."""
    response = await post_signed(wa_client, body)
    assert response.status == 400
    assert "error" in await response.json()


async def test_signed_text_is_answered_on_whatsapp(phone: WhatsAppPhone) -> None:
    """A signed text message is answered through the Graph API, to the sender's number."""
    answers = await phone.say("salut")
    assert answers
    assert answers[0]["to"] == "33612345678"
    assert answers[0]["messaging_product"] == "whatsapp"


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"whatsapp_app_secret": ""}, "OUTREACH_WHATSAPP_APP_SECRET"),
        ({"whatsapp_verify_token": ""}, "OUTREACH_WHATSAPP_VERIFY_TOKEN"),
        ({"whatsapp_phone_number_id": ""}, "OUTREACH_WHATSAPP_PHONE_NUMBER_ID"),
    ],
)
def test_missing_setting_stops_start_up_naming_it(
    tmp_path: Path, graph: FakeGraph, overrides: dict[str, str], variable: str
) -> None:
    """A token without the rest stops start-up with one line naming the missing variable."""
    with pytest.raises(ValidationError) as caught:
        wa_settings(tmp_path, graph, **overrides)
    assert describe_errors(caught.value) == [
        f"{variable}: not set; required when OUTREACH_WHATSAPP_TOKEN is set"
    ]


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"whatsapp_phone_number_id": "+33 6 12 34 56 78"}, "OUTREACH_WHATSAPP_PHONE_NUMBER_ID"),
        ({"whatsapp_api_version": "23"}, "OUTREACH_WHATSAPP_API_VERSION"),
        ({"whatsapp_templates": "counsellor=Bad Name"}, "OUTREACH_WHATSAPP_TEMPLATES"),
        ({"whatsapp_number": "06 12"}, "OUTREACH_WHATSAPP_NUMBER"),
        ({"whatsapp_base_url": "graph"}, "OUTREACH_WHATSAPP_BASE_URL"),
    ],
)
def test_wrong_value_is_one_line_naming_the_variable(
    tmp_path: Path, graph: FakeGraph, overrides: dict[str, str], variable: str
) -> None:
    """A wrong WhatsApp value fails validation with the variable's name first."""
    with pytest.raises(ValidationError) as caught:
        wa_settings(tmp_path, graph, **overrides)
    [line] = describe_errors(caught.value)
    assert line.startswith(f"{variable}: ")
    assert "\n" not in line
