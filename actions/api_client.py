"""A small client for the Outreach Bot JSON API: the only way these actions reach our core.

The action server runs in the Rasa environment (Python 3.10, rasa_sdk 3.6), which cannot import
``outreach_bot``; every rule (consent, age, field parsing, erasure) is applied by the bot behind
its HTTP API, and this module only carries requests there.

Configuration, read at each call so a restart is not needed after a change:

- ``OUTREACH_API_URL``: the bot's base URL (default ``http://127.0.0.1:8080``).
- ``OUTREACH_API_TOKEN``: a token from ``outreach-bot api-token create NAME`` (required).
- ``OUTREACH_API_TIMEOUT``: seconds before giving up on one call (default 3): the young
  person is waiting for an answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypedDict
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_URL: Final = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT: Final = 3.0


class ApiError(Exception):
    """The API refused the call; ``status`` is the HTTP status (0 when it was never reached)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Outreach API: {message}" + (f" (HTTP {status})" if status else ""))
        self.status = status
        self.message = message


class ApiUnavailableError(ApiError):
    """The API could not answer: not configured, unreachable, too slow, or failing (5xx)."""


def report(where: str, error: ApiError) -> None:
    """Log a failed call: an error when the API could not answer, a warning when it refused.

    The message holds the path and the API's reason, never what the young person wrote.
    """
    level = logging.ERROR if isinstance(error, ApiUnavailableError) else logging.WARNING
    logger.log(level, "%s: %s", where, error)


class Button(TypedDict):
    """A button as Rasa renders it."""

    title: str
    payload: str


class Answer(TypedDict):
    """``GET /api/answers/{intent}``."""

    intent: str
    locale: str
    text: str
    source: str
    reviewed: str
    offer_lead: bool


class ConsentText(TypedDict):
    """``GET /api/consent-text``."""

    text_version: str
    text: str
    buttons: list[Button]
    declined: str


class Commune(TypedDict):
    """A commune in a field check, with the text that designates it for sure."""

    insee: str
    name: str
    department: str
    postal_code: str | None
    title: str
    reply: str


class FieldCheck(TypedDict):
    """``POST /api/fields/{field}``."""

    field: str
    valid: bool
    value: str | int | None
    commune: Commune | None
    suggestions: list[Commune]
    too_young: bool
    message: str | None


class ConsentReceipt(TypedDict):
    """``POST /api/consents``."""

    consent_id: int
    given_at: str
    text_version: str
    created: bool


class LeadReceipt(TypedDict):
    """``POST /api/leads``."""

    lead_id: int
    sector: str | None
    created: bool
    message: str


class ErasureReceipt(TypedDict):
    """``POST /api/erasure``."""

    erased: bool
    message: str


class CrisisCheck(TypedDict):
    """``POST /api/crisis-check``."""

    crisis: bool
    kind: str | None


class CrisisResource(TypedDict):
    """An emergency number and who it is for."""

    number: str
    label: str


class CrisisAnswer(TypedDict):
    """``POST /api/alerts``."""

    kind: str
    text: str
    resources: list[CrisisResource]


@dataclass(frozen=True)
class ApiConfig:
    """Where the API is, the token to present, and how long to wait."""

    url: str
    token: str
    timeout: float

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ApiConfig:
        """Read ``OUTREACH_API_URL``, ``OUTREACH_API_TOKEN`` and ``OUTREACH_API_TIMEOUT``.

        Raises:
            ApiUnavailableError: no token, or a timeout that is not a positive number.
        """
        environ = os.environ if environ is None else environ
        token = environ.get("OUTREACH_API_TOKEN", "").strip()
        if not token:
            raise ApiUnavailableError(
                0, "OUTREACH_API_TOKEN is not set; create one with `outreach-bot api-token create`"
            )
        raw_timeout = environ.get("OUTREACH_API_TIMEOUT", str(DEFAULT_TIMEOUT))
        try:
            timeout = float(raw_timeout)
        except ValueError:
            timeout = 0.0
        if timeout <= 0:
            raise ApiUnavailableError(0, "OUTREACH_API_TIMEOUT must be a positive number")
        url = environ.get("OUTREACH_API_URL", DEFAULT_URL).strip().rstrip("/")
        return cls(url=url, token=token, timeout=timeout)


class OutreachApi:
    """Calls to the bot's API, one short-lived HTTP session each.

    A session per call costs a connection set-up on loopback, and spares us sharing one
    across the event loops that tests and the action server create.
    """

    def __init__(self, config: ApiConfig | None = None) -> None:
        self._config = config

    @property
    def config(self) -> ApiConfig:
        """The configuration given, else the environment's as it is now."""
        return self._config or ApiConfig.from_env()

    async def answer(self, intent: str, locale: str) -> Answer:
        """The reviewed knowledge-base answer for ``intent`` (ApiError 404 when none)."""
        data: Answer = await self._call(
            "GET", f"/api/answers/{quote(intent, safe='')}", params={"locale": locale}
        )
        return data

    async def consent_text(self, locale: str) -> ConsentText:
        """The consent request to show, with the version to record."""
        data: ConsentText = await self._call("GET", "/api/consent-text", params={"locale": locale})
        return data

    async def check_field(self, field: str, text: str, locale: str) -> FieldCheck:
        """Check one answer ("age", "first_name", "phone", "commune"); nothing is stored."""
        data: FieldCheck = await self._call(
            "POST", f"/api/fields/{quote(field, safe='')}", body={"text": text, "locale": locale}
        )
        return data

    async def record_consent(self, sender_id: str, text_version: str) -> ConsentReceipt:
        """Record that ``sender_id`` agreed to the consent text of ``text_version``."""
        data: ConsentReceipt = await self._call(
            "POST", "/api/consents", body={"sender_id": sender_id, "text_version": text_version}
        )
        return data

    async def submit_lead(self, lead: Mapping[str, Any]) -> LeadReceipt:
        """Queue a lead (``sender_id``, ``age``, ``phone`` and optional fields)."""
        data: LeadReceipt = await self._call("POST", "/api/leads", body=dict(lead))
        return data

    async def erase(self, sender_id: str, locale: str) -> ErasureReceipt:
        """Erase everything the bot holds about ``sender_id``."""
        data: ErasureReceipt = await self._call(
            "POST", "/api/erasure", body={"sender_id": sender_id, "locale": locale}
        )
        return data

    async def crisis_check(self, text: str) -> CrisisCheck:
        """Whether ``text`` shows distress to the bot's safety net; nothing is stored or raised."""
        data: CrisisCheck = await self._call("POST", "/api/crisis-check", body={"text": text})
        return data

    async def alert(self, sender_id: str, text: str | None, locale: str) -> CrisisAnswer:
        """Tell the team ``sender_id`` is in distress; the answer is the crisis text to say.

        ``text`` only lets the bot choose the right numbers (suicide, violence, shelter...):
        the bot neither stores nor logs it.
        """
        data: CrisisAnswer = await self._call(
            "POST", "/api/alerts", body={"sender_id": sender_id, "text": text, "locale": locale}
        )
        return data

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        config = self.config
        headers = {"Authorization": f"Bearer {config.token}"}
        timeout = aiohttp.ClientTimeout(total=config.timeout)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.request(
                    method, config.url + path, params=params, json=body, headers=headers
                ) as response,
            ):
                status = response.status
                text = await response.text()
        except asyncio.TimeoutError as error:  # not yet the built-in one on Python 3.10
            raise ApiUnavailableError(0, f"no answer within {config.timeout:g} s") from error
        except aiohttp.ClientError as error:
            raise ApiUnavailableError(
                0, f"cannot reach {config.url} ({type(error).__name__})"
            ) from error
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if status >= 500 or data is None:  # noqa: PLR2004 - the server's own failure
            raise ApiUnavailableError(status, f"{method} {path} failed")
        if status >= 400:  # noqa: PLR2004 - the API said no, and says why
            message = data.get("error", "refused") if isinstance(data, dict) else "refused"
            raise ApiError(status, f"{method} {path}: {message}")
        return data
