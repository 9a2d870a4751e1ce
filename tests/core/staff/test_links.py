"""One-time password links: invitations and resets work once, expire, and replace each other."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import (
    AccountDisabledError,
    add_user,
    authenticate,
    load_account,
    set_active,
)
from outreach_bot.core.staff.links import (
    EMAILED_RESET_VALID,
    LinkPurpose,
    issue_link,
    link_target,
    redeem_link,
    reset_by_email,
)
from outreach_bot.core.staff.sessions import open_session, open_session_count
from outreach_bot.core.team import accounts as team
from outreach_bot.domain.errors import InvalidInputError, NotFoundError
from outreach_bot.storage.models import AccountLink, AuditEntry, User
from tests.web.admin.conftest import _fast_hashing  # noqa: F401 - autouse fixture

OLD = "old long password"
NEW = "new long password"


async def _admin(services: Services) -> int:
    return await add_user(
        services.sessions, "admin@example.org", role="admin", password=OLD, display_name="Ada"
    )


async def _account(services: Services, user_id: int):  # type: ignore[no-untyped-def]
    async with services.sessions() as session:
        account = await load_account(session, user_id)
    assert account is not None
    return account


async def test_an_invitation_opens_the_account_once(services: Services) -> None:
    """The invitee sets a password and name with the link; the link then opens nothing."""
    admin = await _account(services, await _admin(services))
    invited = await team.invite(
        services.sessions,
        admin,
        email=" Lea@Example.org ",
        display_name="Léa",
        role="counsellor",
        sectors=["nord-meusien"],
    )
    with pytest.raises(Exception, match="wrong e-mail or password"):
        await authenticate(services.sessions, "lea@example.org", "", ip="127.0.0.1")
    account = await redeem_link(
        services.sessions, invited.token, password=NEW, display_name="Léa Martin"
    )
    assert (account.id, account.label) == (invited.user_id, "Léa Martin")
    signed_in = await authenticate(services.sessions, "lea@example.org", NEW, ip="127.0.0.1")
    assert signed_in.sector_ids is not None
    assert len(signed_in.sector_ids) == 1
    with pytest.raises(NotFoundError):
        await redeem_link(services.sessions, invited.token, password="another long one")
    async with services.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert actions == ["account_invite"]


async def test_an_expired_link_opens_nothing(services: Services) -> None:
    """A link past its expiry is refused, even unused."""
    user_id = await _admin(services)
    past = datetime.now(UTC) - timedelta(days=2)
    async with services.sessions.begin() as session:
        token = await issue_link(
            session, user_id, LinkPurpose.RESET, valid=timedelta(hours=24), now=past
        )
    async with services.sessions() as session:
        assert await link_target(session, token) is None
    with pytest.raises(NotFoundError):
        await redeem_link(services.sessions, token, password=NEW)
    await authenticate(services.sessions, "admin@example.org", OLD, ip="127.0.0.1")


async def test_a_new_link_replaces_the_previous_one(services: Services) -> None:
    """Only the newest reset link works: a link handed over earlier (or intercepted) is dead."""
    user_id = await _admin(services)
    admin = await _account(services, user_id)
    other = await add_user(services.sessions, "marc@example.org", role="counsellor", password=OLD)
    first = await team.password_link(services.sessions, admin, other)
    second = await team.password_link(services.sessions, admin, other)
    assert second.purpose is LinkPurpose.RESET
    async with services.sessions() as session:
        assert await link_target(session, first.token) is None
        target = await link_target(session, second.token)
    assert target is not None
    assert target.email == "marc@example.org"


async def test_using_a_reset_link_signs_out_everywhere_and_keeps_the_old_password_until_then(
    services: Services,
) -> None:
    """The old password works until the link is used; then it fails and open sessions end."""
    admin = await _account(services, await _admin(services))
    marc = await add_user(services.sessions, "marc@example.org", role="counsellor", password=OLD)
    async with services.sessions.begin() as session:
        await open_session(session, marc, idle=timedelta(hours=1))
    token = (await team.password_link(services.sessions, admin, marc)).token
    await authenticate(services.sessions, "marc@example.org", OLD, ip="127.0.0.1")
    await redeem_link(services.sessions, token, password=NEW)
    async with services.sessions() as session:
        assert await open_session_count(session, marc) == 0
    with pytest.raises(Exception, match="wrong e-mail or password"):
        await authenticate(services.sessions, "marc@example.org", OLD, ip="127.0.0.2")
    await authenticate(services.sessions, "marc@example.org", NEW, ip="127.0.0.2")


async def test_two_browsers_using_one_link_at_once_set_one_password(services: Services) -> None:
    """Of two simultaneous submits of the same link, exactly one sets its password."""
    admin = await _account(services, await _admin(services))
    marc = await add_user(services.sessions, "marc@example.org", role="counsellor", password=OLD)
    token = (await team.password_link(services.sessions, admin, marc)).token
    results = await asyncio.gather(
        redeem_link(services.sessions, token, password="first long password"),
        redeem_link(services.sessions, token, password="second long password"),
        return_exceptions=True,
    )
    assert sorted(type(result).__name__ for result in results) == ["Account", "NotFoundError"]


async def test_a_short_password_is_refused_and_the_link_still_works(services: Services) -> None:
    """A too-short password is refused in French, and the link is not spent by the mistake."""
    admin = await _account(services, await _admin(services))
    marc = await add_user(services.sessions, "marc@example.org", role="counsellor", password=OLD)
    token = (await team.password_link(services.sessions, admin, marc)).token
    with pytest.raises(InvalidInputError, match="au moins 10 caractères"):
        await redeem_link(services.sessions, token, password="court")
    await redeem_link(services.sessions, token, password=NEW)


async def test_a_disabled_account_hears_it_is_disabled_only_with_the_right_password(
    services: Services,
) -> None:
    """A disabled account with its right password is told so; a wrong password learns nothing."""
    await add_user(services.sessions, "marc@example.org", role="counsellor", password=OLD)
    await set_active(services.sessions, "marc@example.org", active=False)
    with pytest.raises(AccountDisabledError):
        await authenticate(services.sessions, "marc@example.org", OLD, ip="127.0.0.1")
    with pytest.raises(Exception, match="wrong e-mail or password"):
        await authenticate(services.sessions, "marc@example.org", "a wrong password", ip="1.2.3.4")


async def test_a_disabled_account_has_no_working_link(services: Services) -> None:
    """Disabling an account makes its open invitation useless, and no new link can be made."""
    admin = await _account(services, await _admin(services))
    invited = await team.invite(
        services.sessions,
        admin,
        email="new@example.org",
        display_name="Nouveau",
        role="counsellor",
        sectors=[],
    )
    await team.set_staff_active(services.sessions, admin, invited.user_id, active=False)
    with pytest.raises(NotFoundError):
        await redeem_link(services.sessions, invited.token, password=NEW)
    with pytest.raises(Exception, match="désactivé"):
        await team.password_link(services.sessions, admin, invited.user_id)


async def test_reset_by_email_is_silent_for_strangers_and_rate_limited(services: Services) -> None:
    """No link for an unknown address; for a real one, one e-mailed link per 15 minutes."""
    await _admin(services)
    assert await reset_by_email(services.sessions, "nobody@example.org") is None
    first = await reset_by_email(services.sessions, "ADMIN@example.org")
    assert first is not None
    token = first.token
    assert first.expires_at - datetime.now(UTC) <= EMAILED_RESET_VALID
    assert await reset_by_email(services.sessions, "admin@example.org") is None
    later = datetime.now(UTC) + timedelta(minutes=16)
    again = await reset_by_email(services.sessions, "admin@example.org", now=later)
    assert again is not None
    async with services.sessions() as session:
        assert await link_target(session, token, now=later) is None  # replaced by the newer
        stored = list(await session.scalars(select(AccountLink.token_hash)))
    assert token not in stored  # only hashes are kept


async def test_an_admin_cannot_disable_or_demote_themselves(services: Services) -> None:
    """The acting admin can neither disable nor demote their own account."""
    admin = await _account(services, await _admin(services))
    with pytest.raises(InvalidInputError):
        await team.set_staff_active(services.sessions, admin, admin.id, active=False)
    with pytest.raises(InvalidInputError):
        await team.update_staff(
            services.sessions, admin, admin.id, display_name="Ada", role="counsellor", sectors=[]
        )
    async with services.sessions() as session:
        user = await session.get(User, admin.id)
        assert user is not None
        assert (user.active, user.role) == (True, "admin")
