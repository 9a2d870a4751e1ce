"""One-time links to choose a password: invitations to a new account, and password resets.

An admin invites a colleague (the account exists at once, without a password) or makes a reset
link for someone who forgot theirs; with e-mail configured, a person can also ask for a reset
link at the sign-in page. Either way the link works once and expires. It is the only way a
password is set without knowing the current one, so:

- only the token's SHA-256 is stored (256 random bits: a plain hash is enough, and a database
  dump opens nothing);
- a new link for the same person and purpose spends the previous ones, so only the newest
  works, and choosing a password spends every open link of that person;
- spending is one conditional UPDATE (``used_at IS NULL AND expires_at > now``): of two
  browsers submitting the same link, one wins;
- choosing a password signs that person out everywhere (the old password may be known).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.staff import accounts
from outreach_bot.core.staff.accounts import MAX_PASSWORD, MIN_PASSWORD, Account, load_account
from outreach_bot.core.staff.sessions import revoke_sessions
from outreach_bot.domain.errors import InvalidInputError, NotFoundError
from outreach_bot.storage.models import AccountLink, User

logger = logging.getLogger(__name__)

MAX_NAME: Final = 120
"""The ``users.display_name`` column."""


class LinkPurpose(StrEnum):
    """Why a link was made; the page it opens greets the person accordingly."""

    INVITE = "invite"
    RESET = "reset"


INVITE_VALID: Final = timedelta(days=7)
"""An invitation waits a week: colleagues are not always at their desk the day it is sent."""
RESET_VALID: Final = timedelta(hours=24)
"""A reset link an admin hands over (by phone, in person) keeps until the next day."""
EMAILED_RESET_VALID: Final = timedelta(hours=1)
"""A reset link asked for at the sign-in page travels by e-mail: short-lived."""
EMAIL_RESET_EVERY: Final = timedelta(minutes=15)
"""At most one reset e-mail per account in this time, however often the form is sent."""


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """Whose a valid link is, and what for: what the password page needs to greet them."""

    user_id: int
    email: str
    display_name: str
    purpose: LinkPurpose
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A link just made: the token (to show once or send) and whom it is for."""

    token: str
    purpose: LinkPurpose
    user_id: int
    email: str
    display_name: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def issue_link(
    session: AsyncSession,
    user_id: int,
    purpose: LinkPurpose,
    *,
    valid: timedelta,
    created_by: int | None = None,
    now: datetime | None = None,
) -> str:
    """A fresh link token for ``user_id``, in the caller's transaction; earlier ones stop working.

    Returns the token itself, which is never stored: show it once, or send it.
    """
    now = now or datetime.now(UTC)
    await session.execute(
        update(AccountLink)
        .where(
            AccountLink.user_id == user_id,
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        AccountLink(
            user_id=user_id,
            purpose=purpose,
            token_hash=_hash(token),
            created_by=created_by,
            created_at=now,
            expires_at=now + valid,
        )
    )
    return token


async def link_target(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> LinkTarget | None:
    """Whose ``token`` is, if it is unspent, unexpired and its account still active."""
    if not token or len(token) > 100:  # noqa: PLR2004 - ours are 43 characters
        return None
    now = now or datetime.now(UTC)
    row = (
        await session.execute(
            select(AccountLink, User)
            .join(User, User.id == AccountLink.user_id)
            .where(AccountLink.token_hash == _hash(token))
        )
    ).first()
    if row is None:
        return None
    link, user = row
    if link.used_at is not None or _aware(link.expires_at) <= now or not user.active:
        return None
    return LinkTarget(
        user.id, user.email, user.display_name, LinkPurpose(link.purpose), _aware(link.expires_at)
    )


async def find_link(sessions: async_sessionmaker[AsyncSession], token: str) -> LinkTarget | None:
    """:func:`link_target` in its own read-only transaction, for the page the link opens."""
    async with sessions() as session:
        return await link_target(session, token)


async def redeem_link(
    sessions: async_sessionmaker[AsyncSession],
    token: str,
    *,
    password: str,
    display_name: str | None = None,
    now: datetime | None = None,
) -> Account:
    """Choose a password with a link (and a display name, for an invitation); spends the link.

    Every open session of that person ends and every other open link is spent; the caller
    signs the returned account in.

    Raises:
        InvalidInputError: the password is too short or too long, or the name too long.
        NotFoundError: the link is unknown, spent, expired, or its account disabled.
    """
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInputError(f"Le mot de passe doit faire au moins {MIN_PASSWORD} caractères.")
    if display_name is not None and len(display_name.strip()) > MAX_NAME:
        raise InvalidInputError(f"Le nom affiché fait au plus {MAX_NAME} caractères.")
    now = now or datetime.now(UTC)
    password_hash = await asyncio.to_thread(accounts.HASHER.hash, password)
    async with sessions.begin() as session:
        target = await link_target(session, token, now=now)
        if target is None:
            raise NotFoundError("this link is not valid any more")
        spent = await session.execute(
            update(AccountLink)
            .where(
                AccountLink.token_hash == _hash(token),
                AccountLink.used_at.is_(None),
                AccountLink.expires_at > now,
            )
            .values(used_at=now)
            .returning(AccountLink.id)
        )
        if spent.scalar() is None:
            raise NotFoundError("this link is not valid any more")
        await session.execute(
            update(AccountLink)
            .where(AccountLink.user_id == target.user_id, AccountLink.used_at.is_(None))
            .values(used_at=now)
        )
        user = await session.get(User, target.user_id)
        assert user is not None  # noqa: S101 - joined above, in this transaction
        user.password_hash = password_hash
        if display_name is not None and display_name.strip():
            user.display_name = display_name.strip()
        user.last_sign_in_at = now
        await revoke_sessions(session, user.id)
        account = await load_account(session, user.id)
    assert account is not None  # noqa: S101 - active, checked by link_target
    logger.info("user %s chose a password with a %s link", account.id, target.purpose)
    return account


async def open_invitation(session: AsyncSession, user_id: int) -> datetime | None:
    """When ``user_id``'s pending invitation expires, if one is open (for the accounts list)."""
    expires = await session.scalar(
        select(AccountLink.expires_at)
        .where(
            AccountLink.user_id == user_id,
            AccountLink.purpose == LinkPurpose.INVITE,
            AccountLink.used_at.is_(None),
        )
        .order_by(AccountLink.id.desc())
        .limit(1)
    )
    return _aware(expires) if expires else None


async def reset_by_email(
    sessions: async_sessionmaker[AsyncSession], email: str, *, now: datetime | None = None
) -> IssuedLink | None:
    """A short-lived reset link for whoever asked at the sign-in page, if it should be sent.

    None when there is no active account for ``email``, or one was e-mailed less than
    :data:`EMAIL_RESET_EVERY` ago: the page says the same thing in every case, so it tells
    nobody which addresses have an account, and the form cannot be used to flood a mailbox.
    """
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        user = await session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None or not user.active:
            return None
        recent = await session.scalar(
            select(AccountLink.id).where(
                AccountLink.user_id == user.id,
                AccountLink.purpose == LinkPurpose.RESET,
                AccountLink.created_by.is_(None),
                AccountLink.created_at > now - EMAIL_RESET_EVERY,
            )
        )
        if recent is not None:
            return None
        token = await issue_link(
            session, user.id, LinkPurpose.RESET, valid=EMAILED_RESET_VALID, now=now
        )
        issued = IssuedLink(
            token,
            LinkPurpose.RESET,
            user.id,
            user.email,
            user.display_name,
            now + EMAILED_RESET_VALID,
        )
    logger.info("user %s asked for a password reset link", user.id)
    return issued
