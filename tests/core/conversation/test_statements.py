"""How many SQL statements one message costs: the write path's budget, held by a test.

Every statement is a round trip through the driver (and, on PostgreSQL, the network) inside
the message's transaction; the budget below is what the rules need, and the test fails if a
change makes a message cost more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event, select

from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.delivery.outbox import decode
from outreach_bot.core.delivery.sms_policy import DailyLimit, SmsInbox
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Message, OutboxItem
from tests.core.delivery.test_at_once import sent_soon
from tests.factories import RestChat
from tests.fakes import RecordingChannel


@dataclass
class Statements:
    """SQL statements and commits seen on the engine while counting."""

    sql: list[str] = field(default_factory=list)
    commits: int = 0


@contextmanager
def counting(services: Services) -> Iterator[Statements]:
    seen = Statements()
    engine = services.db.sync_engine

    def on_execute(*args: Any) -> None:
        statement = args[2]
        if not statement.lstrip().upper().startswith("PRAGMA"):
            seen.sql.append(statement.split(None, 1)[0].upper())

    def on_commit(_connection: Any) -> None:
        seen.commits += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


@pytest.mark.parametrize(
    ("message", "statements"),
    [
        # Load (conversation, open lead, duplicate check), update the state, insert the messages.
        ("je cherche du boulot", ["SELECT", "UPDATE", "INSERT"]),
        # "vers verdun" brings the nearest places under the answer: one more SELECT, no more.
        ("je cherche du boulot vers verdun", ["SELECT", "SELECT", "UPDATE", "INSERT"]),
    ],
    ids=["known-conversation", "meuse-town-named"],
)
async def test_a_message_in_a_known_conversation_costs_its_statements_and_one_commit(
    client, services: Services, message: str, statements: list[str]
) -> None:
    chat = RestChat(client)
    await chat.say("salut")
    # The scheduler's start-up tick runs beside the first messages; its commit is not theirs.
    await services.scheduler.ticked.wait()
    with counting(services) as seen:
        await chat.say(message)
    assert chat.last  # the young person got an answer
    assert seen.sql == statements
    assert seen.commits == 1


async def test_a_lead_form_turn_costs_no_more_than_a_chat_turn(client, services: Services) -> None:
    """Answering the form (here the age) stays at three statements."""
    chat = RestChat(client)
    for text in ("salut", "je cherche du boulot vers verdun", "/affirm", "/affirm"):
        await chat.say(text)
    await services.scheduler.ticked.wait()
    with counting(services) as seen:
        await chat.say("j'ai 19 ans")
    assert chat.last
    assert seen.sql == ["SELECT", "UPDATE", "INSERT"]
    assert seen.commits == 1


async def test_a_resent_message_is_recognised_in_one_read_and_answered_again(
    services: Services,
) -> None:
    """A redelivery (same message id) is known from the one read; a second reads the answers
    already given, for a REST client that lost them."""
    message = InboundMessage(channel="rest", sender_id="young-9", text="salut", message_id="m-1")
    await services.conversations.handle_inbound(message)
    with counting(services) as seen:
        result = await services.conversations.handle_inbound(message)
    assert result.duplicate
    assert result.replies
    assert seen.sql == ["SELECT", "SELECT"]


async def test_a_first_message_adds_only_the_new_conversation(services: Services) -> None:
    """A new sender costs the conversation's insert (in a savepoint, safe against a race)."""
    message = InboundMessage(channel="rest", sender_id="young-10", text="salut")
    with counting(services) as seen:
        result = await services.conversations.handle_inbound(message)
    assert result.replies
    assert seen.sql == ["SELECT", "SAVEPOINT", "INSERT", "RELEASE", "UPDATE", "INSERT"]
    assert seen.commits == 1


async def test_a_queued_turn_stores_its_lines_in_one_insert_and_its_outbox_rows_in_one_more(
    services: Services,
) -> None:
    """On a channel whose replies leave through the outbox, the young person's line and the
    bot's replies go in one INSERT, their outbox rows in one more, and each outbox row still
    carries the very reply of the transcript line it points at."""
    first = InboundMessage(channel="telegram", sender_id="4242", text="salut", message_id="1")
    await services.conversations.handle_inbound(first)
    message = InboundMessage(
        channel="telegram", sender_id="4242", text="je cherche du boulot", message_id="2"
    )
    with counting(services) as seen:
        result = await services.conversations.handle_inbound(message)
    assert len(result.replies) >= 2  # the answer, and what comes next
    assert seen.sql.count("INSERT") == 2
    async with services.sessions() as session:
        rows = (
            await session.execute(
                select(OutboxItem.payload, Message.text, Message.created_at)
                .join(Message, Message.id == OutboxItem.message_id)
                .where(Message.conversation_id == result.conversation_id)
                .order_by(Message.created_at)
            )
        ).all()
    sent_texts = [decode(payload)[1].text for payload, _, _ in rows]
    assert [text for _, text, _ in rows] == sent_texts
    assert sent_texts[-len(result.replies) :] == [reply.text for reply in result.replies]


async def test_a_first_telegram_message_claims_its_replies_without_asking_what_goes_first(
    services: Services,
) -> None:
    """A conversation the turn itself created has nothing in flight or due: its replies are
    claimed without the query a known conversation needs, and still leave at once."""
    channel = RecordingChannel("telegram")
    services.outbound["telegram"] = channel
    first = InboundMessage(channel="telegram", sender_id="4343", text="salut", message_id="1")
    with counting(services) as seen:
        result = await services.conversations.handle_inbound(first)
    # The turn's query, and whether this message's first reply is known (after an erasure).
    assert seen.sql.count("SELECT") == 2
    assert await sent_soon(channel, 1) == [result.replies[0].text]

    second = InboundMessage(
        channel="telegram", sender_id="4343", text="je cherche du boulot", message_id="2"
    )
    with counting(services) as seen:
        await services.conversations.handle_inbound(second)
    # A known conversation: the turn's query, then what of it goes before these replies.
    assert seen.sql.count("SELECT") == 2


async def test_a_first_sms_is_counted_against_the_budget_without_a_query(
    services: Services,
) -> None:
    """The SMS budget asks the database twice per message (room in the turn, then whether the
    day went over); for the message that opens the conversation neither is needed."""
    channel = RecordingChannel("sms")
    services.outbound["sms"] = channel
    limit = DailyLimit(
        sessions=services.sessions, events=services.events, content=services.content, limit=5
    )
    services.budgets["sms"] = limit
    inbox = SmsInbox(conversations=services.conversations, sessions=services.sessions, limit=limit)

    def sms(text: str, number: int) -> InboundMessage:
        return InboundMessage(
            channel="sms", sender_id="+33612345678", text=text, message_id=f"SM{number}"
        )

    with counting(services) as seen:
        result = await inbox.receive(sms("salut", 1))
    assert seen.sql.count("SELECT") == 2
    assert await sent_soon(channel, 1) == [result.replies[0].text]

    with counting(services) as seen:
        await inbox.receive(sms("je cherche du boulot", 2))
    # The turn's query, what goes first, the room left, and after the turn whether it is over.
    assert seen.sql.count("SELECT") == 4
