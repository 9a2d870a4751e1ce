"""Back-office pages to review the texts per language ("Textes").

A coordinator, with the interpreter or partner association who read them, sees each
language's texts next to the French, with who wrote them and their state, corrects a text and
approves it in the reviewer's name. The rules (who may approve, what a text must keep) live in
:mod:`outreach_bot.core.texts`; an approval is in service at once, in every worker.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from outreach_bot.content import Content, ReviewState
from outreach_bot.core.texts import REVIEW_ROLES, approve_text, read_files, texts_of
from outreach_bot.domain.errors import InvalidInputError, NotFoundError
from outreach_bot.web.admin.page import render
from outreach_bot.web.admin.security import current_account, flash
from outreach_bot.web.errors import read_form
from outreach_bot.web.keys import services_key

LIST_PATH: Final = "/admin/texts"
SHOW: Final = ("draft", "reviewed", "missing", "all")
"""Filters of a language's page: drafts to review first."""


def _sources(files: Content) -> dict[str, str]:
    """The page each text was checked against, by key: a reviewer opens it to compare."""
    sources: dict[str, str] = {}
    for intent, answer in files.answers.items():
        sources[f"answers.{intent}"] = answer.source
        for followup in answer.followups:
            sources[f"answers.{intent}.{followup.id}"] = followup.source
            sources[f"answers.{intent}.{followup.id}.question"] = followup.source
    for resource in files.crisis.resources:
        for part in ("label", "hours"):
            sources[f"crisis.resources.{resource.id}.{part}"] = resource.source
    return sources


def _state(view_state: ReviewState | None) -> str:
    return "missing" if view_state is None else str(view_state)


async def languages_page(request: web.Request) -> web.Response:
    """Every language with how many of its texts are reviewed, drafts or missing."""
    services = request.app[services_key]
    files = await read_files(services.settings.content_dir)
    rows = []
    for code, language in files.languages.items():
        views = await texts_of(services.sessions, current_account(request), files, code)
        states = [_state(view.record.state if view.record else None) for view in views]
        rows.append((code, language, {name: states.count(name) for name in SHOW[:3]}))
    return await render(request, "texts/languages.html", {"rows": rows})


async def language_page(request: web.Request) -> web.Response:
    """One language's texts next to the French, drafts first by default."""
    services = request.app[services_key]
    files = await read_files(services.settings.content_dir)
    code = request.match_info["code"]
    show = request.query.get("show", "draft")
    show = show if show in SHOW else "draft"
    views = await texts_of(services.sessions, current_account(request), files, code)
    chosen = [
        view
        for view in views
        if show == "all" or _state(view.record.state if view.record else None) == show
    ]
    return await render(
        request,
        "texts/language.html",
        {
            "code": code,
            "language": files.languages[code],
            "views": chosen,
            "show": show,
            "shows": SHOW,
            "can_approve": current_account(request).role in REVIEW_ROLES,
            "sources": _sources(files),
        },
    )


async def approve(request: web.Request) -> web.StreamResponse:
    """Approve a text, corrected or not; a text the bot would refuse is not stored."""
    services = request.app[services_key]
    code = request.match_info["code"]
    form = await read_form(request)
    key = str(form.get("key", ""))
    show = str(form.get("show", "draft"))
    back = f"{LIST_PATH}/{code}?show={show if show in SHOW else 'draft'}"
    try:
        await approve_text(
            services.sessions,
            services.settings.content_dir,
            current_account(request),
            language=code,
            key=key,
            text=str(form.get("text", "")),
            reviewed_by=str(form.get("reviewed_by", "")),
            events=services.events,
        )
    except NotFoundError as error:
        raise web.HTTPNotFound from error
    except InvalidInputError as error:
        await flash(request, str(error), level="error")
        raise web.HTTPSeeOther(back) from error
    await flash(request, f"Texte « {key} » approuvé : le bot le dit dès maintenant.")
    raise web.HTTPSeeOther(back)


def setup(admin: web.Application) -> None:
    """Add the text review pages to the back-office sub-app (before it is mounted)."""
    router = admin.router
    router.add_get("/texts", languages_page, name="texts.list")
    router.add_get("/texts/{code}", language_page, name="texts.language")
    router.add_post("/texts/{code}/approve", approve, name="texts.approve")
