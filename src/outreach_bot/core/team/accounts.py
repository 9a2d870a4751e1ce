"""The admin's use cases on accounts and API tokens, each audited.

Every use case here checks that the caller is an admin, acts in one transaction and writes
its line in the audit log in that same transaction. An admin never disables or demotes their
own account (another admin must): so there is always at least one admin left who can act.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.privacy.audit import record_access
from outreach_bot.core.staff.accounts import (
    ALL_SECTOR_ROLES,
    Account,
    assign_sectors,
    checked_email,
    staff_label,
)
from outreach_bot.core.staff.forms import spend_form_key
from outreach_bot.core.staff.links import (
    INVITE_VALID,
    MAX_NAME,
    RESET_VALID,
    IssuedLink,
    LinkPurpose,
    issue_link,
    open_invitation,
)
from outreach_bot.core.staff.sessions import revoke_sessions
from outreach_bot.core.staff.tokens import TokenRow, add_token, list_tokens, revoke_token
from outreach_bot.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from outreach_bot.domain.roles import Role
from outreach_bot.storage.models import Sector, User, UserSector

logger = logging.getLogger(__name__)

SENT_ALREADY: Final = (
    "Ce formulaire a déjà servi (page rechargée ?) : rien de nouveau n'a été créé, et ce "
    "qui a été créé n'est plus affiché. Refais un lien ou un jeton si tu ne l'as pas copié."
)
NO_PASSWORD: Final = ""
"""The password hash of an invited account until its invitation is used: matches nothing."""


@dataclass(frozen=True, slots=True)
class StaffRow:
    """One account as the admin's list shows it."""

    id: int
    email: str
    display_name: str
    role: Role
    sector_codes: tuple[str, ...]
    sector_names: tuple[str, ...]
    active: bool
    has_password: bool
    created_at: datetime
    last_sign_in_at: datetime | None
    invitation_expires: datetime | None

    @property
    def label(self) -> str:
        """The name colleagues see."""
        return staff_label(self.display_name, self.email)

    @property
    def all_sectors(self) -> bool:
        """Coordinators and admins see every sector, whatever is ticked."""
        return self.role in ALL_SECTOR_ROLES

    @property
    def state(self) -> str:
        """``disabled``, ``invited`` (link still open), ``invite_expired`` or ``active``."""
        if not self.active:
            return "disabled"
        if self.has_password:
            return "active"
        expires = self.invitation_expires
        return "invited" if expires and expires > datetime.now(UTC) else "invite_expired"


def _require_admin(account: Account) -> None:
    if not account.is_admin:
        raise PermissionDeniedError("Réservé aux admins.")


async def _audit(session: AsyncSession, admin: Account, action: str, kind: str, ref: int) -> None:
    await record_access(
        session,
        actor=admin.email,
        user_id=admin.id,
        action=action,
        target_type=kind,
        target_id=str(ref),
    )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _rows(session: AsyncSession, user_id: int | None = None) -> list[StaffRow]:
    query = select(User).order_by(User.active.desc(), User.display_name, User.email)
    if user_id is not None:
        query = query.where(User.id == user_id)
    users = list(await session.scalars(query))
    memberships: dict[int, list[Sector]] = {}
    pairs = await session.execute(
        select(UserSector.user_id, Sector)
        .join(Sector, Sector.id == UserSector.sector_id)
        .order_by(Sector.name)
    )
    for member, sector in pairs:
        memberships.setdefault(member, []).append(sector)
    rows = []
    for user in users:
        sectors = memberships.get(user.id, [])
        invitation = None if user.password_hash else await open_invitation(session, user.id)
        rows.append(
            StaffRow(
                id=user.id,
                email=user.email,
                display_name=user.display_name,
                role=Role(user.role),
                sector_codes=tuple(s.code for s in sectors),
                sector_names=tuple(s.name for s in sectors),
                active=user.active,
                has_password=bool(user.password_hash),
                created_at=user.created_at,
                last_sign_in_at=_aware(user.last_sign_in_at),
                invitation_expires=invitation,
            )
        )
    return rows


async def list_staff(sessions: async_sessionmaker[AsyncSession], admin: Account) -> list[StaffRow]:
    """Every account, active ones first, by name."""
    _require_admin(admin)
    async with sessions() as session:
        return await _rows(session)


async def get_staff(
    sessions: async_sessionmaker[AsyncSession], admin: Account, user_id: int
) -> StaffRow:
    """One account, for its page.

    Raises:
        NotFoundError: no such account.
    """
    _require_admin(admin)
    async with sessions() as session:
        rows = await _rows(session, user_id)
    if not rows:
        raise NotFoundError(f"user {user_id} not found")
    return rows[0]


def _checked_name(display_name: str) -> str:
    name = " ".join(display_name.split())
    if not name:
        raise InvalidInputError("Donne le nom que les collègues verront (prénom et nom).")
    if len(name) > MAX_NAME:
        raise InvalidInputError(f"Le nom affiché fait au plus {MAX_NAME} caractères.")
    return name


def _checked_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError as error:
        raise InvalidInputError("Choisis un rôle dans la liste.") from error


async def invite(
    sessions: async_sessionmaker[AsyncSession],
    admin: Account,
    *,
    email: str,
    display_name: str,
    role: str,
    sectors: list[str],
    form_key: str = "",
) -> IssuedLink:
    """Create an account without a password and return its invitation link.

    The colleague chooses their password with the link, within :data:`INVITE_VALID`; until
    then nobody can sign in to the account.

    Raises:
        InvalidInputError: a bad e-mail, name, role or sector.
        ConflictError: the e-mail already has an account, or this form was sent already.
    """
    _require_admin(admin)
    email = checked_email(email)
    name = _checked_name(display_name)
    checked_role = _checked_role(role)
    async with sessions.begin() as session:
        if not await spend_form_key(session, form_key, admin.id):
            raise ConflictError(SENT_ALREADY)
        if await session.scalar(select(User.id).where(User.email == email)) is not None:
            raise ConflictError(f"{email} a déjà un compte.")
        user = User(email=email, role=checked_role, password_hash=NO_PASSWORD, display_name=name)
        session.add(user)
        await session.flush()
        await assign_sectors(session, user.id, sectors)
        now = datetime.now(UTC)
        token = await issue_link(
            session, user.id, LinkPurpose.INVITE, valid=INVITE_VALID, created_by=admin.id, now=now
        )
        await _audit(session, admin, "account_invite", "user", user.id)
        user_id = user.id
    logger.info("user %s invited by %s with role %s", user_id, admin.id, checked_role)
    return IssuedLink(token, LinkPurpose.INVITE, user_id, email, name, now + INVITE_VALID)


async def update_staff(
    sessions: async_sessionmaker[AsyncSession],
    admin: Account,
    user_id: int,
    *,
    display_name: str,
    role: str,
    sectors: list[str],
) -> None:
    """Change an account's name, role and sectors; they apply from that person's next request.

    Raises:
        InvalidInputError: a bad name, role or sector; an admin changing their own role.
        NotFoundError: no such account.
    """
    _require_admin(admin)
    name = _checked_name(display_name)
    checked_role = _checked_role(role)
    if user_id == admin.id and checked_role is not Role.ADMIN:
        raise InvalidInputError(
            "Tu ne peux pas retirer ton propre rôle d'admin : demande à un autre admin."
        )
    async with sessions.begin() as session:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"user {user_id} not found")
        user.display_name = name
        user.role = checked_role
        await session.execute(delete(UserSector).where(UserSector.user_id == user_id))
        await assign_sectors(session, user_id, sectors)
        await _audit(session, admin, "account_update", "user", user_id)
    logger.info("user %s updated by %s", user_id, admin.id)


async def set_staff_active(
    sessions: async_sessionmaker[AsyncSession], admin: Account, user_id: int, *, active: bool
) -> str:
    """Enable or disable an account; disabling signs that person out everywhere at once.

    Returns the account's label, for the confirmation message.

    Raises:
        InvalidInputError: an admin disabling their own account.
        ConflictError: the account is in that state already.
        NotFoundError: no such account.
    """
    _require_admin(admin)
    if user_id == admin.id and not active:
        raise InvalidInputError("Tu ne peux pas désactiver ton propre compte.")
    async with sessions.begin() as session:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"user {user_id} not found")
        label = staff_label(user.display_name, user.email)
        if user.active == active:
            state = "actif" if active else "désactivé"
            raise ConflictError(f"Le compte de {label} est déjà {state}.")
        user.active = active
        if not active:
            await revoke_sessions(session, user_id)
        action = "account_enable" if active else "account_disable"
        await _audit(session, admin, action, "user", user_id)
    logger.info("user %s %s by %s", user_id, "enabled" if active else "disabled", admin.id)
    return label


async def password_link(
    sessions: async_sessionmaker[AsyncSession], admin: Account, user_id: int
) -> IssuedLink:
    """A new link for someone to choose their password: a fresh invitation if they never had
    one, else a reset link (valid :data:`RESET_VALID`). Earlier links of the kind stop working.

    The current password keeps working until the link is used: an admin's click alone locks
    nobody out.

    Raises:
        ConflictError: the account is disabled (enable it first).
        NotFoundError: no such account.
    """
    _require_admin(admin)
    async with sessions.begin() as session:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"user {user_id} not found")
        if not user.active:
            raise ConflictError("Ce compte est désactivé : réactive-le d'abord.")
        purpose = LinkPurpose.RESET if user.password_hash else LinkPurpose.INVITE
        valid = RESET_VALID if purpose is LinkPurpose.RESET else INVITE_VALID
        now = datetime.now(UTC)
        token = await issue_link(
            session, user_id, purpose, valid=valid, created_by=admin.id, now=now
        )
        await _audit(session, admin, f"account_{purpose}_link", "user", user_id)
        issued = IssuedLink(token, purpose, user_id, user.email, user.display_name, now + valid)
    logger.info("%s link for user %s made by %s", purpose, user_id, admin.id)
    return issued


async def sectors(sessions: async_sessionmaker[AsyncSession], admin: Account) -> list[Sector]:
    """Every sector, to tick on an account or a token."""
    _require_admin(admin)
    async with sessions() as session:
        return list(await session.scalars(select(Sector).order_by(Sector.name)))


async def tokens(sessions: async_sessionmaker[AsyncSession], admin: Account) -> list[TokenRow]:
    """The API tokens, for the admin's page."""
    _require_admin(admin)
    async with sessions() as session:
        return await list_tokens(session)


async def create_api_token(
    sessions: async_sessionmaker[AsyncSession],
    admin: Account,
    name: str,
    sectors: list[str],
    *,
    form_key: str = "",
) -> str:
    """A new API token, bound to ``sectors`` (every sector if none); shown once, never again.

    Raises:
        InvalidInputError: no name, or an unknown sector (nothing is created).
        ConflictError: this form was sent already (a reload of the page that showed it).
    """
    _require_admin(admin)
    async with sessions.begin() as session:
        if not await spend_form_key(session, form_key, admin.id):
            raise ConflictError(SENT_ALREADY)
        token_id, token = await add_token(session, name, sectors)
        await _audit(session, admin, "token_create", "api_token", token_id)
    logger.info("API token %s created by %s", token_id, admin.id)
    return token


async def revoke_api_token(
    sessions: async_sessionmaker[AsyncSession], admin: Account, token_id: int
) -> str:
    """Revoke a token; returns its name.

    Raises:
        NotFoundError: no such token.
        ConflictError: revoked already.
    """
    _require_admin(admin)
    async with sessions.begin() as session:
        name = await revoke_token(session, token_id)
        await _audit(session, admin, "token_revoke", "api_token", token_id)
    logger.info("API token %s revoked by %s", token_id, admin.id)
    return name
