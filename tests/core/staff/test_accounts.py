"""Back-office accounts: sign-in checks, password rehash, first-admin token."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.core.staff import accounts as users
from outreach_bot.core.staff.accounts import (
    add_user,
    authenticate,
    create_first_admin,
    issue_setup_token,
)
from outreach_bot.domain.errors import NotFoundError, PermissionDeniedError
from outreach_bot.storage.models import Setting, User


async def test_outdated_password_hash_is_upgraded_at_sign_in(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A password hashed with weaker parameters is rehashed with today's on the next sign-in."""
    monkeypatch.setattr(
        users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    user_id = await add_user(
        services.sessions, "old@example.org", role="counsellor", password="correct horse battery"
    )
    monkeypatch.setattr(users, "HASHER", PasswordHasher())
    account = await authenticate(
        services.sessions, "Old@Example.org ", "correct horse battery", ip="192.0.2.1"
    )
    assert account.id == user_id
    async with services.sessions() as session:
        user = await session.get(User, user_id)
    assert user is not None
    assert not PasswordHasher().check_needs_rehash(user.password_hash)
    assert "m=1024" not in user.password_hash


async def test_inactive_account_cannot_sign_in(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deactivated account is refused even with its right password."""
    monkeypatch.setattr(
        users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    user_id = await add_user(
        services.sessions, "gone@example.org", role="counsellor", password="correct horse battery"
    )
    async with services.sessions.begin() as session:
        user = await session.get(User, user_id)
        assert user is not None
        user.active = False
    with pytest.raises(PermissionDeniedError):
        await authenticate(services.sessions, "gone@example.org", "correct horse battery", ip="x")


async def test_setup_token_is_stored_hashed_and_spent_once(services: Services) -> None:
    """The first-admin token is kept only as a hash, and a second use is refused."""
    token = await issue_setup_token(services.sessions)
    assert token
    async with services.sessions() as session:
        stored = await session.scalar(select(Setting.value))
    assert stored is not None
    assert token not in stored
    await create_first_admin(
        services.sessions, token, email="first@example.org", password="a long passphrase"
    )
    with pytest.raises(NotFoundError):
        await create_first_admin(
            services.sessions, token, email="second@example.org", password="a long passphrase"
        )
