"""Fuzz every public route of the real app over real HTTP: no input may give a 5xx or an error log.

The app runs in a thread with its own event loop, on a real TCP port, with Telegram in webhook
mode (against the local fake Bot API), WhatsApp (against the local fake Graph API) and an SMS
provider (the local fake gateway, or Twilio);
hypothesis builds the requests: bodies, query strings, path parameters and headers full of what
young people and broken clients send ("²" from an AZERTY keyboard, "¹²³", "⑤", emoji, voice
dictation run-ons, integers of thousands of digits, JSON nested a thousand deep, lone
surrogates, empty and 100 kB bodies). Signed webhooks are fuzzed both signed (to reach the
parsing behind the signature) and unsigned.

Runs are reproducible (``derandomize``). ``OUTREACH_FUZZ_EXAMPLES`` sets the examples per route
(default 10: about 680 inputs, under a minute). The number of inputs sent, of 5xx answers and
of error logs is printed at the end of the module.
"""

from __future__ import annotations

import http.client
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach_bot.app import create_web_app, open_services
from outreach_bot.channels.telegram import SECRET_HEADER, webhook_secret
from outreach_bot.core.media import store_media
from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.staff import accounts as users
from outreach_bot.core.staff.accounts import add_user
from outreach_bot.core.staff.tokens import create_token
from outreach_bot.domain.intents import INTENTS
from tests.channels.sms.conftest import (
    GATEWAY_LOGIN,
    GATEWAY_PASSWORD,
    OUR_NUMBER,
    SIGNING_KEY,
    TWILIO_SID,
    TWILIO_TOKEN,
    FakeGateway,
    FakeTwilio,
    fixture_form,
    fixture_json,
    gateway_headers,
    twilio_signature,
)
from tests.channels.telegram.bot_api import FakeBotApi, load_update
from tests.channels.whatsapp.conftest import VERIFY_TOKEN as WHATSAPP_VERIFY_TOKEN
from tests.channels.whatsapp.conftest import FakeGraph, wa_settings
from tests.channels.whatsapp.conftest import fixture as whatsapp_fixture
from tests.channels.whatsapp.conftest import sign as whatsapp_sign
from tests.conftest import make_settings
from tests.fuzz import Tally, ThreadedApp, tallied
from tests.web.admin.conftest import make_lead

EXAMPLES = int(os.environ.get("OUTREACH_FUZZ_EXAMPLES", "10"))
CAMPAIGN = "forum-verdun"
ADMIN_EMAIL = "fuzz-admin@example.org"
ADMIN_PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')

# --- what people and broken clients send ----------------------------------------------------

NASTY: list[str] = [
    "",
    " ",
    "²",
    "¹²³",
    "⑤",
    "².",
    "٣",
    "３",
    "é",
    "œ",
    "Œuvre à Saint-Mihiel",
    "😀",
    "👍🏽",
    "🇫🇷",
    "\ud800",
    "\udfff",
    "ok\ud83d",
    "\x00",
    "\u202e",
    "\r\n",
    "0",
    "1",
    "-1",
    "+1",
    "1e3",
    "0x10",
    "2147483647",
    "2147483648",
    "9223372036854775808",
    "9" * 5000,
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-W01-1",
    "../../../etc/passwd",
    "%",
    "%zz",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "/affirm",
    '/affirm{"a": 1}',
    '/affirm{"a": ' + "9" * 5000 + "}",
    "/affirm" + '{"a":' * 2000,
    "/start " + CAMPAIGN,
    "stop",
    "null",
    "[]",
    "{}",
    "j'ai ¹⁷ ans",
    "dix sept",
    "06 12 34 56 78",
    "٠٦١٢٣٤٥٦٧٨",
    "55100",
    "Verdun",
    "x" * 300,  # a file name too long for the file system, a URL short enough for HTTP
    "é" * 200,
    "x" * 100_000,
]
WORDS = re.findall(
    r"\S+",
    "euh alors du coup je cherche un taf genre dans la resto ou le bâtiment mais j'ai pas le "
    "permis et ma mère elle dit que faut que je fasse une formation point virgule ouais voilà "
    "virgule 17 ans à Verdun deux trois quatre",
)
"""Dictation run-ons: no punctuation, "point virgule" spelled out, numbers in words."""

text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-16", exclude_categories=()), max_size=20),
    st.lists(st.sampled_from(WORDS), min_size=10, max_size=300).map(" ".join),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
"""A string a person, a dictation engine or a broken client could send."""

HUGE_INT = "\x1ehuge-int\x1e"
"""Stands for an integer of 5,000 digits, which :func:`dumps` writes out (Python cannot)."""

scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.just(HUGE_INT),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
)
json_value = st.recursive(
    scalar,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12,
)
raw_body = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"",
            b"[" * 100_000,
            b"[" * 5000 + b"]" * 5000,
            b'{"a": ' + b"9" * 5000 + b"}",
            b'"\\ud800"',
            b'{"\\udfff": "\\ud800"}',
            b"\xff\xfe",
            b"{" + b"x" * 100_000 + b"}",
        ]
    ),
)


def dumps(value: Any) -> bytes:
    """JSON as a client sends it; lone surrogates go out as ``\\ud800`` escapes."""
    return json.dumps(value).replace(json.dumps(HUGE_INT), "9" * 5000).encode()


def junk_json(shaped: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Well-shaped bodies with nasty values, any JSON value, or bytes that are not JSON."""
    well_shaped = shaped.map(dumps)
    return st.one_of(well_shaped, well_shaped, json_value.map(dumps), raw_body)


# --- requests ---------------------------------------------------------------------------------


@dataclass
class Req:
    """One request to send; ``auth`` and ``sign`` are filled in with the live secrets."""

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    auth: str | None = None  # "api", "admin" or "visitor" (a session, not signed in)
    sign: str | None = None  # "gateway", "twilio", "telegram" or "whatsapp"
    form: dict[str, str] | None = None

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """What hypothesis prints for a failing example: long values cut to 200 characters."""
        printer.text(repr(self)[:200] + "…" if len(repr(self)) > 200 else repr(self))

    def __repr__(self) -> str:
        parts = (self.method, self.path, self.query, self.body, self.headers, self.form)
        return "Req(" + ", ".join(_short(part) for part in parts) + ")"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + f"… ({len(text)} chars)"


def segment(value: str) -> str:
    """A path segment as a client would encode it (lone surrogates as %ED%A0%80)."""
    return quote(value, safe="", errors="surrogatepass")


def form_body(form: dict[str, str]) -> bytes:
    return urlencode(form, errors="surrogatepass").encode("ascii")


ids = st.one_of(
    st.sampled_from(["1", "0", "-1", "2147483647", "2147483648", "9" * 40, "²", "٣", "1e3"]),
    text,
)
dates = st.one_of(
    st.sampled_from(["2026-01-31", "9999-12-31", "0001-01-01", "2026-13-01", "20260131", "²"]),
    text,
)
query = st.dictionaries(st.sampled_from(["x", "limit", "after", "from", "to"]), text, max_size=3)


def get(path: str, queries: st.SearchStrategy[dict[str, str]] | None = None, **extra: Any) -> Any:
    """GETs of ``path`` with fuzzed query strings (any of a few common names by default)."""
    chosen = query if queries is None else queries
    return st.builds(lambda q: Req("GET", path, query=q, **extra), chosen)


def params(**values: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, str]]:
    """Query strings where each known parameter may be present, with nasty values."""
    return st.fixed_dictionaries({}, optional=values)


def rest_message() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"sender": st.one_of(st.sampled_from(["fuzz-1", "fuzz-2"]), text), "message": text},
        optional={"metadata": json_value},
    )


def telegram_update() -> st.SearchStrategy[dict[str, Any]]:
    def build(message: str, update_id: int) -> dict[str, Any]:
        update = load_update("text_message")
        update["update_id"] = update_id
        update["message"]["text"] = message
        return update

    return st.builds(build, text, st.integers(min_value=1, max_value=2**31))


def gateway_event() -> st.SearchStrategy[dict[str, Any]]:
    def build(
        event: str, message: str, sender: str, message_id: str, parts: list[Any]
    ) -> dict[str, Any]:
        data = fixture_json("smsgateway_received.json")
        data["event"] = event
        data["payload"].update(
            message=message, sender=sender, phoneNumber=sender, messageId=message_id
        )
        if event.startswith("mms:"):
            data["payload"].update(body=message, attachments=parts)
        return data

    mms_part = st.fixed_dictionaries(
        {"contentType": st.one_of(st.sampled_from(["image/jpeg", "audio/amr"]), text)},
        optional={
            "data": st.one_of(
                st.none(),
                st.sampled_from(["/9j/4AAQSkZJRg==", "T2dnUw==", "JVBERi0xLjQ="]),
                text,
            ),
            "name": text,
            "partId": st.integers(),
        },
    )
    return st.builds(
        build,
        st.sampled_from(
            ["sms:received", "sms:delivered", "sms:failed", "mms:downloaded", "mms:received", "x"]
        ),
        text,
        st.one_of(st.just("+33612345678"), text),
        st.one_of(st.uuids().map(str), text),
        st.one_of(st.lists(mms_part, max_size=3), json_value),
    )


def twilio_form() -> st.SearchStrategy[dict[str, str]]:
    def build(body: str, sender: str, sid: str, media: dict[str, str]) -> dict[str, str]:
        form = fixture_form("twilio_inbound.form")
        form.update(Body=body, From=sender, To=OUR_NUMBER, MessageSid=sid, SmsSid=sid)
        form.update(media)
        return form

    # Twilio sends well-formed UTF-8; the signature of a lone surrogate cannot be computed.
    clean = text.map(lambda t: t.encode("utf-8", "replace").decode())
    # An MMS: how many files, their URLs (none of them this account's) and declared types.
    media = st.fixed_dictionaries(
        {},
        optional={
            "NumMedia": st.one_of(st.sampled_from(["0", "1", "2", "10", "11", "-1", "²"]), clean),
            "MediaUrl0": st.one_of(st.just("http://127.0.0.1:9/ME1"), clean),
            "MediaContentType0": st.one_of(st.just("image/jpeg"), clean),
            "MediaUrl1": clean,
        },
    )
    return st.builds(
        build, clean, st.one_of(st.just("+33612345678"), clean), st.uuids().map(str), media
    )


def whatsapp_notification() -> st.SearchStrategy[dict[str, Any]]:
    def build(message: str, sender: str, message_id: str, kind: str) -> dict[str, Any]:
        data = whatsapp_fixture("text_message.json")
        value = data["entry"][0]["changes"][0]["value"]
        value["messages"][0].update(id=message_id, type=kind, text={"body": message})
        value["messages"][0]["from"] = sender
        return data

    return st.builds(
        build,
        text,
        st.one_of(st.just("33612345678"), text),
        st.one_of(st.uuids().map(lambda u: f"wamid.{u}"), text),
        st.one_of(st.sampled_from(["text", "audio", "interactive", "reaction"]), text),
    )


#: Files as the web chat's attach button sends them: invented photo and voice-note headers,
#: a program, an SVG with a script, nothing, random bytes, and a file far over the limit.
UPLOADS = st.one_of(
    st.sampled_from(
        [
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
            b"OggS\x00\x02" + b"invented voice note " * 10,
            b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00" * 40,
            b"MZ\x90\x00 not a photo",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
            b"",
            b"\xff\xd8\xff" * 4_000_000,
        ]
    ),
    st.binary(max_size=300),
)


def upload() -> st.SearchStrategy[Req]:
    """The web chat's upload: a form with a file part (or a wrongly named one), its name full
    of what phones call files, the sender and message id in the query."""

    def build(query: dict[str, str], part: str, filename: str, data: bytes) -> Req:
        name = filename.encode("utf-8", "surrogatepass")
        body = (
            b'--fuzzb\r\nContent-Disposition: form-data; name="'
            + part.encode("utf-8", "surrogatepass")
            + b'"; filename="'
            + name
            + b'"\r\nContent-Type: image/jpeg\r\n\r\n'
            + data
            + b"\r\n--fuzzb--\r\n"
        )
        return Req(
            "POST",
            "/webhooks/rest/media",
            query=query,
            body=body,
            content_type="multipart/form-data; boundary=fuzzb",
        )

    return st.builds(
        build,
        params(sender=st.one_of(st.just("fuzz-1"), text), message_id=text),
        st.one_of(st.just("file"), text),
        st.one_of(st.just("IMG_2026.jpg"), text),
        UPLOADS,
    )


def posted(path: str, form: st.SearchStrategy[dict[str, str]], **extra: Any) -> Any:
    return st.builds(lambda f: Req("POST", path, form=f, **extra), form)


def fields(*names: str) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, text))


#: A place's form: what it always had, and the office's phone, walk-in and hours per day.
PLACE_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        **dict.fromkeys(("kind", "name", "commune", "address", "held_on", "hours", "phone"), text),
        "walk_in": st.one_of(st.sampled_from(["", "yes", "no"]), text),
        **{
            f"hours_{day}": st.one_of(st.sampled_from(["9h-12h", "fermé", ""]), text)
            for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
    },
)


def on(template: str, value: st.SearchStrategy[str], request: st.SearchStrategy[Any]) -> Any:
    """``request`` (a strategy of Req on a placeholder path) moved to ``template`` filled in."""
    name = re.search(r"\{(\w+)\}", template)
    assert name

    def move(v: str, r: Req) -> Req:
        r.path = template.replace(name.group(0), segment(v))
        return r

    return st.builds(move, value, request)


codes = st.one_of(st.just(CAMPAIGN), text)
lead_ids = st.one_of(st.just("{lead}"), ids)
gap_ids = ids
language_codes = st.one_of(st.sampled_from(["ar", "fr", "fr-x-falc", "prs"]), text)
api_json = {
    "fields": st.fixed_dictionaries({"text": text}, optional={"locale": text}),
    "consents": st.fixed_dictionaries({"sender_id": text, "text_version": text}),
    "leads": st.fixed_dictionaries(
        {"sender_id": text, "age": scalar, "phone": text},
        optional={"first_name": text, "commune_insee": text, "need": text},
    ),
    "erasure": st.fixed_dictionaries({"sender_id": text}),
    "crisis-check": st.fixed_dictionaries({"text": text}),
    "alerts": st.fixed_dictionaries({"sender_id": text}, optional={"text": text}),
}


def api_post(path: str, shape: st.SearchStrategy[Any]) -> st.SearchStrategy[Req]:
    return st.builds(
        lambda b: Req("POST", path, body=b, content_type="application/json", auth="api"),
        junk_json(shape),
    )


ROUTES: dict[tuple[str, str], st.SearchStrategy[Req]] = {
    ("GET", "/healthz"): get("/healthz"),
    ("GET", "/readyz"): get("/readyz"),
    ("GET", "/metrics"): get("/metrics"),
    ("POST", "/webhooks/rest/webhook"): st.builds(
        lambda b: Req("POST", "/webhooks/rest/webhook", body=b, content_type="application/json"),
        junk_json(rest_message()),
    ),
    ("GET", "/webhooks/rest/messages"): get(
        "/webhooks/rest/messages", params(sender=st.one_of(st.just("fuzz-1"), text), after=ids)
    ),
    ("POST", "/webhooks/rest/media"): upload(),
    ("GET", "/q/{code}"): on("/q/{code}", codes, get("/", params(x=text))),
    ("GET", "/q/{code}/chat"): on("/q/{code}/chat", codes, get("/", params(x=text))),
    ("POST", "/q/{code}/chat"): on(
        "/q/{code}/chat",
        codes,
        posted("/", fields("sender", "started", "payload", "message")),
    ),
    ("GET", "/webchat/{name}"): on(
        "/webchat/{name}", st.one_of(st.sampled_from(["chat.js", "chat.css"]), text), get("/")
    ),
    ("POST", "/webhooks/telegram"): st.builds(
        lambda b, signed: Req(
            "POST",
            "/webhooks/telegram",
            body=b,
            content_type="application/json",
            sign="telegram" if signed else None,
        ),
        junk_json(telegram_update()),
        st.booleans(),
    ),
    ("GET", "/webhooks/whatsapp"): get(
        "/webhooks/whatsapp",
        params(
            **{
                "hub.mode": st.one_of(st.just("subscribe"), text),
                "hub.verify_token": st.one_of(st.just(WHATSAPP_VERIFY_TOKEN), text),
                "hub.challenge": text,
            }
        ),
    ),
    ("POST", "/webhooks/whatsapp"): st.builds(
        lambda b, signed, signature: Req(
            "POST",
            "/webhooks/whatsapp",
            body=b,
            content_type="application/json",
            sign="whatsapp" if signed else None,
            headers={} if signed else {"X-Hub-Signature-256": signature},
        ),
        junk_json(whatsapp_notification()),
        st.booleans(),
        st.one_of(st.just("sha256=" + "ab" * 32), text),
    ),
    ("POST", "/webhooks/sms/smsgateway"): st.builds(
        lambda b, signed, stamp: Req(
            "POST",
            "/webhooks/sms/smsgateway",
            body=b,
            content_type="application/json",
            sign="gateway" if signed else None,
            headers={} if signed else {"X-Signature": "ab" * 32, "X-Timestamp": stamp},
        ),
        junk_json(gateway_event()),
        st.booleans(),
        st.one_of(st.sampled_from(["²", "¹²³", "⑤", "٣", "9" * 5000]), text),
    ),
    # API, with a valid token
    ("GET", "/api/leads"): get(
        "/api/leads",
        params(limit=ids, offset=ids, status=text, sector=text, campaign=text),
        auth="api",
    ),
    ("GET", "/api/leads/{lead_id}"): on("/api/leads/{lead_id}", lead_ids, get("/", auth="api")),
    ("GET", "/api/stats"): get("/api/stats", params(**{"from": dates, "to": dates}), auth="api"),
    ("GET", "/api/answers/{intent}"): on(
        "/api/answers/{intent}",
        st.one_of(st.sampled_from(sorted(INTENTS)), text),
        get("/", params(locale=text), auth="api"),
    ),
    ("GET", "/api/consent-text"): get("/api/consent-text", params(locale=text), auth="api"),
    ("POST", "/api/fields/{field}"): on(
        "/api/fields/{field}",
        st.one_of(st.sampled_from(["phone", "age", "commune", "first_name"]), text),
        api_post("/", api_json["fields"]),
    ),
    **{
        ("POST", f"/api/{name}"): api_post(f"/api/{name}", shape)
        for name, shape in api_json.items()
        if name != "fields"
    },
    # Back office: sign-in pages anonymous, the rest signed in as an administrator
    ("GET", "/admin"): get("/admin"),
    ("GET", "/admin/static"): on(
        "/admin/static/{name}", st.one_of(st.just("admin.css"), text), get("/")
    ),
    ("GET", "/admin/login"): get("/admin/login", params(next=text, expired=text, bye=text)),
    # A visitor with a session and its CSRF token; never the fuzz administrator's address, so
    # that a sign-in limit cannot lock the account the rest of the fuzzing uses.
    ("POST", "/admin/login"): posted(
        "/admin/login",
        st.fixed_dictionaries(
            {"email": st.one_of(st.just("nobody@example.org"), text)},
            optional={"password": text, "next": text},
        ),
        auth="visitor",
    ),
    ("POST", "/admin/logout"): posted("/admin/logout", fields("x"), auth="visitor"),
    ("GET", "/admin/setup"): get("/admin/setup", params(token=text)),
    ("POST", "/admin/setup"): posted(
        "/admin/setup", fields("token", "email", "password", "password2"), auth="visitor"
    ),
    ("GET", "/admin/password"): get("/admin/password", params(token=text)),
    ("POST", "/admin/password"): posted(
        "/admin/password",
        fields("token", "display_name", "password", "password2"),
        auth="visitor",
    ),
    ("GET", "/admin/forgot"): get("/admin/forgot"),
    ("POST", "/admin/forgot"): posted("/admin/forgot", fields("email"), auth="visitor"),
    ("GET", "/admin/me"): get("/admin/me", auth="admin"),
    ("POST", "/admin/me/name"): posted("/admin/me/name", fields("display_name"), auth="admin"),
    ("POST", "/admin/me/password"): posted(
        "/admin/me/password",
        fields("current_password", "new_password", "new_password2"),
        auth="admin",
    ),
    ("GET", "/admin/accounts"): get("/admin/accounts", auth="admin"),
    ("POST", "/admin/accounts"): posted(
        "/admin/accounts",
        fields("email", "display_name", "role", "sectors", "form_key"),
        auth="admin",
    ),
    ("GET", "/admin/accounts/{user_id}"): on(
        "/admin/accounts/{user_id}", ids, get("/", auth="admin")
    ),
    ("POST", "/admin/accounts/{user_id}"): on(
        "/admin/accounts/{user_id}",
        ids,
        posted("/", fields("display_name", "role", "sectors"), auth="admin"),
    ),
    **{
        ("POST", f"/admin/accounts/{{user_id}}/{action}"): on(
            f"/admin/accounts/{{user_id}}/{action}", ids, posted("/", fields("x"), auth="admin")
        )
        for action in ("disable", "enable", "link")
    },
    ("GET", "/admin/tokens"): get("/admin/tokens", auth="admin"),
    ("POST", "/admin/tokens"): posted(
        "/admin/tokens", fields("name", "sectors", "form_key"), auth="admin"
    ),
    ("POST", "/admin/tokens/{token_id}/revoke"): on(
        "/admin/tokens/{token_id}/revoke", ids, posted("/", fields("x"), auth="admin")
    ),
    ("GET", "/admin/"): get(
        "/admin/",
        params(status=text, sector=text, campaign=text, order=text, q=text),
        auth="admin",
    ),
    ("GET", "/admin/leads.csv"): get(
        "/admin/leads.csv",
        params(status=text, sector=text, campaign=text, order=text, q=text),
        auth="admin",
    ),
    ("GET", "/admin/events"): get("/admin/events", auth="admin"),
    ("GET", "/admin/alerts"): get("/admin/alerts", auth="admin"),
    **{
        ("GET", f"/admin/leads/{{lead_id}}{tail}"): on(
            f"/admin/leads/{{lead_id}}{tail}",
            lead_ids,
            get("/", params(after=ids), auth="admin"),
        )
        for tail in ("", "/card", "/messages", "/export.json")
    },
    **{
        ("POST", f"/admin/leads/{{lead_id}}/{action}"): on(
            f"/admin/leads/{{lead_id}}/{action}",
            lead_ids,
            posted("/", fields(*names), auth="admin"),
        )
        for action, names in {
            "claim": (),
            "status": ("status",),
            "close": ("outcome",),
            "note": ("note", "form_key"),
            "next-action": ("on",),
            "reassign": ("user", "sector"),
            "reply": ("text", "action", "form_key"),
            "hand-back": (),
            "false-alarm": (),
            "erase": ("confirm",),
            "appointments": ("day", "time", "place_id", "place", "with_whom", "form_key"),
            "later": ("text", "day", "time", "form_key"),
        }.items()
    },
    **{
        ("POST", f"/admin/leads/{{lead_id}}/{middle}/{{{name}}}/{action}"): st.builds(
            lambda lead, other, form, middle=middle, action=action: Req(
                "POST",
                f"/admin/leads/{segment(lead)}/{middle}/{segment(other)}/{action}",
                form=form,
                auth="admin",
            ),
            lead_ids,
            ids,
            fields(*names),
        )
        for middle, name, action, names in (
            ("appointments", "appointment_id", "outcome", ("came",)),
            ("scheduled", "scheduled_id", "cancel", ("x",)),
        )
    },
    ("GET", "/admin/leads/{lead_id}/media/{media_id}"): st.builds(
        lambda lead, media, query: Req(
            "GET",
            f"/admin/leads/{segment(lead)}/media/{segment(media)}",
            query=query,
            auth="admin",
        ),
        lead_ids,
        st.one_of(st.just("{media}"), ids),
        params(download=text),
    ),
    ("GET", "/admin/audit"): get("/admin/audit", params(before=ids, lead=ids), auth="admin"),
    ("GET", "/admin/campaigns"): get("/admin/campaigns", params(archived=text), auth="admin"),
    ("POST", "/admin/campaigns"): posted(
        "/admin/campaigns", fields("code", "name", "sector", "held_on", "place"), auth="admin"
    ),
    ("GET", "/admin/campaigns/{code}"): on(
        "/admin/campaigns/{code}", codes, get("/", auth="admin")
    ),
    ("POST", "/admin/campaigns/{code}"): on(
        "/admin/campaigns/{code}",
        codes,
        posted("/", fields("name", "sector", "held_on", "place"), auth="admin"),
    ),
    **{
        ("POST", f"/admin/campaigns/{{code}}/{action}"): on(
            f"/admin/campaigns/{{code}}/{action}",
            st.one_of(st.just("no-such-campaign"), text),
            posted("/", fields("x"), auth="admin"),
        )
        for action in ("archive", "restore", "delete")
    },
    **{
        ("GET", f"/admin/campaigns/{{code}}/{name}"): on(
            f"/admin/campaigns/{{code}}/{name}", codes, get("/", auth="admin")
        )
        for name in ("qr.png", "qr.svg")
    },
    ("GET", "/admin/campaigns/{code}/poster-{size}.pdf"): st.builds(
        lambda code, size: Req(
            "GET",
            f"/admin/campaigns/{segment(code)}/poster-{segment(size)}.pdf",
            auth="admin",
        ),
        codes,
        st.one_of(st.sampled_from(["a4", "a6"]), text),
    ),
    ("GET", "/admin/figures"): get(
        "/admin/figures", params(**{"from": dates, "to": dates}), auth="admin"
    ),
    ("GET", "/admin/figures.csv"): get(
        "/admin/figures.csv", params(**{"from": dates, "to": dates}), auth="admin"
    ),
    ("GET", "/admin/places"): get("/admin/places", auth="admin"),
    ("POST", "/admin/places"): posted("/admin/places", PLACE_FIELDS, auth="admin"),
    ("GET", "/admin/places/{place_id}"): on(
        "/admin/places/{place_id}", ids, get("/", auth="admin")
    ),
    ("POST", "/admin/places/{place_id}"): on(
        "/admin/places/{place_id}",
        ids,
        posted("/", PLACE_FIELDS, auth="admin"),
    ),
    ("POST", "/admin/places/{place_id}/delete"): on(
        "/admin/places/{place_id}/delete", ids, posted("/", fields("x"), auth="admin")
    ),
    ("GET", "/admin/lists"): get("/admin/lists", auth="admin"),
    ("POST", "/admin/lists"): posted(
        "/admin/lists",
        fields("name", "purpose", "purge_on", "daily_budget", "representatives", "file"),
        auth="admin",
    ),
    ("GET", "/admin/lists/{list_id}"): on("/admin/lists/{list_id}", ids, get("/", auth="admin")),
    **{
        ("POST", f"/admin/lists/{{list_id}}/{action}"): on(
            f"/admin/lists/{{list_id}}/{action}",
            ids,
            posted("/", fields("phone", "confirm"), auth="admin"),
        )
        for action in ("start", "pause", "test", "erase")
    },
    ("GET", "/admin/quality"): get("/admin/quality", params(show=text, page=ids), auth="admin"),
    ("GET", "/admin/quality/reviewed.yml"): get("/admin/quality/reviewed.yml", auth="admin"),
    **{
        ("POST", f"/admin/quality/{{gap_id}}/{action}"): on(
            f"/admin/quality/{{gap_id}}/{action}",
            gap_ids,
            posted("/", fields("intent", "show", "page"), auth="admin"),
        )
        for action in ("label", "unlabel", "dismiss")
    },
    ("GET", "/admin/texts"): get("/admin/texts", auth="admin"),
    ("GET", "/admin/texts/{code}"): on(
        "/admin/texts/{code}", language_codes, get("/", params(show=text), auth="admin")
    ),
    ("POST", "/admin/texts/{code}/approve"): on(
        "/admin/texts/{code}/approve",
        language_codes,
        posted("/", fields("key", "text", "reviewed_by", "show"), auth="admin"),
    ),
    ("POST", "/admin/leads/{lead_id}/referrals"): on(
        "/admin/leads/{lead_id}/referrals",
        lead_ids,
        posted("/", fields("service", "reason"), auth="admin"),
    ),
    **{
        ("POST", f"/admin/leads/{{lead_id}}/referrals/{{referral_id}}/{action}"): on(
            f"/admin/leads/{{lead}}/referrals/{{referral_id}}/{action}",
            ids,
            posted("/", fields("x"), auth="admin"),
        )
        for action in ("link", "withdraw")
    },
    ("GET", "/admin/partners"): get("/admin/partners", auth="admin"),
    ("POST", "/admin/partners/organisations"): posted(
        "/admin/partners/organisations",
        fields("organisation_id", "name", "description", "phone", "email", "website", "commune"),
        auth="admin",
    ),
    ("POST", "/admin/partners/services"): posted(
        "/admin/partners/services",
        fields(
            "organisation_id",
            "service_id",
            "name",
            "themes",
            "area",
            "area_label",
            "contact",
            "referral_email",
        ),
        auth="admin",
    ),
    ("POST", "/admin/partners/import"): posted(
        "/admin/partners/import", fields("file"), auth="admin"
    ),
    ("GET", "/admin/partner"): get("/admin/partner", auth="admin"),
    ("POST", "/admin/partner/referrals/{referral_id}"): on(
        "/admin/partner/referrals/{referral_id}",
        ids,
        posted("/", fields("action", "note", "outcome"), auth="admin"),
    ),
    ("GET", "/admin/orientation/{token}"): on(
        "/admin/orientation/{token}", text, get("/", auth="visitor")
    ),
    ("POST", "/admin/orientation/{token}"): on(
        "/admin/orientation/{token}",
        text,
        posted("/", fields("action", "note", "outcome"), auth="visitor"),
    ),
}
"""Every public route, by method and path as the router names it, with its request strategy."""

WHATSAPP_SETTINGS = {
    "whatsapp_token",
    "whatsapp_phone_number_id",
    "whatsapp_app_secret",
    "whatsapp_verify_token",
    "whatsapp_base_url",
    "whatsapp_api_version",
    "whatsapp_number",
    "whatsapp_chat_interval",
    "whatsapp_messages_per_second",
}
"""WhatsApp on too, against its local fake Graph API."""

TWILIO_ROUTES = {("POST", "/webhooks/sms/twilio"), ("POST", "/webhooks/sms/twilio/status")}


def twilio_requests() -> st.SearchStrategy[Req]:
    """Signed forms (inbound SMS and status callbacks) with nasty values, and unsigned junk."""
    paths = st.sampled_from(sorted(path for _, path in TWILIO_ROUTES))
    signed = st.builds(
        lambda path, form, status: Req(
            "POST", path, form={**form, "MessageStatus": status}, sign="twilio"
        ),
        paths,
        twilio_form(),
        st.one_of(st.sampled_from(["delivered", "undelivered", "failed", "sent"]), text).map(
            lambda t: t.encode("utf-8", "replace").decode()
        ),
    )
    unsigned = st.builds(
        lambda path, body, signature: Req(
            "POST",
            path,
            body=body,
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": signature},
        ),
        paths,
        st.one_of(fields("Body", "From", "MessageSid", "MessageStatus").map(form_body), raw_body),
        text.map(lambda t: t.encode("utf-8", "replace").decode("latin-1")),
    )
    return st.one_of(signed, unsigned)


# --- the live app -----------------------------------------------------------------------------


class LiveApp(ThreadedApp):
    """The real app on a real port, driven from the test thread with a plain HTTP client."""

    def __init__(self, tmp: Path, nlu: Any, provider: str, tally: Tally) -> None:
        super().__init__()
        self.tmp, self.nlu, self.provider, self.tally = tmp, nlu, provider, tally
        self.token = ""
        self.secret = ""
        self.lead = 0
        self.media = 0
        self.jars: dict[str, dict[str, str]] = {"admin": {}, "visitor": {}}
        self.csrf = {"admin": "", "visitor": ""}
        self.web_app = web.Application()

    def start(self) -> None:
        super().start()
        self.login()

    async def _start(self) -> None:
        api = FakeBotApi()
        await api.start()
        self.stack.push_async_callback(api.close)
        overrides: dict[str, Any] = {
            "telegram_token": api.token,
            "telegram_base_url": api.base_url,
            "telegram_chat_interval": 0.0,
            "telegram_webhook": True,
        }
        fake: FakeGateway | FakeTwilio
        if self.provider == "twilio":
            fake = FakeTwilio()
            overrides.update(
                sms_provider="twilio",
                twilio_account_sid=TWILIO_SID,
                twilio_auth_token=TWILIO_TOKEN,
                twilio_from=OUR_NUMBER,
            )
        else:
            fake = FakeGateway()
            overrides.update(
                sms_provider="smsgateway",
                smsgateway_login=GATEWAY_LOGIN,
                smsgateway_password=GATEWAY_PASSWORD,
                smsgateway_signing_key=SIGNING_KEY,
            )
        await self.serve_fake(fake)
        key = "twilio_base_url" if self.provider == "twilio" else "smsgateway_url"
        overrides[key] = fake.url
        graph = FakeGraph()
        await self.serve_fake(graph)
        whatsapp = wa_settings(self.tmp, graph).model_dump(include=WHATSAPP_SETTINGS)
        settings_ = make_settings(self.tmp, **overrides, **whatsapp)
        self.secret = webhook_secret(settings_, settings_.secret_key)
        services = await self.stack.enter_async_context(
            open_services(settings_, nlu=self.nlu, create_schema=True)
        )
        await add_user(services.sessions, ADMIN_EMAIL, role="admin", password=ADMIN_PASSWORD)
        await create_campaign(services.sessions, CAMPAIGN, name="Forum emploi Verdun")
        self.token = await create_token(services.sessions, "fuzz")
        lead = await make_lead(services)
        self.lead = lead.id
        async with services.sessions.begin() as session:
            assert lead.conversation_id is not None
            media = await store_media(
                session,
                conversation_id=lead.conversation_id,
                lead_id=lead.id,
                message_id=None,
                kind="voice",
                content_type="audio/ogg",
                data=b"OggS invented voice note",
                filename=None,
                now=datetime.now(UTC),
            )
            self.media = media.id
        self.web_app = create_web_app(services)
        await self.serve(self.web_app)

    def visit(self, jar: str) -> None:
        """Open the sign-in page, as a browser does before posting it: a session and a token."""
        page = self.http("GET", "/admin/login", jar=jar)
        self.csrf[jar] = CSRF_RE.search(page[1].decode())[1]  # type: ignore[index]

    def login(self) -> None:
        self.jars["admin"].clear()
        self.visit("admin")
        form = {"csrf": self.csrf["admin"], "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        status, _ = self.http(
            "POST",
            "/admin/login",
            form_body(form),
            "application/x-www-form-urlencoded",
            jar="admin",
        )
        assert status == 303
        queue = self.http("GET", "/admin/", jar="admin")
        self.csrf["admin"] = CSRF_RE.search(queue[1].decode())[1]  # type: ignore[index]

    def http(
        self,
        method: str,
        target: str,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        *,
        jar: str | None = None,
    ) -> tuple[int, bytes]:
        """One request on a fresh connection, with the cookies of ``jar`` kept between them."""
        cookies = self.jars[jar] if jar else None
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.putrequest(method, target, skip_accept_encoding=True)
            sent = dict(headers or {})
            if content_type:
                sent["Content-Type"] = content_type
            if cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            sent["Content-Length"] = str(len(body))
            for name, value in sent.items():
                # Control characters in a header never reach the app: aiohttp's parser answers
                # 400 itself (and logs it). Everything else, "²" included, is sent as UTF-8.
                printable = "".join(c for c in value if c >= " " and c != "\x7f")
                connection.putheader(name, printable.encode("utf-8", "surrogatepass"))
            connection.endheaders(body)
            response = connection.getresponse()
            if cookies is not None:
                for header in response.headers.get_all("Set-Cookie") or []:
                    for morsel in SimpleCookie(header).values():
                        cookies[morsel.key] = morsel.value
            # The event stream never ends: its status and headers are enough.
            data = b"" if target.startswith("/admin/events") else response.read()
            return response.status, data
        finally:
            connection.close()
            self.tally.requests += 1

    def send(self, req: Req) -> tuple[int, bytes]:
        """Fill in the live secrets, send, and return the status and body."""
        path = req.path.replace("%7Blead%7D", str(self.lead)).replace("{lead}", str(self.lead))
        path = path.replace("%7Bmedia%7D", str(self.media))
        headers = dict(req.headers)
        body, content_type = req.body, req.content_type
        if req.auth == "visitor":
            self.visit("visitor")
        if req.form is not None:
            form = dict(req.form)
            if req.auth in self.jars and "csrf" not in form:
                form["csrf"] = self.csrf[req.auth]
            body, content_type = form_body(form), "application/x-www-form-urlencoded"
        if req.auth == "api":
            headers["Authorization"] = f"Bearer {self.token}"
        if req.sign == "telegram":
            headers[SECRET_HEADER] = self.secret
        elif req.sign == "gateway":
            headers.update(gateway_headers(body))
        elif req.sign == "whatsapp":
            headers["X-Hub-Signature-256"] = whatsapp_sign(body)
        elif req.sign == "twilio":
            assert req.form is not None
            headers["X-Twilio-Signature"] = twilio_signature(path, req.form)
        target = path + ("?" + urlencode(req.query, errors="surrogatepass") if req.query else "")
        jar = req.auth if req.auth in self.jars else None
        status, data = self.http(req.method, target, body, content_type, headers, jar=jar)
        self.tally.inputs += 1
        self.tally.statuses[status] += 1
        if status >= 500:
            self.tally.server_errors += 1
        return status, data


@pytest.fixture(scope="module", name="tally")
def _tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    def summary(tally: Tally) -> str:
        return (
            f"fuzz: {tally.inputs} inputs ({tally.requests} HTTP requests) over "
            f"{len(ROUTES) + len(TWILIO_ROUTES)} routes "
            f"({EXAMPLES} examples each), {tally.server_errors} 5xx"
        )

    with tallied(request, summary) as tally:
        yield tally


@pytest.fixture(scope="module", name="fast_hashing")
def _fast_hashing() -> Iterator[None]:
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        yield


def live_app(
    tmp_path_factory: pytest.TempPathFactory, nlu: Any, provider: str, tally: Tally
) -> Iterator[LiveApp]:
    app = LiveApp(tmp_path_factory.mktemp(f"fuzz-{provider}"), nlu, provider, tally)
    app.start()
    yield app
    app.stop()


@pytest.fixture(scope="module", name="live")
def _live(
    tmp_path_factory: pytest.TempPathFactory, embedded_nlu: Any, tally: Tally, fast_hashing: None
) -> Iterator[LiveApp]:
    yield from live_app(tmp_path_factory, embedded_nlu, "smsgateway", tally)


@pytest.fixture(scope="module", name="live_twilio")
def _live_twilio(
    tmp_path_factory: pytest.TempPathFactory, embedded_nlu: Any, tally: Tally, fast_hashing: None
) -> Iterator[LiveApp]:
    yield from live_app(tmp_path_factory, embedded_nlu, "twilio", tally)


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def check(app: LiveApp, req: Req) -> None:
    """Send one request: its status is under 500 and nothing was logged at ERROR."""
    before = len(app.tally.error_logs)
    status, data = app.send(req)
    assert status < 500, (req.method, req.path[:200], status, data[:300])
    assert app.tally.error_logs[before:] == [], app.tally.error_logs[before:]


# --- tests ------------------------------------------------------------------------------------


def public_routes(app: web.Application) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves; sub-applications' routes are listed too."""
    found: set[tuple[str, str]] = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix")
        if route.method != "HEAD" and path is not None:
            found.add((route.method, str(path)))
    return found


def test_every_public_route_is_fuzzed(live: LiveApp, live_twilio: LiveApp) -> None:
    """The router's routes, with Telegram and both SMS providers on, are exactly those fuzzed."""

    served = public_routes(live.web_app) | public_routes(live_twilio.web_app)
    assert served == set(ROUTES) | TWILIO_ROUTES


@pytest.mark.parametrize("route", sorted(ROUTES), ids=" ".join)
def test_no_input_gives_a_server_error(live: LiveApp, route: tuple[str, str]) -> None:
    """Whatever is sent to this route, the answer is under 500 and no error is logged."""

    @FUZZ
    @given(ROUTES[route])
    def run(req: Req) -> None:
        check(live, req)

    run()


def test_no_input_gives_a_server_error_on_twilio(live_twilio: LiveApp) -> None:
    """The Twilio webhook, signed and unsigned: under 500, no error logged."""

    @FUZZ
    @given(twilio_requests())
    def run(req: Req) -> None:
        check(live_twilio, req)

    run()
