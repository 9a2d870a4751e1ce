"""What staff change about their own account: the name colleagues see, and the password."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.staff import accounts
from outreach_bot.core.staff.accounts import MAX_PASSWORD, MIN_PASSWORD, Account, load_account
from outreach_bot.core.staff.links import MAX_NAME
from outreach_bot.core.staff.sessions import revoke_sessions
from outreach_bot.domain.errors import InvalidInputError, NotFoundError
from outreach_bot.storage.models import User

logger = logging.getLogger(__name__)


async def rename(
    sessions: async_sessionmaker[AsyncSession], account: Account, display_name: str
) -> str:
    """Set the name colleagues see for ``account`` (on leads, notes, messages); returns it.

    Raises:
        InvalidInputError: an empty or over-long name.
    """
    name = " ".join(display_name.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInputError(f"Ton nom affiché fait de 1 à {MAX_NAME} caractères.")
    async with sessions.begin() as session:
        user = await session.get(User, account.id)
        if user is None:
            raise NotFoundError(f"user {account.id} not found")
        user.display_name = name
    logger.info("user %s changed their display name", account.id)
    return name


async def change_password(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    *,
    current: str,
    new: str,
) -> Account:
    """Replace one's own password, knowing the current one; every session ends.

    Other browsers (a phone left somewhere) are signed out; the caller signs this one back in
    with the returned account.

    Raises:
        InvalidInputError: the current password is wrong, or the new one too short or long.
    """
    if not MIN_PASSWORD <= len(new) <= MAX_PASSWORD:
        raise InvalidInputError(
            f"Le nouveau mot de passe doit faire au moins {MIN_PASSWORD} caractères."
        )
    async with sessions() as session:
        user = await session.get(User, account.id)
        stored = user.password_hash if user else ""
    if not await asyncio.to_thread(accounts.verify_password, stored, current):
        raise InvalidInputError("Ton mot de passe actuel n'est pas celui-là.")
    password_hash = await asyncio.to_thread(accounts.HASHER.hash, new)
    async with sessions.begin() as session:
        user = await session.get(User, account.id)
        if user is None:
            raise NotFoundError(f"user {account.id} not found")
        user.password_hash = password_hash
        await revoke_sessions(session, account.id)
        fresh = await load_account(session, account.id)
    if fresh is None:
        raise NotFoundError(f"user {account.id} not found")
    logger.info("user %s changed their password; sessions revoked", account.id)
    return fresh
