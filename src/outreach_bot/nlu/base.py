"""The NLU port: anything that turns a message into an intent with a confidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Prediction:
    """An intent guess. ``confidence`` is in [0, 1] and comparable across backends."""

    intent: str
    confidence: float
    backend: str = "embedded"


class NluBackend(Protocol):
    """Classifies one message. Implementations must be safe to call concurrently."""

    name: str

    async def parse(self, text: str) -> Prediction:
        """Return the most likely intent of ``text``."""
        ...
