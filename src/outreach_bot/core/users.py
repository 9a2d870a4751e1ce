"""Back-office accounts: creation with argon2-hashed passwords."""

from __future__ import annotations

import re
from typing import Final

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.domain.errors import ConflictError, InvalidInputError
from outreach_bot.domain.roles import Role
from outreach_bot.storage.models import Sector, User, UserSector

EMAIL_RE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD: Final = 10
HASHER: Final = PasswordHasher()  # argon2id with the library's reviewed defaults


async def add_user(
    sessions: async_sessionmaker[AsyncSession],
    email: str,
    *,
    role: str,
    password: str,
    sectors: list[str] | None = None,
) -> int:
    """Create an account and return its id.

    Raises:
        InvalidInputError: bad e-mail, unknown role or sector, password under 10 characters.
        ConflictError: the e-mail is taken.
    """
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise InvalidInputError(f"not an e-mail address: {email!r}")
    if role not in set(Role):
        raise InvalidInputError(f"role must be one of {', '.join(Role)}")
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"the password needs at least {MIN_PASSWORD} characters")
    async with sessions.begin() as session:
        if await session.scalar(select(User.id).where(User.email == email)) is not None:
            raise ConflictError(f"{email} already has an account")
        user = User(email=email, role=role, password_hash=HASHER.hash(password))
        session.add(user)
        await session.flush()
        await _assign_sectors(session, user.id, sectors or [])
        return user.id


async def _assign_sectors(session: AsyncSession, user_id: int, codes: list[str]) -> None:
    for code in codes:
        sector_id = await session.scalar(select(Sector.id).where(Sector.code == code))
        if sector_id is None:
            raise InvalidInputError(f"unknown sector {code!r}")
        session.add(UserSector(user_id=user_id, sector_id=sector_id))
