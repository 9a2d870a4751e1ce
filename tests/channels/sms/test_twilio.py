"""Twilio specifics: signatures, malformed webhooks, status callbacks, API errors, start-up."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from outreach_bot.config import describe_errors
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Conversation, Message, OutboxItem, OutboxStatus
from tests.channels.sms.conftest import (
    OUR_NUMBER,
    PUBLIC_URL,
    TWILIO_SID,
    Client,
    FakeTwilio,
    TwilioPhone,
    count,
    fixture_form,
    post_twilio,
    twilio_signature,
)
from tests.conftest import make_settings

INBOUND = "/webhooks/sms/twilio"
STATUS = "/webhooks/sms/twilio/status"


async def sent_rows(services: Services) -> list[OutboxItem]:
    async with services.sessions() as session:
        return list(
            await session.scalars(
                select(OutboxItem)
                .where(OutboxItem.provider_message_id.is_not(None))
                .order_by(OutboxItem.id)
            )
        )


async def wait_for_attempt(services: Services) -> OutboxItem:
    """The first outbox row, once a send attempt has been recorded on it."""
    for _ in range(300):
        await services.dispatcher.run_once()
        async with services.sessions() as session:
            row = await session.scalar(select(OutboxItem).order_by(OutboxItem.id))
        if row is not None and (row.attempts or row.status == OutboxStatus.FAILED):
            return row
        await asyncio.sleep(0.01)
    raise AssertionError("no send attempt")


def inbound_form(body: str = "salut") -> dict[str, str]:
    form = fixture_form("twilio_inbound.form")
    form["Body"] = body
    return form


async def test_twilio_answers_with_empty_twiml_and_replies_through_the_api(
    twilio_phone: TwilioPhone, twilio: FakeTwilio
) -> None:
    """The webhook gets an empty <Response/>; the reply comes from our number via the API."""
    response = await post_twilio(twilio_phone.client, INBOUND, inbound_form())
    assert response.status == 200
    assert response.content_type == "text/xml"
    assert "<Response></Response>" in await response.text()
    await twilio_phone.say("salut")
    assert twilio.sent
    assert twilio.sent[0]["from"] == OUR_NUMBER
    assert twilio.sent[0]["status_callback"] == PUBLIC_URL + STATUS


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "bm90IGEgc2lnbmF0dXJl",
        twilio_signature(INBOUND, inbound_form(), token="another-account-token"),
        twilio_signature(INBOUND, inbound_form("autre chose")),
        twilio_signature("/webhooks/sms/other", inbound_form()),
    ],
)
async def test_forged_or_missing_signature_is_403_and_nothing_is_stored(
    twilio_client: Client, twilio_services: Services, twilio: FakeTwilio, signature: str
) -> None:
    """Without Twilio's valid signature for this URL and body, nothing is stored or sent."""
    response = await post_twilio(twilio_client, INBOUND, inbound_form(), signature=signature)
    assert response.status == 403
    assert await count(twilio_services, Conversation) == 0
    assert await count(twilio_services, Message) == 0
    assert twilio.attempts == 0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (urlencode({k: v for k, v in inbound_form().items() if k != "MessageSid"}), None),
        (urlencode({k: v for k, v in inbound_form().items() if k != "From"}), None),
        (urlencode({**inbound_form(), "Body": "a\x00b"}), None),
        (urlencode({**inbound_form(), "MessageSid": "SM" + "0" * 80}), None),
        ('{"Body": "salut"}', "application/json"),
        (b"Body=%FF%FE", None),
    ],
)
async def test_malformed_twilio_webhook_is_400(
    twilio_client: Client, twilio_services: Services, body: Any, content_type: str | None
) -> None:
    """A signed request that is not a usable SMS gets a JSON 400, never a 500."""
    raw = body if isinstance(body, bytes) else body.encode()
    form = dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))
    headers = {
        "Content-Type": content_type or "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(INBOUND, form),
    }
    response = await twilio_client.post(INBOUND, data=raw, headers=headers)
    assert response.status == 400
    assert "error" in await response.json()
    assert await count(twilio_services, Message) == 0


@pytest.mark.parametrize("sender", ["ORANGE", "36180", "+3"])
async def test_operator_and_short_code_senders_are_never_answered(
    twilio_client: Client, twilio_services: Services, twilio: FakeTwilio, sender: str
) -> None:
    """An SMS from a short code or a named sender is acknowledged and ignored."""
    form = {**inbound_form("Votre forfait est renouvele"), "From": sender}
    response = await post_twilio(twilio_client, INBOUND, form)
    assert response.status == 200
    assert await count(twilio_services, Conversation) == 0
    assert twilio.attempts == 0


async def test_status_callbacks_mark_messages_delivered_or_failed(
    twilio_phone: TwilioPhone, twilio_services: Services
) -> None:
    """Twilio's delivered and undelivered callbacks update the outbox row they concern."""
    await twilio_phone.say("je cherche du boulot")
    first, second = (await sent_rows(twilio_services))[:2]
    delivered = fixture_form("twilio_status_delivered.form")
    delivered.update(MessageSid=first.provider_message_id or "", SmsSid="x")
    undelivered = fixture_form("twilio_status_undelivered.form")
    undelivered.update(MessageSid=second.provider_message_id or "")
    assert (await post_twilio(twilio_phone.client, STATUS, delivered)).status == 204
    assert (await post_twilio(twilio_phone.client, STATUS, undelivered)).status == 204
    # A late "undelivered" never downgrades a delivered message.
    late = {**undelivered, "MessageSid": first.provider_message_id or ""}
    assert (await post_twilio(twilio_phone.client, STATUS, late)).status == 204
    first, second = (await sent_rows(twilio_services))[:2]
    assert first.status == OutboxStatus.DELIVERED
    assert second.status == OutboxStatus.FAILED
    assert second.last_error == "twilio undelivered 30003"


async def test_status_callback_for_an_unknown_message_is_ignored_without_personal_data(
    twilio_client: Client, twilio_services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """A callback for a message we never sent changes nothing and logs no phone number."""
    caplog.set_level(logging.DEBUG)
    form = fixture_form("twilio_status_delivered.form")
    response = await post_twilio(twilio_client, STATUS, form)
    assert response.status == 204
    assert "unknown" in caplog.text
    assert form["To"] not in caplog.text
    assert await count(twilio_services, OutboxItem) == 0


async def test_forged_status_callback_is_refused(
    twilio_client: Client,
) -> None:
    """A status callback without a valid signature is 403."""
    form = fixture_form("twilio_status_delivered.form")
    response = await post_twilio(twilio_client, STATUS, form, signature="Zm9yZ2Vk")
    assert response.status == 403


async def test_twilios_own_segment_count_is_stored_when_given(
    twilio_phone: TwilioPhone, twilio_services: Services, twilio: FakeTwilio
) -> None:
    """What Twilio reports it billed wins over our own count."""
    twilio.num_segments = "2"
    await twilio_phone.say("salut")
    assert [row.segments for row in await sent_rows(twilio_services)] == [2]


async def test_invalid_number_marks_the_conversation_unreachable(
    twilio_phone: TwilioPhone, twilio_services: Services, twilio: FakeTwilio
) -> None:
    """Twilio's "invalid To number" is final: the row fails and the team sees it."""
    twilio.fail_with = 400
    twilio.error_body = {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}
    await post_twilio(twilio_phone.client, INBOUND, inbound_form())
    row = await wait_for_attempt(twilio_services)
    assert row.status == OutboxStatus.FAILED
    async with twilio_services.sessions() as session:
        found = await session.scalar(select(Conversation))
    assert found is not None
    assert found.unreachable is True


async def test_wrong_credentials_are_retried_not_blamed_on_the_young_person(
    twilio_phone: TwilioPhone, twilio_services: Services, twilio: FakeTwilio
) -> None:
    """A 401 from Twilio is our configuration: the message waits, the number stays reachable."""
    twilio.fail_with = 401
    twilio.error_body = {"code": 20003, "message": "Authenticate", "status": 401}
    await post_twilio(twilio_phone.client, INBOUND, inbound_form())
    row = await wait_for_attempt(twilio_services)
    assert row.status == OutboxStatus.PENDING
    async with twilio_services.sessions() as session:
        found = await session.scalar(select(Conversation))
    assert found is not None
    assert found.unreachable is False


def test_missing_twilio_setting_stops_start_up_with_its_name(tmp_path: Path) -> None:
    """OUTREACH_SMS_PROVIDER=twilio without an auth token fails naming the variable."""
    with pytest.raises(ValidationError) as caught:
        make_settings(
            tmp_path, sms_provider="twilio", twilio_account_sid=TWILIO_SID, sms_number="+3393"
        )
    assert describe_errors(caught.value) == [
        "OUTREACH_TWILIO_AUTH_TOKEN: not set; required when OUTREACH_SMS_PROVIDER=twilio"
    ]


async def test_without_a_provider_there_is_no_sms_route(
    client: Client, services: Services
) -> None:
    """With OUTREACH_SMS_PROVIDER unset the SMS webhooks do not exist and nothing is registered."""
    response = await client.post(INBOUND, data=urlencode(inbound_form()))
    assert response.status == 404
    assert "sms" not in services.outbound
