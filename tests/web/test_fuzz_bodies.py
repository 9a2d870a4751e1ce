"""Fuzz the bodies that reach code behind a parser: forms and signed webhooks (issue 19).

``test_fuzz.py`` sends well-formed forms with nasty values and signed webhooks with nasty
values in the right places. Here the bodies themselves are broken: multipart with a wrong,
missing or invalid boundary, undecodable bytes, unknown charsets and encodings, fields far
over the size limit; and webhooks that carry a valid signature over a body of the wrong shape
(``event`` as a list, ``chat.id`` as text, a ``message`` that is a number), for Telegram, the
SMS Gateway and WhatsApp. Every answer must be under 500 and nothing may be logged at ERROR.

``OUTREACH_FUZZ_EXAMPLES`` sets the examples per route (default 10); the counts are printed.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outreach_bot.app import create_web_app, open_services
from outreach_bot.channels.telegram import SECRET_HEADER
from tests.channels.sms.conftest import fixture_json, gateway_headers
from tests.channels.telegram.bot_api import load_update
from tests.channels.whatsapp.conftest import FakeGraph, wa_settings
from tests.channels.whatsapp.conftest import fixture as whatsapp_fixture
from tests.channels.whatsapp.conftest import sign as whatsapp_sign
from tests.fuzz import Tally, json_paths, tallied
from tests.web.test_fuzz import (
    CAMPAIGN,
    EXAMPLES,
    FUZZ,
    ROUTES,
    LiveApp,
    dumps,
    json_value,
    live_app,
    text,
)
from tests.web.test_fuzz import _fast_hashing as _fast_hashing  # noqa: PLC0414 - a fixture

JSON_ROUTES = {"/webhooks/rest/webhook", "/webhooks/telegram", "/webhooks/sms/smsgateway"}
FORM_ROUTES = sorted(
    path
    for method, path in ROUTES
    if method == "POST" and path not in JSON_ROUTES and not path.startswith("/api/")
)
"""Every POST route that reads a form: the web chat's (its messages and its files), and every
back-office form."""
QUERY_SENDER = {"/webhooks/rest/media"}

SIGNED_IN = re.compile(r"^/admin/(?!login|logout|setup|password|forgot|orientation)")

# --- broken forms -----------------------------------------------------------------------------

BOUNDARY = "fuzz0boundary"
DECLARED = st.sampled_from(
    [
        f"; boundary={BOUNDARY}",
        f'; boundary="{BOUNDARY}"',
        "",
        "; boundary=",
        "; boundary=" + "b" * 80,
        "; boundary=é",
        '; boundary="a\\"b"',
        "; boundary=other",
        "; boundary=" + BOUNDARY + "; charset=nope",
    ]
)
PART_HEADERS = st.sampled_from(
    [
        b'Content-Disposition: form-data; name="message"',
        b'Content-Disposition: form-data; name="csrf"',
        b"Content-Disposition: form-data",
        b'Content-Disposition: form-data; name="file"; filename="a.csv"',
        b'Content-Disposition: form-data; name="message"\r\n'
        b"Content-Type: text/plain; charset=nope",
        b'Content-Disposition: form-data; name="message"\r\n'
        b"Content-Type: text/plain; charset=utf-16",
        b'Content-Disposition: form-data; name="message"\r\nContent-Transfer-Encoding: nope',
        b'Content-Disposition: form-data; name="message"\r\nContent-Transfer-Encoding: base64',
        b'Content-Disposition: form-data; name="message"\r\nContent-Encoding: nope',
        b'Content-Disposition: form-data; name="message"\r\nContent-Encoding: gzip',
        b'Content-Disposition: form-data; name="message"\r\nContent-Type: application/json',
        b'Content-Disposition: form-data; name="nested"\r\nContent-Type: multipart/mixed; '
        b"boundary=inner",
        b'Content-Disposition: form-data; name="message"\r\nContent-Length: 99999',
        b"Content-Disposition: form-data; name*=UTF-8''%FF%FE",
        b"\xff\xfe: \xff",
        b"",
    ]
)
VALUES = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"\xff\xfe\xfd", b"\xc3", b"\xed\xa0\x80", b"caf\xe9", b"=?", b"\x00"]),
    text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"x" * 200_000, b"x" * 2_000_000]),
)


@st.composite
def multipart(draw: st.DrawFn) -> tuple[bytes, str]:
    """A multipart body that is wrong somewhere: boundary, part headers, bytes or size."""
    declared = draw(DECLARED)
    used = draw(st.sampled_from([BOUNDARY, BOUNDARY, "other", "b" * 80, ""]))
    parts = draw(st.lists(st.tuples(PART_HEADERS, VALUES), max_size=3))
    body = b"".join(
        b"--" + used.encode() + b"\r\n" + headers + b"\r\n\r\n" + value + b"\r\n"
        for headers, value in parts
    )
    ending = draw(st.sampled_from([b"--" + used.encode() + b"--\r\n", b"", b"--", b"\r\n"]))
    preamble = draw(st.sampled_from([b"", b"junk\r\n", b"\xff"]))
    return preamble + body + ending, "multipart/form-data" + declared


@st.composite
def urlencoded(draw: st.DrawFn) -> tuple[bytes, str]:
    """An urlencoded body with raw undecodable bytes, an unknown charset, or far too big."""
    body = draw(
        st.one_of(
            st.binary(max_size=300),
            st.sampled_from(
                [
                    b"message=caf\xe9",
                    b"message=\xff\xfe&sender=\xc3",
                    b"message=%FF%FE%ED%A0%80",
                    b"message=" + b"x" * 2_000_000,
                    b"a=1&" * 50_000,
                    b"=" * 1000,
                    b"%",
                ]
            ),
        )
    )
    charset = draw(
        st.sampled_from(["", "; charset=nope", "; charset=utf-16", "; charset=latin-1"])
    )
    return body, "application/x-www-form-urlencoded" + charset


broken_form = st.one_of(multipart(), urlencoded())


def fill(path: str, app: LiveApp) -> str:
    """A route's path with real-looking parameters (the fuzz is in the body here)."""
    path = path.replace("{lead_id}", str(app.lead)).replace("{code}", CAMPAIGN)
    if path in QUERY_SENDER:  # the web chat's upload: past the sender check, into the body
        path += "?sender=fuzz-bodies"
    return re.sub(r"\{\w+\}", "1", path)


# --- signed webhooks of the wrong shape -------------------------------------------------------


REMOVE = object()


def reshaped(bases: list[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """A real body with one to three places replaced by any JSON value, or removed."""

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        base = copy.deepcopy(draw(st.sampled_from(bases)))
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            where = draw(st.sampled_from(json_paths(base)))
            new = draw(st.one_of(json_value, st.just(REMOVE)))
            if not where:
                base = {} if new is REMOVE else new
                continue
            parent = base
            for key in where[:-1]:
                parent = parent[key]
            if new is REMOVE:
                del parent[where[-1]]
            else:
                parent[where[-1]] = new
            if not isinstance(base, dict | list):
                break
        return base

    return build()


TELEGRAM_UPDATES = [
    load_update(name)
    for name in ("text_message", "command_start", "callback_query", "contact", "photo", "voice")
]
GATEWAY_EVENTS = [
    fixture_json(f"smsgateway_{name}.json")
    for name in ("received", "received_legacy", "delivered", "failed", "ping")
]


# --- the live app -----------------------------------------------------------------------------


@dataclass
class Groups:
    """Inputs and 5xx answers per kind of body, for the summary line."""

    inputs: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)


GROUPS = Groups()


@pytest.fixture(scope="module", name="tally")
def _tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    def summary(tally: Tally) -> str:
        groups = ", ".join(
            f"{name} {count} inputs {GROUPS.server_errors[name]} 5xx"
            for name, count in sorted(GROUPS.inputs.items())
        )
        return f"fuzz bodies ({EXAMPLES} examples per test): {groups}"

    with tallied(request, summary) as tally:
        yield tally


@pytest.fixture(scope="module", name="live")
def _live(
    tmp_path_factory: pytest.TempPathFactory, embedded_nlu: Any, tally: Tally, fast_hashing: None
) -> Iterator[LiveApp]:
    yield from live_app(tmp_path_factory, embedded_nlu, "smsgateway", tally)


def send(  # noqa: PLR0917
    app: LiveApp, group: str, path: str, body: bytes, content_type: str, headers: dict[str, str]
) -> int:
    """Send one request and check it: under 500, nothing logged at ERROR."""
    before = len(app.tally.error_logs)
    jar = "admin" if SIGNED_IN.match(path) else "visitor"
    status, data = app.http("POST", path, body, content_type, headers, jar=jar)
    app.tally.statuses[status] += 1
    GROUPS.inputs[group] += 1
    if status >= 500:
        GROUPS.server_errors[group] += 1
    assert status < 500, (path, content_type, body[:200], status, data[:300])
    assert app.tally.error_logs[before:] == [], app.tally.error_logs[before:]
    return status


# --- tests ------------------------------------------------------------------------------------


# aiohttp spools a file part to a temporary file; when a later part breaks the form, that file is
# left to the garbage collector, which warns (ResourceWarning, an error under our filterwarnings).
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("route", FORM_ROUTES)
def test_no_broken_form_gives_a_server_error(live: LiveApp, route: str) -> None:
    """Broken multipart or urlencoded bodies, with or without a CSRF header: never a 5xx."""

    @FUZZ
    @given(broken_form, st.booleans())
    def run(form: tuple[bytes, str], csrf_header: bool) -> None:
        body, content_type = form
        path = fill(route, live)
        jar = "admin" if SIGNED_IN.match(path) else "visitor"
        if jar == "visitor":
            live.visit("visitor")
        # With the token in a header the CSRF check passes and the handler reads the body.
        headers = {"X-CSRF-Token": live.csrf[jar]} if csrf_header else {}
        send(live, "forms", path, body, content_type, headers)

    run()


def test_every_form_route_is_fuzzed_with_broken_bodies() -> None:
    """The web chat's form, the sign-in and set-up forms and the back office's are all here."""
    assert {"/q/{code}/chat", "/admin/login", "/admin/setup"} <= set(FORM_ROUTES)
    assert len(FORM_ROUTES) > 40


def test_no_signed_telegram_update_of_the_wrong_shape_gives_a_server_error(live: LiveApp) -> None:
    """A valid secret token over any reshaped update: a 2xx or a 400, never a 5xx."""

    @FUZZ
    @given(reshaped(TELEGRAM_UPDATES))
    def run(update: Any) -> None:
        headers = {SECRET_HEADER: live.secret}
        send(live, "telegram", "/webhooks/telegram", dumps(update), "application/json", headers)

    run()


def test_no_signed_gateway_event_of_the_wrong_shape_gives_a_server_error(live: LiveApp) -> None:
    """A valid signature over any reshaped SMS Gateway event: a 2xx or a 400, never a 5xx."""

    @FUZZ
    @given(reshaped(GATEWAY_EVENTS))
    def run(event: Any) -> None:
        body = dumps(event)
        headers = gateway_headers(body)
        content_type = headers.pop("Content-Type")
        send(live, "smsgateway", "/webhooks/sms/smsgateway", body, content_type, headers)

    run()


# --- WhatsApp (its own live app: the module's app has no WhatsApp configured) ----------------


class WhatsAppLive(LiveApp):
    """The real app with WhatsApp on, against the local fake Graph API."""

    async def _start(self) -> None:
        graph = FakeGraph()
        await self.serve_fake(graph)
        graph.add_media("1013859600285441", b"OggS fake voice", "audio/ogg")
        services = await self.stack.enter_async_context(
            open_services(wa_settings(self.tmp, graph), nlu=self.nlu, create_schema=True)
        )
        self.web_app = create_web_app(services)
        await self.serve(self.web_app)

    def login(self) -> None:
        """No back office here."""


@pytest.fixture(scope="module", name="whatsapp_live")
def _whatsapp_live(
    tmp_path_factory: pytest.TempPathFactory, embedded_nlu: Any, tally: Tally
) -> Iterator[LiveApp]:
    app = WhatsAppLive(tmp_path_factory.mktemp("fuzz-whatsapp"), embedded_nlu, "none", tally)
    app.start()
    yield app
    app.stop()


WHATSAPP_NOTIFICATIONS = [
    whatsapp_fixture(name)
    for name in ("text_message.json", "audio_message.json", "status_delivered.json")
]


def test_no_signed_whatsapp_notification_of_the_wrong_shape_gives_a_server_error(
    whatsapp_live: LiveApp,
) -> None:
    """A valid X-Hub-Signature-256 over any reshaped Cloud API notification: never a 5xx."""

    @FUZZ
    @given(reshaped(WHATSAPP_NOTIFICATIONS))
    def run(notification: Any) -> None:
        body = dumps(notification)
        headers = {"X-Hub-Signature-256": whatsapp_sign(body)}
        send(whatsapp_live, "whatsapp", "/webhooks/whatsapp", body, "application/json", headers)

    run()
