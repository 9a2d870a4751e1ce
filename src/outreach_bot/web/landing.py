"""The public QR landing page ``/q/{code}`` and its web chat.

The landing page is one small HTML file with inline CSS and plain links, so it opens fast on
any phone and needs no JavaScript: "Discuter ici" (the web chat below), "Ouvrir dans Telegram"
(deep link with the code), "Écrire sur WhatsApp" (``wa.me`` link with the code typed) and
"Envoyer un SMS" (``sms:`` link with the code as the body). Every
text on both pages comes from ``messages.yml``, like everything else a young person reads.

The web chat talks to the REST channel and is attributed to the campaign by sending
``/start CODE`` first. Its script keeps a random token (the REST sender id) in the browser's
localStorage, never a cookie, so closing the tab or scanning again reopens the conversation.
Without JavaScript it still works as a form posted to this module, which hands the message to
the same core on the same ``rest`` channel. Crisis numbers (``tel:``/``sms:`` button payloads)
are links on both; after a confirmed erasure both forget the screen and the sender.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import quote

import jinja2
from aiohttp import web
from markupsafe import Markup, escape
from sqlalchemy.exc import SQLAlchemyError

from outreach_bot.config import Settings
from outreach_bot.content import Content
from outreach_bot.content.languages import preferred_language
from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.outreach.campaigns import (
    LandingCampaign,
    find_landing_campaign,
    landing_url,
    record_scan,
)
from outreach_bot.core.services import Services
from outreach_bot.dialogue.replies import Button
from outreach_bot.domain.campaigns import describe_event
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.web.admin.security import staff_account
from outreach_bot.web.errors import (
    Handler,
    log_storage_unavailable,
    read_form,
    wants_html,
)
from outreach_bot.web.keys import services_key
from outreach_bot.web.posters import NBSP, display_phone

logger = logging.getLogger(__name__)

WEBCHAT_DIR: Final = Path(__file__).parent / "webchat"
ASSET_PREFIX: Final = "/webchat"
REST_ENDPOINT: Final = "/webhooks/rest/webhook"
POLL_ENDPOINT: Final = "/webhooks/rest/messages"
"""Counsellor messages during a takeover (the web chat has no push)."""
MEDIA_ENDPOINT: Final = "/webhooks/rest/media"
"""Photos and voice notes the web chat's attach button sends (``channels.webchat_media``)."""
MEDIA_ACCEPT: Final = "image/*,audio/*,application/pdf"
"""What the file picker offers. No ``capture`` attribute: it would open the camera straight
away, and a photo of a paper taken earlier or a recording made with the phone's own recorder
could not be picked; without it a phone offers the camera, the recorder and the files."""
CHANNEL: Final = "rest"
SENDER_RE: Final = re.compile(r"^web-[A-Za-z0-9_-]{16,64}$")
MAX_MESSAGE: Final = 1000
PREFETCH_HEADERS: Final = ("Purpose", "Sec-Purpose", "X-Purpose", "X-Moz")
PAGE_LOCALE: Final = "fr"
"""The landing page and a fresh chat are French unless the person picked another language on
the page (``?lang=``) or their browser asks for one the bot speaks (``Accept-Language``)."""
LANGUAGE_PARAM: Final = "lang"
"""The query parameter of the landing page's language links (``/q/CODE?lang=ar``)."""
RETRY_AFTER: Final = 30
"""Seconds a browser is told to wait when the database is down (the page says "a few minutes")."""
SCRIPT_LABELS: Final = {
    "title": "webchat_title",
    "back": "webchat_back",
    "name": "webchat_name",
    "bot": "webchat_not_a_person",
    "human": "webchat_human",
    "label": "webchat_message_label",
    "placeholder": "webchat_placeholder",
    "send": "webchat_send",
    "not-sent": "webchat_not_sent",
    "retrying": "webchat_retrying",
    "typing": "webchat_typing",
    "log": "webchat_log_label",
    "attach": "webchat_attach",
    "too-big": "media_too_big",
    "wrong-type": "media_wrong_type",
    "file-failed": "media_unavailable",
}
"""The chat's own labels the script switches when the conversation's language becomes known
(``custom.language`` in a REST reply), by the names of the page's ``data-`` attributes."""
_NUMBER: Final = re.compile(r"\+?[0-9](?:[0-9 \u00a0./]*[0-9])?")
"""A number or a phone number in a text: kept left-to-right inside a right-to-left bubble."""
_LATIN: Final = "0-9A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"
_LATIN_RUN: Final = re.compile(rf"[{_LATIN}](?:[{_LATIN}'./ -]*[{_LATIN}'])?")
"""Latin words, numbers and articles of law ("Mission Locale du Nord Meusien", "MiloMouv'",
"6.1.a", "www.cnil.fr") in a right-to-left text: isolated, each keeps its own order, and an
apostrophe or a full stop stays where it was written (the privacy notice names and cites
many)."""

#: Every message key the two pages show, with the placeholders they fill (checked at start-up).
MESSAGES: Final[dict[str, frozenset[str]]] = {
    key: frozenset(values)
    for key, values in {
        "landing_title": (),
        "landing_hello": (),
        "landing_archived": ("campaign",),
        "landing_unknown": (),
        "landing_intro": (),
        "landing_chat": (),
        "landing_chat_hint": (),
        "landing_telegram": (),
        "landing_sms": (),
        "landing_sms_code": ("code", "number"),
        "landing_sms_number": ("number",),
        "landing_whatsapp": (),
        "landing_small_print": (),
        "landing_unavailable": (),
        "landing_unreadable": (),
        "landing_try_again": (),
        "landing_languages": (),
        "landing_privacy": (),
        "webchat_title": (),
        "webchat_back": (),
        "webchat_name": (),
        "webchat_not_a_person": (),
        "webchat_message_label": (),
        "webchat_placeholder": (),
        "webchat_send": (),
        "webchat_start": (),
        "webchat_not_sent": (),
        "webchat_human": (),
        "webchat_typing": (),
        "webchat_retrying": (),
        "webchat_log_label": (),
        "webchat_attach": (),
        "media_too_big": (),
        "media_wrong_type": (),
        "media_unavailable": (),
    }.items()
}

_FRENCH_SPACE: Final = re.compile(r" (?=[!?:;»])|(?<=«) ")

_templates: Final = jinja2.Environment(
    loader=jinja2.FileSystemLoader(WEBCHAT_DIR),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ASSETS: Final = {"chat.js": "text/javascript", "chat.css": "text/css"}
_PARAGRAPH: Final = re.compile(r"\n\s*\n")

FIELD_HINTS: Final[dict[str, dict[str, str]]] = {
    "age": {"inputmode": "numeric", "autocomplete": "off"},
    "first_name": {"autocomplete": "given-name"},
    "phone": {"type": "tel", "inputmode": "tel", "autocomplete": "tel"},
    "commune": {"autocomplete": "address-level2"},
}
"""The input's keyboard and autofill for each question of the contact form (``Reply.field``):
the number pad for the age, the phone keypad and the browser's own number for the phone. The
script gets the same table from the page, so both modes agree."""


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One message of the server-rendered chat (no-JavaScript mode).

    ``invalid`` marks the question asked again after an answer the bot could not read: the
    input points to it (``aria-describedby``) and says it is in error.
    """

    side: str
    text: str
    invalid: bool = False

    @property
    def parts(self) -> list[str]:
        """One bubble per paragraph, so a long text (the consent) reads as short bubbles."""
        return [part.strip() for part in _PARAGRAPH.split(self.text) if part.strip()]


def telegram_link(username: str, code: str | None) -> str:
    """``https://t.me/<bot>?start=<CODE>``, the deep link that attributes a Telegram chat."""
    if not username:
        return ""
    return f"https://t.me/{username}" + (f"?start={code}" if code else "")


def whatsapp_link(number: str, code: str | None) -> str:
    """``https://wa.me/<number>?text=<CODE>``: WhatsApp opens the chat with the code typed.

    A first message that starts with a campaign code counts for that campaign on every channel
    (the SMS keyword rule), so the conversation is attributed like Telegram's deep link.
    """
    digits = number.replace(" ", "").removeprefix("+")
    if not digits:
        return ""
    return f"https://wa.me/{digits}" + (f"?text={quote(code)}" if code else "")


def whatsapp_url(settings: Settings, code: str | None) -> str:
    """The campaign's ``wa.me`` link when WhatsApp is configured and its number given."""
    if not settings.whatsapp_token:
        return ""
    return whatsapp_link(settings.whatsapp_number, code)


def sms_link(number: str, code: str | None) -> str:
    """An ``sms:`` link that opens the phone's messages app with the code already typed."""
    if not number:
        return ""
    target = quote(number.replace(" ", ""), safe="+")
    return f"sms:{target}" + (f"?body={quote(code)}" if code else "")


def typeset(text: str) -> str:
    """``text`` with no-break spaces where French puts them, so "!" never starts a line.

    Reviewers write plain spaces in ``bot/``: a no-break space there is invisible and soon lost.
    """
    return _FRENCH_SPACE.sub(NBSP, text)


def _say(content: Content, locale: str = PAGE_LOCALE) -> Callable[..., Markup]:
    """The templates' ``say(key, **values)``: a reviewed text in ``locale``, escaped for HTML.

    The text is escaped before its placeholders are filled, and ``Markup.format`` escapes each
    value too, unless it is already ``Markup`` (the phone number in its no-wrap span).
    """

    def say(key: str, **values: object) -> Markup:
        text = typeset(content.messages[key].get(locale))
        return escape(text).format(**values)

    return say


def isolate_numbers(text: str, pattern: re.Pattern[str] = _NUMBER) -> Markup:
    """``text`` escaped, each number (each match of ``pattern``) in ``<bdi dir="ltr">``.

    In a right-to-left bubble the bidirectional algorithm would move a phone number's "+" to
    its end and could swap its groups ("116 006" read "006 116"); isolated, a number reads as
    it is dialled, in any language.
    """
    out = Markup()
    last = 0
    for match in pattern.finditer(text):
        out += escape(text[last : match.start()])
        out += Markup('<bdi dir="ltr">{}</bdi>').format(match.group())
        last = match.end()
    return out + escape(text[last:])


def page_language(content: Content, locale: str) -> tuple[str, str]:
    """The ``lang`` and ``dir`` of a page in ``locale``: French for a language with no folder."""
    language = content.languages.get(locale)
    if language is None:
        return PAGE_LOCALE, "ltr"
    return language.code, language.direction


def choose_language(request: web.Request, content: Content) -> str:
    """The language a page is shown in: the one picked on the page, else the browser's.

    ``?lang=ar`` comes from the page's own language links; without it the browser's
    ``Accept-Language`` (the phone's language) picks among the bot's languages
    (:func:`~outreach_bot.content.languages.preferred_language`), and French is the rest.
    """
    picked = request.query.get(LANGUAGE_PARAM, "")
    if picked in content.languages:
        return picked
    header = request.headers.get("Accept-Language", "")
    return preferred_language(header, content.languages) or PAGE_LOCALE


@dataclass(frozen=True, slots=True)
class LanguageLink:
    """One language of the page's language links, named in its own words and script."""

    code: str
    name: str
    direction: str
    href: str
    current: bool


def language_links(content: Content, path: str, current: str) -> list[LanguageLink]:
    """A link to ``path`` in each of the bot's languages, for a page that works without
    JavaScript: whoever cannot read the page finds their language's name in its own script."""
    return [
        LanguageLink(
            code=code,
            name=language.native_name,
            direction=language.direction,
            href=_with_language(path, code),
            current=code == current,
        )
        for code, language in content.languages.items()
    ]


@dataclass(frozen=True, slots=True)
class NoticeSection:
    """One part of the privacy notice: its heading, then its paragraphs and lists in order."""

    title: str
    blocks: list[str | list[str]]


def notice_sections(text: str) -> list[NoticeSection]:
    """The privacy notice of ``bot/`` as the landing page shows it.

    Reviewers write it as plain text: parts separated by a blank line, each opening with its
    heading, a line starting with "- " an item of a list. Read here so the YAML stays the
    plain text the data protection officer reviews.
    """
    sections: list[NoticeSection] = []
    for part in _PARAGRAPH.split(text.strip()):
        title, *lines = [line.strip() for line in part.splitlines() if line.strip()]
        blocks: list[str | list[str]] = []
        for line in lines:
            last = blocks[-1] if blocks else None
            if not line.startswith("- "):
                blocks.append(typeset(line))
            elif isinstance(last, list):
                last.append(typeset(line[2:]))
            else:
                blocks.append([typeset(line[2:])])
        sections.append(NoticeSection(typeset(title), blocks))
    return sections


def _with_language(path: str, lang: str) -> str:
    """``path`` carrying the page's language, so the next page and the chat keep it."""
    return f"{path}?{LANGUAGE_PARAM}={quote(lang)}"


def script_labels(content: Content) -> str:
    """Every language's labels for the chat's script, as JSON for the page's ``data-labels``.

    All of them are in the page, so the chat turns to a language as soon as the first reply
    names it, with no request more, and a message queued offline still shows its labels.
    """
    labels = {
        code: {"dir": language.direction}
        | {name: typeset(content.messages[key].get(code)) for name, key in SCRIPT_LABELS.items()}
        for code, language in content.languages.items()
    }
    return json.dumps(labels, ensure_ascii=False, separators=(",", ":"))


def _compress(request: web.Request, response: web.Response) -> None:
    """Send ``response`` gzipped to a browser that accepts it: fewer bytes on a slow phone.

    Only for bodies with nothing secret in them (the static files, the pages served to a GET),
    so the size of a compressed page never tells an eavesdropper anything (BREACH).
    """
    response.headers["Vary"] = ", ".join(
        filter(None, (response.headers.get("Vary"), "Accept-Encoding"))
    )
    if "gzip" in request.headers.get("Accept-Encoding", "").lower():
        response.enable_compression(web.ContentCoding.gzip)


def _html(body: str, *, status: int = 200) -> web.Response:
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    # Every opening must reach us to be counted; and the page must never be cached with a
    # conversation in it.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    # The page's language follows the browser's (Accept-Language): a cache must not mix them.
    response.headers["Vary"] = "Accept-Language"
    return response


def _is_prefetch(request: web.Request) -> bool:
    """Browsers and link previews that load a page nobody looked at are not scans; nor is the
    page again in another language (its own language links carry ``?lang=``, a QR code
    never does): that person was counted when they scanned."""
    if request.method == "HEAD" or LANGUAGE_PARAM in request.query:
        return True
    return any(
        "prefetch" in request.headers.get(name, "").lower()
        or "preview" in request.headers.get(name, "").lower()
        for name in PREFETCH_HEADERS
    )


def _state(campaign: LandingCampaign | None) -> str:
    if campaign is None:
        return "unknown"
    return "active" if campaign.active else "archived"


def browser_errors(handler: Handler) -> Handler:
    """A page for a browser when the database is down or a form cannot be read.

    The error middleware answers JSON, right for the widget and API clients; a young person
    who scanned a poster should read a sentence in their language instead, with a link to
    try again. Only requests that ask for HTML get the page.
    """

    async def page(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except (SQLAlchemyError, OSError) as error:
            if not wants_html(request):
                raise
            log_storage_unavailable(request, error)
            response = _error_page(request, "landing_unavailable", status=503)
            response.headers["Retry-After"] = str(RETRY_AFTER)
            return response
        except InvalidInputError:
            if not wants_html(request):
                raise
            return _error_page(request, "landing_unreadable", status=400)

    return page


def _error_page(request: web.Request, message: str, *, status: int) -> web.Response:
    content = request.app[services_key].content
    lang, direction = page_language(content, choose_language(request, content))
    body = _templates.get_template("error.html").render(
        say=_say(content, lang),
        lang=lang,
        direction=direction,
        message=message,
        back_url=request.rel_url.raw_path,
    )
    return _html(body, status=status)


async def on_landing(request: web.Request) -> web.Response:
    """Show the landing page of a scanned code and count the scan (no IP, no user agent).

    Staff signed in to the back office see the page but are not counted: checking a poster
    before printing it is not a young person reached.
    """
    services = request.app[services_key]
    raw = request.match_info["code"]
    if _is_prefetch(request) or await staff_account(request) is not None:
        campaign = await find_landing_campaign(services.sessions, raw)
    else:
        campaign = await record_scan(services.sessions, raw)
    code = campaign.code if campaign else None
    settings = services.settings
    lang, direction = page_language(services.content, choose_language(request, services.content))
    chat_path = _with_language(f"/q/{code or 'chat'}/chat", lang)
    body = _templates.get_template("landing.html").render(
        say=_say(services.content, lang),
        lang=lang,
        direction=direction,
        languages=language_links(services.content, request.rel_url.raw_path, lang),
        notice=notice_sections(services.content.privacy.notice.get(lang)),
        isolate=functools.partial(isolate_numbers, pattern=_LATIN_RUN)
        if direction == "rtl"
        else escape,
        state=_state(campaign),
        campaign=campaign,
        event=describe_event(campaign.name, campaign.held_on, campaign.place) if campaign else "",
        code=code,
        chat_url=chat_path,
        telegram_url=telegram_link(settings.telegram_bot_username, code),
        sms_url=sms_link(settings.sms_number, code),
        whatsapp_url=whatsapp_url(settings, code),
        # Kept on one line: a phone number cut across two lines gets mistyped. Isolated and
        # left-to-right, as the code: in an Arabic sentence they read as they are typed.
        sms_number=Markup('<bdi class="nowrap" dir="ltr">{}</bdi>').format(
            display_phone(settings.sms_number)
        ),
        sms_code=Markup('<bdi dir="ltr">{}</bdi>').format(code or ""),
        campaign_name=Markup("<bdi>{}</bdi>").format(campaign.name if campaign else ""),
    )
    response = _html(body, status=200 if campaign else 404)
    _compress(request, response)
    return response


def _chat_page(
    services: Services,
    campaign: LandingCampaign | None,
    *,
    sender: str,
    started: bool,
    lines: list[ChatLine],
    buttons: list[Button],
    field: str = "",
    locale: str = PAGE_LOCALE,
) -> web.Response:
    code = campaign.code if campaign else None
    segment = code or "chat"
    lang, direction = page_language(services.content, locale)
    body = _templates.get_template("chat.html").render(
        say=_say(services.content, lang),
        lang=lang,
        direction=direction,
        back_url=_with_language(f"/q/{segment}", lang),
        labels_json=script_labels(services.content),
        isolate=isolate_numbers,
        asset_prefix=ASSET_PREFIX,
        endpoint=REST_ENDPOINT,
        poll=POLL_ENDPOINT,
        media=MEDIA_ENDPOINT,
        media_accept=MEDIA_ACCEPT,
        media_max_bytes=services.conversations.media_policy.max_bytes,
        start_code=code or "",
        post_url=f"/q/{segment}/chat",
        sender=sender,
        started=started,
        lines=lines,
        buttons=buttons,
        hint=FIELD_HINTS.get(field, {}),
        invalid=any(line.invalid for line in lines),
        fields_json=json.dumps(FIELD_HINTS, separators=(",", ":")),
        # The browser's copy of the conversation lasts as long as the server's transcript.
        keep_days=services.settings.inactive_transcript_days,
    )
    return _html(body)


def _new_sender() -> str:
    return f"web-{secrets.token_urlsafe(18)}"


async def on_chat_page(request: web.Request) -> web.Response:
    """The web chat: started by JavaScript, or by a "Commencer" button without it, in the
    landing page's language (or the browser's), which the first message carries to the bot."""
    services = request.app[services_key]
    campaign = await find_landing_campaign(services.sessions, request.match_info["code"])
    response = _chat_page(
        services,
        campaign,
        sender=_new_sender(),
        started=False,
        lines=[],
        buttons=[],
        locale=choose_language(request, services.content),
    )
    # A fresh page with a new random sender nobody has used yet: nothing to leak.
    _compress(request, response)
    return response


async def on_chat_post(request: web.Request) -> web.Response:
    """No-JavaScript chat: one form post is one message; the page shows the bot's answer."""
    services = request.app[services_key]
    campaign = await find_landing_campaign(services.sessions, request.match_info["code"])
    form = await read_form(request)
    sender = str(form.get("sender", ""))
    if not SENDER_RE.match(sender):
        sender = _new_sender()
    started = form.get("started") == "1"
    payload = str(form.get("payload", "")).strip()
    typed = str(form.get("message", "")).replace("\x00", "").strip()[:MAX_MESSAGE]
    lines: list[ChatLine] = []
    buttons: list[Button] = []
    field = ""
    locale = PAGE_LOCALE
    messages: list[str] = []
    # The page's language goes with the first message only: later, the conversation's own.
    page_lang = str(form.get(LANGUAGE_PARAM, ""))[:35] or None
    if not started:
        messages.append(f"/start {campaign.code}" if campaign else "/start")
    if payload:
        messages.append(payload)
    elif typed:
        messages.append(typed)
        lines.append(ChatLine("me", typed))
    for index, text in enumerate(messages):
        language = page_lang if index == 0 and not started else None
        result = await services.conversations.handle_inbound(
            InboundMessage(channel=CHANNEL, sender_id=sender, text=text, language=language)
        )
        if result.erased:
            # Erased: the page forgets the screen and the sender too; a new message starts anew.
            lines, sender = [], _new_sender()
        locale = result.locale
        field = ""
        for reply in result.replies:
            lines.append(ChatLine("bot", reply.text, invalid=reply.invalid))
            field = reply.field or field
            if reply.buttons:
                buttons = list(reply.buttons)
    return _chat_page(
        services,
        campaign,
        sender=sender,
        started=True,
        lines=lines,
        buttons=buttons,
        field=field,
        locale=locale,
    )


async def on_asset(request: web.Request) -> web.Response:
    """The web chat's own JavaScript and CSS, served from the package (no CDN), gzipped for a
    browser that accepts it (chat.js: about a third of the bytes on a slow network)."""
    name = request.match_info["name"]
    if name not in _ASSETS:
        raise web.HTTPNotFound
    response = web.Response(body=_asset(name), content_type=_ASSETS[name])
    response.headers["Cache-Control"] = "public, max-age=3600"
    _compress(request, response)
    return response


@functools.cache
def _asset(name: str) -> bytes:
    """A file of the package, read once: it never changes while the server runs."""
    return (WEBCHAT_DIR / name).read_bytes()


def add_routes(app: web.Application) -> None:
    """Mount the landing page, the web chat and its assets on the public application.

    Raises:
        ContentError: ``messages.yml`` lacks a text of the pages; the server does not
            start rather than show a broken page to whoever scans a poster.
    """
    app[services_key].content.require_messages(MESSAGES)
    app.router.add_get("/q/{code}", browser_errors(on_landing))
    app.router.add_get("/q/{code}/chat", browser_errors(on_chat_page))
    app.router.add_post("/q/{code}/chat", browser_errors(on_chat_post))
    app.router.add_get(ASSET_PREFIX + "/{name}", on_asset)


def campaign_landing_url(services: Services, code: str) -> str:
    """The public address of a campaign's landing page (what its QR code holds)."""
    return landing_url(str(services.settings.public_url), code)
