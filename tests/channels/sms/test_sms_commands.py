"""STOP over SMS, both providers: everyday sentences keep queued SMS, the command cancels them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from outreach_bot.core.delivery.outbox import enqueue
from outreach_bot.dialogue.replies import Reply
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import Conversation, OutboxItem, OutboxStatus
from tests.channels.sms.conftest import Phone
from tests.factories import EVERYDAY_NOT_STOP, EXPLICIT_STOP

QUEUED = 3


def another_phone(phone: Phone, number: int) -> Phone:
    """A different young person texting the same app through the same provider."""
    person = type(phone)(phone.client, phone.services, phone.provider, f"+336123400{number:02d}")
    person.counter = 1000 * (number + 1)  # provider message ids stay unique across phones
    return person


async def state_of(phone: Phone) -> tuple[bool, list[str]]:
    """Whether this person is opted out, and the status of each SMS queued for them."""
    async with phone.services.sessions() as session:
        conversation = await session.scalar(
            select(Conversation).where(
                Conversation.sender_hash == current_cipher().lookup_hash(f"sms:{phone.number}")
            )
        )
        assert conversation is not None
        statuses = await session.scalars(
            select(OutboxItem.status)
            .where(OutboxItem.conversation_id == conversation.id)
            .where(OutboxItem.dedupe_key.is_not(None))
            .where(OutboxItem.not_before > datetime.now(UTC))
        )
        return conversation.opted_out, list(statuses)


async def queue_for_tomorrow(phone: Phone) -> None:
    """Queue SMS due tomorrow for this person, as a campaign or a counsellor would."""
    async with phone.services.sessions.begin() as session:
        conversation = await session.scalar(
            select(Conversation).where(
                Conversation.sender_hash == current_cipher().lookup_hash(f"sms:{phone.number}")
            )
        )
        assert conversation is not None
        for index in range(QUEUED):
            queued = await enqueue(
                session,
                conversation,
                Reply(f"Rappel {index}"),
                dedupe=f"later:{phone.number}:{index}",
                in_reply=False,
                not_before=datetime.now(UTC) + timedelta(days=1),
            )
            assert queued is not None


async def test_everyday_sentences_keep_the_person_subscribed_and_their_sms_queued(
    phone: Phone,
) -> None:
    """No everyday sentence unsubscribes anyone or cancels the SMS waiting for them."""
    done = phone.services.content.message("opt_out_done", "fr")
    wrong = []
    for number, sentence in enumerate(EVERYDAY_NOT_STOP):
        person = another_phone(phone, number)
        await person.say("salut")
        await queue_for_tomorrow(person)
        replies = await person.say(sentence)
        assert replies, sentence
        opted_out, statuses = await state_of(person)
        if opted_out or done in replies or statuses != [OutboxStatus.PENDING] * QUEUED:
            wrong.append((sentence, opted_out, statuses))
    assert wrong == []


async def test_the_stop_command_unsubscribes_and_cancels_what_was_queued(phone: Phone) -> None:
    """STOP in each spelling is confirmed by one SMS and cancels every SMS still queued."""
    done = phone.services.content.message("opt_out_done", "fr")
    for number, word in enumerate(EXPLICIT_STOP):
        person = another_phone(phone, 50 + number)
        await person.say("salut")
        await queue_for_tomorrow(person)
        assert await person.say(word) == [done], word
        assert await state_of(person) == (True, [OutboxStatus.CANCELLED] * QUEUED), word


async def test_after_the_question_one_or_stop_confirms_on_sms(phone: Phone) -> None:
    """A guessed opt-out asks in one SMS with numbered choices; "1" then unsubscribes."""
    replies = await phone.say("attends stop jai pas fini")
    assert len(replies) == 1
    assert replies[0].startswith(phone.services.content.message("opt_out_confirm", "fr"))
    assert "1" in replies[0]
    assert await phone.say("1") == [phone.services.content.message("opt_out_done", "fr")]
    assert (await state_of(phone))[0] is True
