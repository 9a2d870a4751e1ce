"""``outreach-bot chat``: the same conversation as every channel, in a terminal."""

from __future__ import annotations

import asyncio
import getpass
from typing import TextIO

from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.conversation.service import ConversationService
from outreach_bot.dialogue.replies import Reply

CHANNEL = "console"


def render(reply: Reply) -> str:
    """Text with numbered choices, as on SMS: typing the number picks the choice."""
    lines = [f"bot> {reply.text}"]
    lines += [f"     {index}. {button.title}" for index, button in enumerate(reply.choices, 1)]
    return "\n".join(lines)


async def chat(conversations: ConversationService, stdin: TextIO, stdout: TextIO) -> None:
    """Read lines until end of input; each one is a message from the same young person."""
    sender = f"console-{getpass.getuser()}"
    stdout.write("Écris ton message (Ctrl-D pour quitter).\n")
    stdout.flush()
    while True:
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        text = line.rstrip("\n")
        if not text.strip():
            continue
        result = await conversations.handle_inbound(
            InboundMessage(channel=CHANNEL, sender_id=sender, text=text)
        )
        for reply in result.replies:
            stdout.write(render(reply) + "\n")
        stdout.flush()
