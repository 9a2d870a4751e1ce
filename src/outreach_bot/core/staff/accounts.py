"""Back-office accounts: creation, sign-in with throttling, and who may see which sectors."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.staff.sessions import revoke_sessions
from outreach_bot.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    OutreachError,
    PermissionDeniedError,
)
from outreach_bot.domain.roles import Role
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import (
    KnownSignIn,
    LoginFailure,
    Sector,
    Setting,
    User,
    UserSector,
)

logger = logging.getLogger(__name__)

EMAIL_RE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL: Final = 254
MIN_PASSWORD: Final = 10
MAX_PASSWORD: Final = 1024
HASHER: Final = PasswordHasher()  # argon2id with the library's reviewed defaults
SETUP_TOKEN_KEY: Final = "setup_token_hash"  # noqa: S105 - a settings key, not a secret

#: Roles that work on leads; ``outreach`` staff run campaigns and never see contact details.
LEAD_ROLES: Final = frozenset({Role.COUNSELLOR, Role.COORDINATOR, Role.ADMIN})
#: Roles that see every sector's leads.
ALL_SECTOR_ROLES: Final = frozenset({Role.COORDINATOR, Role.ADMIN})

THROTTLE_WINDOW: Final = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT_AND_IP: Final = 5
"""One person mistyping their own password, or guessing one account from one address."""
MAX_FAILURES_PER_IP: Final = 20
"""A spray over many accounts from one address. Higher than per account: a whole team may sign
in from one office address. It does not apply to an account known at that address."""
MAX_FAILURES_PER_ACCOUNT: Final = 20
"""Guesses at one account from many addresses. It does not apply at an address where the
account is known, so nobody can lock a colleague (or the admin) out of their usual place."""
KNOWN_FOR: Final = timedelta(days=30)
"""How long a successful sign-in makes an address known for that account."""


class TooManyAttemptsError(OutreachError):
    """Too many failed sign-ins recently for this account or address; wait and retry."""


class AccountDisabledError(PermissionDeniedError):
    """The right password for an account an admin has disabled: only an admin can help.

    Raised only after the password checked out, so it tells nothing to someone guessing.
    """


def staff_label(display_name: str, email: str) -> str:
    """How colleagues see a member of staff: their display name.

    An account created before display names existed (or from the command line without
    ``--name``) shows the part of its e-mail before the ``@``, never the whole address.
    """
    return display_name.strip() or email.split("@", 1)[0]


@dataclass(frozen=True, slots=True)
class Account:
    """A signed-in back-office user, as the web layer needs it on every request.

    ``sector_ids`` None means every sector (coordinators, admins).
    """

    id: int
    email: str
    role: Role
    display_name: str
    sector_ids: frozenset[int] | None

    @property
    def label(self) -> str:
        """How colleagues see this person (see :func:`staff_label`)."""
        return staff_label(self.display_name, self.email)

    @property
    def works_on_leads(self) -> bool:
        """Whether this role may open the queue and lead pages at all."""
        return self.role in LEAD_ROLES

    @property
    def is_admin(self) -> bool:
        """Admins alone manage accounts, read the audit log, export and erase."""
        return self.role is Role.ADMIN

    def can_see(self, sector_id: int | None, *, urgent: bool = False) -> bool:
        """Whether a lead of ``sector_id`` is visible to this account.

        An urgent lead is visible to everyone who works on leads, whatever their sectors: a
        young person in distress must not wait for the one counsellor of their sector.
        """
        if not self.works_on_leads:
            return False
        return urgent or self.sector_ids is None or sector_id in self.sector_ids


async def add_user(
    sessions: async_sessionmaker[AsyncSession],
    email: str,
    *,
    role: str,
    password: str,
    sectors: list[str] | None = None,
    display_name: str = "",
) -> int:
    """Create an account and return its id.

    Raises:
        InvalidInputError: bad e-mail, unknown role or sector, password under 10 characters.
        ConflictError: the e-mail is taken.
    """
    email = _checked(email, role=role, password=password)
    async with sessions.begin() as session:
        return await _create(
            session,
            email,
            role=role,
            password=password,
            sectors=sectors or [],
            display_name=display_name,
        )


def _checked(email: str, *, role: str, password: str) -> str:
    email = checked_email(email)
    if role not in set(Role):
        raise InvalidInputError(f"Rôle inconnu : choisis parmi {', '.join(Role)}.")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInputError(f"Le mot de passe doit faire au moins {MIN_PASSWORD} caractères.")
    return email


def checked_email(email: str) -> str:
    """``email`` trimmed and lower-cased, as accounts store it.

    Raises:
        InvalidInputError: not an e-mail address.
    """
    email = email.strip().lower()
    if len(email) > MAX_EMAIL or not EMAIL_RE.match(email):
        raise InvalidInputError(f"Ce n'est pas une adresse e-mail : {email[:60]!r}.")
    return email


async def _create(
    session: AsyncSession,
    email: str,
    *,
    role: str,
    password: str,
    sectors: list[str],
    display_name: str,
) -> int:
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ConflictError(f"{email} a déjà un compte.")
    password_hash = await asyncio.to_thread(HASHER.hash, password)
    user = User(
        email=email, role=role, password_hash=password_hash, display_name=display_name.strip()
    )
    session.add(user)
    await session.flush()
    await assign_sectors(session, user.id, sectors)
    logger.info("user %s created with role %s", user.id, role)
    return user.id


async def assign_sectors(session: AsyncSession, user_id: int, codes: list[str]) -> None:
    """Add ``user_id`` to the sectors of these codes, in the caller's transaction.

    Raises:
        InvalidInputError: an unknown code (the caller's transaction then rolls back).
    """
    for code in codes:
        sector_id = await session.scalar(select(Sector.id).where(Sector.code == code))
        if sector_id is None:
            raise InvalidInputError(f"Secteur inconnu : {code!r}.")
        session.add(UserSector(user_id=user_id, sector_id=sector_id))


async def staff_labels(session: AsyncSession, user_ids: set[int]) -> dict[int, str]:
    """The names colleagues see (:func:`staff_label`) of these accounts, by id."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(User.id, User.display_name, User.email).where(User.id.in_(user_ids))
    )
    return {user_id: staff_label(name, email) for user_id, name, email in rows}


async def load_account(session: AsyncSession, user_id: int) -> Account | None:
    """The active account ``user_id`` with its current role and sectors, else None.

    Read on every request, so a deactivated account or a removed sector takes effect at once,
    even for a session cookie issued before.
    """
    user = await session.get(User, user_id)
    if user is None or not user.active:
        return None
    role = Role(user.role)
    sector_ids: frozenset[int] | None = None
    if role not in ALL_SECTOR_ROLES:
        rows = await session.scalars(
            select(UserSector.sector_id).where(UserSector.user_id == user_id)
        )
        sector_ids = frozenset(rows)
    return Account(user.id, user.email, role, user.display_name, sector_ids)


async def authenticate(
    sessions: async_sessionmaker[AsyncSession],
    email: str,
    password: str,
    *,
    ip: str,
    now: datetime | None = None,
) -> Account:
    """Check a sign-in, throttled (see :func:`_throttled`); rehash the password if outdated.

    The throttle holds under parallel requests, in one process or several sharing the
    database: each attempt first records itself and commits, then counts the attempts of the
    last 15 minutes, its own included. Of N simultaneous tries, the k-th to commit counts at
    least k rows, so no more than the limit ever reach the password check. A refused attempt
    removes its own row (it was never checked); a failed one stays as the failure; a success
    clears the pair.

    Raises:
        TooManyAttemptsError: too many failures in the last 15 minutes (checked first, so even
            the right password waits).
        PermissionDeniedError: wrong e-mail or password (the same answer for both).
        AccountDisabledError: the right password, but an admin disabled the account.
    """
    now = now or datetime.now(UTC)
    email = email.strip().lower()
    cipher = current_cipher()
    account_hash = cipher.lookup_hash(f"login:{email}")
    ip_hash = cipher.lookup_hash(f"ip:{ip}")
    since = now - THROTTLE_WINDOW
    async with sessions.begin() as session:
        await session.execute(delete(LoginFailure).where(LoginFailure.at < since))
        attempt = LoginFailure(account_hash=account_hash, ip_hash=ip_hash, at=now)
        session.add(attempt)
        await session.flush()
        attempt_id = attempt.id
    async with sessions.begin() as session:
        throttled = await _throttled(session, account_hash, ip_hash, now=now)
        if throttled:
            await session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))
    if throttled:
        logger.warning("sign-in throttled")
        raise TooManyAttemptsError("too many failed sign-ins; wait 15 minutes")
    async with sessions.begin() as session:
        user = await session.scalar(select(User).where(User.email == email))
        valid = await asyncio.to_thread(
            verify_password, user.password_hash if user else _dummy_hash(), password
        )
        account = None
        disabled = user is not None and valid and not user.active
        if user is not None and user.active and valid:
            if HASHER.check_needs_rehash(user.password_hash):
                user.password_hash = await asyncio.to_thread(HASHER.hash, password)
            user.last_sign_in_at = now
            await session.execute(
                delete(LoginFailure).where(
                    LoginFailure.account_hash == account_hash, LoginFailure.ip_hash == ip_hash
                )
            )
            await _remember_address(session, account_hash, ip_hash, now=now)
            account = await load_account(session, user.id)
    if disabled:
        logger.info("sign-in refused: account disabled")
        raise AccountDisabledError("this account is disabled")
    if account is None:
        logger.info("failed sign-in")
        raise PermissionDeniedError("wrong e-mail or password")
    logger.info("user %s signed in", account.id)
    return account


async def _throttled(
    session: AsyncSession, account_hash: str, ip_hash: str, *, now: datetime
) -> bool:
    """Whether this attempt must wait: three limits, counted separately.

    Per account and address always; per address (a spray) and per account (guesses from many
    addresses) only where the account has not signed in lately, so that the people who work
    from an address keep their access while someone else's guesses are refused.
    """
    since = now - THROTTLE_WINDOW
    recent = LoginFailure.at > since
    failures = select(func.count(LoginFailure.id)).where(recent)
    pair = await session.scalar(
        failures.where(LoginFailure.account_hash == account_hash, LoginFailure.ip_hash == ip_hash)
    )
    if (pair or 0) > MAX_FAILURES_PER_ACCOUNT_AND_IP:
        return True
    known = await session.scalar(
        select(KnownSignIn.id).where(
            KnownSignIn.account_hash == account_hash,
            KnownSignIn.ip_hash == ip_hash,
            KnownSignIn.last_at > now - KNOWN_FOR,
        )
    )
    if known is not None:
        return False
    from_ip = await session.scalar(failures.where(LoginFailure.ip_hash == ip_hash))
    on_account = await session.scalar(failures.where(LoginFailure.account_hash == account_hash))
    return (from_ip or 0) > MAX_FAILURES_PER_IP or (on_account or 0) > MAX_FAILURES_PER_ACCOUNT


async def _remember_address(
    session: AsyncSession, account_hash: str, ip_hash: str, *, now: datetime
) -> None:
    """Mark the address known for the account, and forget addresses unused for 30 days."""
    await session.execute(delete(KnownSignIn).where(KnownSignIn.last_at <= now - KNOWN_FOR))
    known = await session.scalar(
        select(KnownSignIn).where(
            KnownSignIn.account_hash == account_hash, KnownSignIn.ip_hash == ip_hash
        )
    )
    if known is not None:
        known.last_at = now
        return
    try:
        async with session.begin_nested():
            session.add(KnownSignIn(account_hash=account_hash, ip_hash=ip_hash, last_at=now))
    except IntegrityError:
        pass  # the same person signed in twice at once: the other sign-in recorded it


async def set_password(
    sessions: async_sessionmaker[AsyncSession], email: str, password: str
) -> int:
    """Give ``email`` a new password and sign that person out everywhere; returns the user id.

    Raises:
        NotFoundError: no account has this e-mail.
        InvalidInputError: the password is under 10 characters.
    """
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInputError(f"Le mot de passe doit faire au moins {MIN_PASSWORD} caractères.")
    password_hash = await asyncio.to_thread(HASHER.hash, password)
    async with sessions.begin() as session:
        user = await _by_email(session, email)
        user.password_hash = password_hash
        await revoke_sessions(session, user.id)
    logger.info("user %s: password changed, sessions revoked", user.id)
    return user.id


async def set_active(
    sessions: async_sessionmaker[AsyncSession], email: str, *, active: bool
) -> int:
    """Enable or disable an account; disabling signs that person out everywhere at once.

    Raises:
        NotFoundError: no account has this e-mail.
    """
    async with sessions.begin() as session:
        user = await _by_email(session, email)
        user.active = active
        if not active:
            await revoke_sessions(session, user.id)
    logger.info("user %s %s", user.id, "enabled" if active else "disabled, sessions revoked")
    return user.id


async def _by_email(session: AsyncSession, email: str) -> User:
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(f"Aucun compte pour {email.strip().lower()!r}.")
    return user


@functools.cache
def _dummy_hash() -> str:
    # Verifying against a real hash when the account does not exist keeps the answer time the
    # same, so response times do not reveal which e-mail addresses have an account.
    return HASHER.hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches (never an invited account's empty hash); CPU-bound."""
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    # The token has 256 bits of entropy: a plain SHA-256 is enough, unlike for a password.
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_setup_token(sessions: async_sessionmaker[AsyncSession]) -> str | None:
    """A fresh one-time token to create the first admin, or None once any account exists.

    Only its hash is stored; a new call replaces the previous token, so a link printed at an
    earlier start stops working.
    """
    token = secrets.token_urlsafe(32)
    async with sessions.begin() as session:
        if await session.scalar(select(User.id).limit(1)) is not None:
            return None
        await session.execute(delete(Setting).where(Setting.key == SETUP_TOKEN_KEY))
        session.add(Setting(key=SETUP_TOKEN_KEY, value=_token_hash(token)))
    return token


async def has_accounts(session: AsyncSession) -> bool:
    """Whether any account exists (the first-admin link then has served its purpose)."""
    return await session.scalar(select(User.id).limit(1)) is not None


async def setup_token_valid(session: AsyncSession, token: str) -> bool:
    """Whether ``token`` is the current first-admin token (and no account exists yet)."""
    stored = await session.scalar(select(Setting.value).where(Setting.key == SETUP_TOKEN_KEY))
    if stored is None or not token:
        return False
    if await session.scalar(select(User.id).limit(1)) is not None:
        return False
    return hmac.compare_digest(stored, _token_hash(token))


async def create_first_admin(
    sessions: async_sessionmaker[AsyncSession], token: str, *, email: str, password: str
) -> Account:
    """Create the first admin with the one-time token, which is spent by this call.

    Raises:
        NotFoundError: the token is wrong, spent, or an account exists already.
        InvalidInputError: bad e-mail or password.
    """
    email = _checked(email, role=Role.ADMIN, password=password)
    async with sessions.begin() as session:
        if not await setup_token_valid(session, token):
            raise NotFoundError("this set-up link is not valid any more")
        # Spending the token is a conditional delete: of two simultaneous submits, one wins.
        spent = await session.execute(
            delete(Setting).where(
                Setting.key == SETUP_TOKEN_KEY, Setting.value == _token_hash(token)
            )
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFoundError("this set-up link is not valid any more")
        user_id = await _create(
            session, email, role=Role.ADMIN, password=password, sectors=[], display_name=""
        )
        account = await load_account(session, user_id)
    assert account is not None  # noqa: S101 - just created
    return account


async def list_sectors(session: AsyncSession, account: Account) -> list[Sector]:
    """The sectors ``account`` works in (all of them for coordinators and admins)."""
    query = select(Sector).order_by(Sector.name)
    if account.sector_ids is not None:
        query = query.where(Sector.id.in_(account.sector_ids))
    return list(await session.scalars(query))


async def colleagues_for(session: AsyncSession, sector_id: int | None) -> list[User]:
    """Active accounts a lead of ``sector_id`` can be handed to: its counsellors, coordinators."""
    members = select(UserSector.user_id).where(UserSector.sector_id == sector_id)
    query = (
        select(User)
        .where(
            User.active.is_(True),
            (User.role.in_([Role.COORDINATOR, Role.ADMIN]))
            | ((User.role == Role.COUNSELLOR) & User.id.in_(members)),
        )
        .order_by(User.display_name, User.email)
    )
    return list(await session.scalars(query))
