"""Failed sign-ins are limited per account and per address, separately: one person guessing
from a shared address cannot lock out the whole team, and a spray is still stopped."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from outreach_bot.core.services import Services
from outreach_bot.core.staff import accounts as users
from outreach_bot.core.staff.accounts import TooManyAttemptsError, add_user, authenticate
from outreach_bot.domain.errors import PermissionDeniedError

PASSWORD = "correct horse battery"
OFFICE = "192.0.2.10"
HOME = "198.51.100.7"


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


async def wrong(services: Services, email: str, ip: str) -> str:
    """One wrong password; what the person was told ("wrong" or "wait")."""
    try:
        await authenticate(services.sessions, email, "not the password", ip=ip)
    except TooManyAttemptsError:
        return "wait"
    except PermissionDeniedError:
        return "wrong"
    raise AssertionError("a wrong password signed in")


async def signs_in(services: Services, email: str, ip: str) -> bool:
    try:
        await authenticate(services.sessions, email, PASSWORD, ip=ip)
    except TooManyAttemptsError:
        return False
    return True


@pytest.fixture(name="team")
async def _team(services: Services) -> list[str]:
    emails = ["a@example.org", "b@example.org", "admin@example.org"]
    for email in emails:
        role = "admin" if email.startswith("admin") else "counsellor"
        await add_user(services.sessions, email, role=role, password=PASSWORD)
    return emails


async def test_twenty_wrong_passwords_for_one_account_lock_only_that_account_there(
    services: Services, team: list[str]
) -> None:
    """20 wrong passwords for A from one address: A waits there after 5; B signs in from
    another address, and from the same one; A still signs in from elsewhere."""
    a, b, _ = team
    told = [await wrong(services, a, OFFICE) for _ in range(20)]
    assert told == ["wrong"] * users.MAX_FAILURES_PER_ACCOUNT_AND_IP + ["wait"] * 15
    assert await signs_in(services, b, HOME)
    assert await signs_in(services, b, OFFICE)
    assert not await signs_in(services, a, OFFICE)  # even the right password waits there
    assert await signs_in(services, a, HOME)


async def test_a_spray_from_one_address_is_stopped(services: Services, team: list[str]) -> None:
    """Guessing many accounts from one address: after 20 failures, every account there waits,
    the existing ones as much as made-up e-mails."""
    told = [await wrong(services, f"guess{n}@example.org", OFFICE) for n in range(25)]
    assert told == ["wrong"] * users.MAX_FAILURES_PER_IP + ["wait"] * 5
    assert await wrong(services, team[0], OFFICE) == "wait"
    assert not await signs_in(services, team[1], OFFICE)
    assert await signs_in(services, team[1], HOME)  # the limit is the address's


async def test_a_spray_from_the_office_does_not_lock_out_those_who_work_there(
    services: Services, team: list[str]
) -> None:
    """The admin and a counsellor signed in from the office last week: someone's 25 failed
    guesses from that address do not lock them out; an account never used there waits."""
    a, b, admin = team
    assert await signs_in(services, admin, OFFICE)
    assert await signs_in(services, a, OFFICE)
    for n in range(25):
        await wrong(services, f"guess{n}@example.org", OFFICE)
    assert await signs_in(services, admin, OFFICE)
    assert await signs_in(services, a, OFFICE)
    assert not await signs_in(services, b, OFFICE)
    # Known or not, guessing a known account there is still limited per account and address.
    told = [await wrong(services, admin, OFFICE) for _ in range(6)]
    assert told == ["wrong"] * users.MAX_FAILURES_PER_ACCOUNT_AND_IP + ["wait"]


async def test_guesses_at_one_account_from_many_addresses_are_stopped(
    services: Services, team: list[str]
) -> None:
    """A botnet trying one account from 25 addresses: after 20 failures it waits everywhere
    except where its owner works from."""
    a = team[0]
    assert await signs_in(services, a, OFFICE)
    told = [await wrong(services, a, f"203.0.113.{n}") for n in range(25)]
    assert told == ["wrong"] * users.MAX_FAILURES_PER_ACCOUNT + ["wait"] * 5
    assert not await signs_in(services, a, HOME)
    assert await signs_in(services, a, OFFICE)
