"""Hand-written fakes for the edges we do not run for real in a given test."""

from __future__ import annotations

from outreach_bot.core.channel import Delivery, SendLimits, SendResult
from outreach_bot.dialogue.replies import Reply
from outreach_bot.nlu.base import Prediction


class FakeNlu:
    """Answers from a fixed mapping of exact texts; everything else is not understood."""

    name = "fake"

    def __init__(self, mapping: dict[str, str] | None = None) -> None:
        self.mapping = mapping or {}
        self.seen: list[str] = []

    async def parse(self, text: str) -> Prediction:
        self.seen.append(text)
        intent = self.mapping.get(text)
        return Prediction(intent or "out_of_scope", 0.95 if intent else 0.1, backend="fake")


class RecordingChannel:
    """An outbound channel that keeps what it was asked to send."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.limits = SendLimits()
        self.sent: list[tuple[str, Reply]] = []
        self.deliveries: list[Delivery | None] = []

    async def send(
        self, recipient: str, reply: Reply, delivery: Delivery | None = None
    ) -> SendResult:
        self.sent.append((recipient, reply))
        self.deliveries.append(delivery)
        return SendResult(provider_message_id=f"fake-{len(self.sent)}", segments=1)
