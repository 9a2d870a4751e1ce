"""NLU through a Rasa server's ``POST /model/parse``, never making a young person wait for it.

Rasa runs as its own process (Python 3.10, its own virtual environment), so it can be slow, down
or restarting. :class:`RasaNlu` bounds every call with a short timeout, stops calling a server
that keeps failing (a circuit breaker with a cool-down) and answers from another backend, usually
the embedded classifier, whenever Rasa cannot.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from types import TracebackType
from typing import Any, Final, Self, TypedDict

import aiohttp

from outreach_bot.nlu.base import RANKING_SIZE, NluBackend, Prediction

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 1.5
DEFAULT_FAILURE_THRESHOLD: Final = 3
DEFAULT_COOLDOWN: Final = 30.0
RASA_FALLBACK_INTENT: Final = "nlu_fallback"
NO_INTENT: Final = "out_of_scope"


class CircuitState(StrEnum):
    """Whether Rasa is being called: closed means yes, open means no, half-open means one try."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class RasaStatus(TypedDict):
    """What ``/readyz`` shows about the Rasa backend; plain JSON values only."""

    backend: str
    circuit: str
    consecutive_failures: int
    rasa_url: str
    last_failure: str | None


class RasaUnavailableError(Exception):
    """Rasa gave no usable answer; the message says why, without the text that was sent."""


class RasaNlu:
    """An :class:`NluBackend` that asks a Rasa server and falls back to another backend.

    Rasa's ``FallbackClassifier`` may answer ``nlu_fallback``; that is replaced by the best
    real intent of ``intent_ranking`` with its own confidence, because our dialogue applies its
    own threshold and needs to know what Rasa would have guessed.

    After ``failure_threshold`` consecutive failures the circuit opens: for ``cooldown``
    seconds every message goes straight to the fallback backend. Then a single message is
    tried on Rasa again (half-open); success closes the circuit, failure reopens it.

    Args:
        base_url: Where the Rasa server listens, e.g. ``http://127.0.0.1:5005``.
        fallback: The backend that answers when Rasa cannot.
        timeout: Seconds allowed for one parse call, connection included.
        failure_threshold: Consecutive failures that open the circuit.
        cooldown: Seconds the circuit stays open before Rasa is tried again.
        session: A shared client session; when omitted one is created on first use and
            closed by :meth:`close`.
        clock: Monotonic seconds; tests pass a fake one to move through the cool-down.
    """

    name = "rasa"

    def __init__(
        self,
        base_url: str,
        *,
        fallback: NluBackend,
        timeout: float = DEFAULT_TIMEOUT,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        cooldown: float = DEFAULT_COOLDOWN,
        session: aiohttp.ClientSession | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if cooldown < 0:
            raise ValueError("cooldown must not be negative")
        self._parse_url = base_url.rstrip("/") + "/model/parse"
        self._base_url = base_url.rstrip("/")
        self._fallback = fallback
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._failure_threshold = failure_threshold
        self._cooldown = cooldown
        self._session = session
        self._owns_session = session is None
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False
        self._last_failure: str | None = None

    @property
    def circuit(self) -> CircuitState:
        """The breaker's state now; an open circuit turns half-open once the cool-down ends."""
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._clock() - self._opened_at < self._cooldown:
            return CircuitState.OPEN
        return CircuitState.HALF_OPEN

    def status(self) -> RasaStatus:
        """Report which backend answers the next message and why, for ``/readyz``."""
        circuit = self.circuit
        return RasaStatus(
            backend=self._fallback.name if circuit is CircuitState.OPEN else self.name,
            circuit=circuit.value,
            consecutive_failures=self._failures,
            rasa_url=self._base_url,
            last_failure=self._last_failure,
        )

    async def parse(self, text: str) -> Prediction:
        """Classify ``text`` with Rasa, or with the fallback backend when Rasa cannot answer."""
        circuit = self.circuit
        if circuit is CircuitState.OPEN or (
            circuit is CircuitState.HALF_OPEN and self._trial_in_flight
        ):
            return await self._fall_back(text, "circuit open")
        # Half-open lets one message through to Rasa; the others keep using the fallback.
        is_trial = circuit is CircuitState.HALF_OPEN
        if is_trial:
            self._trial_in_flight = True
        try:
            prediction = await self._ask_rasa(text)
        except RasaUnavailableError as error:
            self._record_failure(str(error))
            return await self._fall_back(text, str(error))
        finally:
            if is_trial:
                self._trial_in_flight = False
        self._record_success()
        return prediction

    async def close(self) -> None:
        """Close the client session if this backend created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _ask_rasa(self, text: str) -> Prediction:
        """Send one parse request; every way it can go wrong becomes ``RasaUnavailableError``."""
        if self._session is None:
            # Created lazily so that the constructor works outside a running event loop.
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(
                self._parse_url, json={"text": text}, timeout=self._timeout
            ) as response:
                if response.status != 200:  # noqa: PLR2004 - HTTP OK is not magic
                    raise RasaUnavailableError(f"HTTP {response.status}")
                body = await response.json()
        except TimeoutError as error:
            raise RasaUnavailableError(f"timeout after {self._timeout.total} s") from error
        except aiohttp.ContentTypeError as error:
            raise RasaUnavailableError("response is not JSON") from error
        except aiohttp.ClientError as error:
            raise RasaUnavailableError(f"connection failed ({type(error).__name__})") from error
        except ValueError as error:
            raise RasaUnavailableError("response is not valid JSON") from error
        return prediction_from_rasa(body)

    async def _fall_back(self, text: str, reason: str) -> Prediction:
        # The reason and the backend only: the message text never reaches the logs.
        logger.warning(
            "Rasa NLU unavailable (%s), answering with the %s backend", reason, self._fallback.name
        )
        return await self._fallback.parse(text)

    def _record_failure(self, reason: str) -> None:
        self._failures += 1
        self._last_failure = reason
        if self._opened_at is not None or self._failures >= self._failure_threshold:
            # A failed half-open trial reopens at once; a closed circuit needs N in a row.
            self._opened_at = self._clock()
            logger.warning(
                "Rasa NLU circuit open for %.0f s after %d consecutive failures",
                self._cooldown,
                self._failures,
            )

    def _record_success(self) -> None:
        if self._opened_at is not None:
            logger.info("Rasa NLU answers again, circuit closed")
        self._failures = 0
        self._opened_at = None


def prediction_from_rasa(body: Any) -> Prediction:
    """Turn a ``/model/parse`` answer into a :class:`Prediction`.

    ``nlu_fallback`` is replaced by the best other intent of ``intent_ranking``; an answer with
    no intent at all (an empty message) becomes ``out_of_scope`` with confidence 0, which any
    threshold sends to the dialogue's own fallback.

    Raises:
        RasaUnavailableError: The body does not have the shape Rasa 3 gives.
    """
    if not isinstance(body, Mapping):
        raise RasaUnavailableError("response is not a JSON object")
    intent = body.get("intent")
    if not isinstance(intent, Mapping):
        raise RasaUnavailableError("response has no intent")
    name, confidence = _read_intent(intent)
    listed = body.get("intent_ranking")
    candidates = [
        _read_intent(entry)
        for entry in (listed if isinstance(listed, list) else [])
        if isinstance(entry, Mapping)
    ]
    real = sorted(
        ((n, c) for n, c in candidates if n is not None and n != RASA_FALLBACK_INTENT),
        key=lambda pair: -pair[1],
    )
    if name == RASA_FALLBACK_INTENT:
        name, confidence = real[0] if real else (None, 0.0)
    if name is None:
        return Prediction(NO_INTENT, 0.0, backend=RasaNlu.name)
    ranking = tuple(real[:RANKING_SIZE]) or ((name, confidence),)
    return Prediction(name, confidence, backend=RasaNlu.name, ranking=ranking)


def _read_intent(entry: Mapping[str, Any]) -> tuple[str | None, float]:
    """Read ``{"name": ..., "confidence": ...}``, clamping the confidence into [0, 1]."""
    name = entry.get("name")
    confidence = entry.get("confidence", 0.0)
    if name is not None and not isinstance(name, str):
        raise RasaUnavailableError("intent name is not a string")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise RasaUnavailableError("intent confidence is not a number")
    return name, min(1.0, max(0.0, float(confidence)))
