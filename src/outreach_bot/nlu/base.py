"""The NLU port: anything that turns a message into an intent with a confidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Protocol

RANKING_SIZE: Final = 5
"""How many guesses a prediction keeps: enough to see a crisis close behind the top one."""


@dataclass(frozen=True, slots=True)
class Prediction:
    """An intent guess. ``confidence`` is in [0, 1] and comparable across backends.

    ``ranking`` holds the best guesses, best first, with their confidences (the top one
    included), so the dialogue can notice a crisis that came second: a young person who
    writes "a quoi bon continuer" in a sentence that also looks like a job question must
    not get the job answer alone. Empty when the backend gives no ranking. Two predictions
    with the same intent and confidence compare equal whatever their rankings.
    """

    intent: str
    confidence: float
    backend: str = "embedded"
    ranking: tuple[tuple[str, float], ...] = field(default=(), compare=False)

    def confidence_of(self, intent: str) -> float:
        """The confidence this prediction gives ``intent``; 0 when it is not ranked."""
        if intent == self.intent:
            return self.confidence
        return next((score for name, score in self.ranking if name == intent), 0.0)


class NluBackend(Protocol):
    """Classifies one message. Implementations must be safe to call concurrently."""

    name: str

    async def parse(self, text: str) -> Prediction:
        """Return the most likely intent of ``text``."""
        ...
