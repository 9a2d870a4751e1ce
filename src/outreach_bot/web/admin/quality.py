"""Back-office pages of the NLU quality loop: label what the bot did not understand.

Counsellors see the messages that fell to the fallback, with the bot's guess and confidence,
and give each the intent it meant (or dismiss it); coordinators download the labelled ones as
Rasa NLU YAML. The pages are mounted on the back-office sub-application, so its middlewares
sign people in and check the CSRF token of every POST; the rules (who may do what, which
intents exist) live in :mod:`outreach_bot.core.conversation.quality`.

The templates extend the back office's own ``base.html``, so these pages get the same
navigation, messages and stylesheet: :func:`setup` adds this module's template folder to the
sub-app's Jinja loader under the ``quality/`` prefix.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Final
from urllib.parse import urlencode

from aiohttp import web

from outreach_bot.core.conversation.quality import (
    EXPORT_ROLES,
    GapFilter,
    dismiss_gap,
    export_reviewed,
    label_gap,
    list_gaps,
    unlabel_gap,
)
from outreach_bot.domain.errors import NotFoundError
from outreach_bot.domain.intents import INTENTS
from outreach_bot.domain.numbers import parse_record_id, parse_whole_number
from outreach_bot.web.admin.labels import INTENT_LABELS
from outreach_bot.web.admin.page import render
from outreach_bot.web.admin.security import current_account, flash
from outreach_bot.web.errors import read_form
from outreach_bot.web.keys import services_key

logger = logging.getLogger(__name__)

LIST_PATH: Final = "/admin/quality"


def _gap_id(request: web.Request) -> int:
    gap_id = parse_record_id(request.match_info["gap_id"])
    if gap_id is None:
        raise NotFoundError("message introuvable")
    return gap_id


def _show(raw: object) -> GapFilter:
    try:
        return GapFilter(str(raw))
    except ValueError:
        return GapFilter.UNLABELLED


def _page(raw: object) -> int:
    return parse_whole_number(str(raw), max_digits=6) or 1  # a million pages is plenty


def list_url(show: GapFilter, page: int = 1) -> str:
    """The list of ``show`` at ``page``, where a form sends the counsellor back."""
    query = {"show": show.value} if page == 1 else {"show": show.value, "page": str(page)}
    return f"{LIST_PATH}?{urlencode(query)}"


async def gaps_page(request: web.Request) -> web.Response:
    """The messages to label (or already labelled), newest first, a page at a time."""
    account = current_account(request)
    gaps = await list_gaps(
        request.app[services_key].sessions,
        account,
        show=_show(request.query.get("show", "")),
        page=_page(request.query.get("page", "1")),
    )
    return await render(
        request,
        "quality/gaps.html",
        {
            "gaps": gaps,
            "intents": [(name, INTENT_LABELS.get(name, name)) for name in INTENTS],
            "intent_labels": INTENT_LABELS,
            "can_export": account.role in EXPORT_ROLES,
            "list_url": list_url,
            "filters": GapFilter,
        },
    )


async def _back(request: web.Request, text: str) -> web.HTTPSeeOther:
    form = await read_form(request)
    await flash(request, text)
    return web.HTTPSeeOther(list_url(_show(form.get("show", "")), _page(form.get("page", "1"))))


async def label(request: web.Request) -> web.StreamResponse:
    """Give a message the intent it meant (one of the 25; anything else is refused)."""
    form = await read_form(request)
    intent = str(form.get("intent", ""))
    await label_gap(
        request.app[services_key].sessions, current_account(request), _gap_id(request), intent
    )
    raise await _back(request, f"Message étiqueté « {INTENT_LABELS.get(intent, intent)} ».")


async def unlabel(request: web.Request) -> web.StreamResponse:
    """Take a label back: the message returns to the list to label."""
    await unlabel_gap(
        request.app[services_key].sessions, current_account(request), _gap_id(request)
    )
    raise await _back(request, "Étiquette retirée : le message est de nouveau à étiqueter.")


async def dismiss(request: web.Request) -> web.StreamResponse:
    """Delete a message that teaches the bot nothing, or holds personal details."""
    await dismiss_gap(
        request.app[services_key].sessions, current_account(request), _gap_id(request)
    )
    raise await _back(request, "Message supprimé.")


async def download(request: web.Request) -> web.Response:
    """The labelled messages as Rasa NLU YAML, to review before they join ``nlu/data/``."""
    export = await export_reviewed(
        request.app[services_key].sessions, account=current_account(request)
    )
    day = datetime.now(UTC).date().isoformat()
    return web.Response(
        text=export.yaml,
        content_type="application/yaml",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="nlu-reviewed-{day}.yml"'},
    )


def setup(admin: web.Application) -> None:
    """Add the quality pages to the back-office sub-app (before it is mounted).

    The sub-app must already have its Jinja environment (``aiohttp_jinja2.setup``) and its
    sign-in and CSRF middlewares; paths are relative to it (``/quality`` is ``/admin/quality``).
    """
    router = admin.router
    router.add_get("/quality", gaps_page, name="quality.list")
    router.add_get("/quality/reviewed.yml", download, name="quality.export")
    router.add_post("/quality/{gap_id}/label", label, name="quality.label")
    router.add_post("/quality/{gap_id}/unlabel", unlabel, name="quality.unlabel")
    router.add_post("/quality/{gap_id}/dismiss", dismiss, name="quality.dismiss")
