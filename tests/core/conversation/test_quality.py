"""The NLU quality loop: misunderstood messages are kept, labelled, exported and purged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from argon2 import PasswordHasher
from sqlalchemy import select

from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.conversation.quality import (
    GapFilter,
    dismiss_gap,
    example_text,
    export_reviewed,
    label_gap,
    list_gaps,
    unlabel_gap,
)
from outreach_bot.core.privacy.purge import purge
from outreach_bot.core.services import Services
from outreach_bot.core.staff import accounts as users
from outreach_bot.core.staff.accounts import Account, add_user, load_account
from outreach_bot.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from outreach_bot.domain.intents import INTENTS
from outreach_bot.nlu.data import load_examples
from outreach_bot.storage.models import AuditEntry, UnderstoodGap

GIBBERISH = "zblorf kwaxx plimdu"


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: accounts are not what these tests are about."""
    monkeypatch.setattr(
        users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


async def _account(services: Services, role: str, name: str, email: str) -> Account:
    user_id = await add_user(
        services.sessions,
        email,
        role=role,
        password="correct horse battery",
        sectors=["nord-meusien"] if role in {"counsellor"} else [],
        display_name=name,
    )
    async with services.sessions() as session:
        account = await load_account(session, user_id)
    assert account is not None
    return account


@pytest.fixture(name="lea")
async def _lea(services: Services) -> Account:
    return await _account(services, "counsellor", "Léa", "lea@example.org")


async def _gap(services: Services, text: str, *, days_ago: float = 0, guess: str = "greet") -> int:
    async with services.sessions.begin() as session:
        gap = UnderstoodGap(
            text=text,
            guess=guess,
            confidence=0.2,
            created_at=datetime.now(UTC) - timedelta(days=days_ago),
        )
        session.add(gap)
        await session.flush()
        return gap.id


async def _gaps(services: Services) -> list[UnderstoodGap]:
    async with services.sessions() as session:
        return list(await session.scalars(select(UnderstoodGap).order_by(UnderstoodGap.id)))


async def _audit(services: Services) -> list[tuple[str, str, str, int | None]]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.target_type == "nlu_gap").order_by(AuditEntry.id)
        )
        return [(row.action, row.target_id, row.actor, row.user_id) for row in rows]


async def test_gibberish_in_a_real_conversation_is_kept_with_the_bots_guess(
    services: Services, lea: Account
) -> None:
    """A message the bot did not understand shows up for review with its guess and confidence."""
    result = await services.conversations.handle_inbound(
        InboundMessage(channel="rest", sender_id="young-1", text=GIBBERISH, message_id="m1")
    )
    assert result.replies, "the young person still gets an answer"
    [gap] = await _gaps(services)
    assert gap.text == GIBBERISH
    assert gap.guess in INTENTS
    assert gap.confidence is not None
    assert 0.0 <= gap.confidence <= 1.0
    assert gap.label is None
    page = await list_gaps(services.sessions, lea)
    assert [view.text for view in page.gaps] == [GIBBERISH]
    assert page.gaps[0].guess == gap.guess


async def test_an_understood_message_is_not_kept(services: Services) -> None:
    """A clear question the bot answers leaves nothing in the review list."""
    await services.conversations.handle_inbound(
        InboundMessage(
            channel="rest",
            sender_id="young-2",
            text="c'est quoi le contrat d'engagement jeune ?",
            message_id="m1",
        )
    )
    assert await _gaps(services) == []


async def test_a_label_moves_the_gap_to_the_labelled_list_and_is_audited(
    services: Services, lea: Account
) -> None:
    """After labelling, the message leaves "to label", shows who labelled it, and is audited."""
    gap_id = await _gap(services, "jcherche un taf vers bar")
    await label_gap(services.sessions, lea, gap_id, "find_job")
    unlabelled = await list_gaps(services.sessions, lea)
    labelled = await list_gaps(services.sessions, lea, show=GapFilter.LABELLED)
    assert unlabelled.gaps == []
    assert unlabelled.counts == {GapFilter.UNLABELLED: 0, GapFilter.LABELLED: 1}
    [view] = labelled.gaps
    assert (view.label, view.labelled_by) == ("find_job", "Léa")
    assert ("label", str(gap_id), "lea@example.org", lea.id) in await _audit(services)


@pytest.mark.parametrize(
    "intent", ["Find_job", "find job", "find_job ", "stop", "", "<b>greet</b>", "nlu_fallback"]
)
async def test_labels_outside_the_25_intents_are_refused(
    services: Services, lea: Account, intent: str
) -> None:
    """Only an intent of the contract can be given; anything else leaves the message unlabelled."""
    gap_id = await _gap(services, "wesh ca dit quoi")
    with pytest.raises(InvalidInputError):
        await label_gap(services.sessions, lea, gap_id, intent)
    [gap] = await _gaps(services)
    assert gap.label is None


async def test_unlabel_puts_it_back_and_dismiss_deletes_it(
    services: Services, lea: Account
) -> None:
    """A label can be taken back; a dismissed message is gone; both are audited."""
    kept, dropped = await _gap(services, "ouai grav"), await _gap(services, "06 12 34 56 78")
    await label_gap(services.sessions, lea, kept, "affirm")
    await unlabel_gap(services.sessions, lea, kept)
    await dismiss_gap(services.sessions, lea, dropped)
    [gap] = await _gaps(services)
    assert (gap.id, gap.label, gap.labelled_by) == (kept, None, None)
    actions = [(action, target) for action, target, _, _ in await _audit(services)]
    assert [a for a in actions if a[0] != "view"] == [
        ("label", str(kept)),
        ("unlabel", str(kept)),
        ("dismiss", str(dropped)),
    ]
    with pytest.raises(NotFoundError):
        await label_gap(services.sessions, lea, dropped, "greet")


async def test_the_list_is_newest_first_a_page_at_a_time(services: Services, lea: Account) -> None:
    """Newest messages come first; a page past the end shows the last page."""
    old = await _gap(services, "ancien", days_ago=3)
    middle = await _gap(services, "moyen", days_ago=2)
    new = await _gap(services, "récent", days_ago=1)
    first = await list_gaps(services.sessions, lea, page_size=2)
    assert [view.id for view in first.gaps] == [new, middle]
    assert (first.pages, first.previous_page, first.next_page) == (2, None, 2)
    last = await list_gaps(services.sessions, lea, page=99, page_size=2)
    assert ([view.id for view in last.gaps], last.page) == ([old], 2)


async def test_outreach_staff_cannot_read_and_counsellors_cannot_download(
    services: Services, lea: Account
) -> None:
    """Outreach accounts never see the texts; only coordinators and admins export them all."""
    olga = await _account(services, "outreach", "Olga", "olga@example.org")
    colette = await _account(services, "coordinator", "Colette", "colette@example.org")
    gap_id = await _gap(services, "bjr")
    with pytest.raises(PermissionDeniedError):
        await list_gaps(services.sessions, olga)
    with pytest.raises(PermissionDeniedError):
        await label_gap(services.sessions, olga, gap_id, "greet")
    with pytest.raises(PermissionDeniedError):
        await export_reviewed(services.sessions, account=lea)
    export = await export_reviewed(services.sessions, account=colette)
    assert export.examples == 0
    assert ("export", "0", "colette@example.org", colette.id) in await _audit(services)


TRICKY = {
    'il a dit "salut" #trop': "greet",
    "question: c koi la ML ?": "mission_locale_info",
    "- un tiret devant": "deny",
    "{pas: du yaml} & *ancre | > !tag %": "out_of_scope",
    "merci 🙏🏽 c gentil": "thanks",
    "'guillemets simples' et \\ antislash": "out_of_scope",
}
CLEANED = {
    "  deux\nlignes\r\n et\tun  tab  ": ("deux lignes et un tab", "out_of_scope"),
    "bip\x07 \x1b[0m\u2028fin\ufeff": ("bip [0m fin", "out_of_scope"),
    "j'habite à [Verdun](city)": ("j'habite à [Verdun] (city)", "housing"),
    "e\u0301cole": ("école", "school_dropout"),
}


async def test_the_export_is_rasa_yaml_that_our_loader_reads_back(
    services: Services, lea: Account, tmp_path: Path
) -> None:
    """Labelled texts come back from the YAML exactly (or cleaned to one plain line), once each."""
    for text, intent in TRICKY.items():
        await label_gap(services.sessions, lea, await _gap(services, text), intent)
    for text, (_, intent) in CLEANED.items():
        await label_gap(services.sessions, lea, await _gap(services, text), intent)
    for _ in range(2):  # the same text twice is one example
        await label_gap(services.sessions, lea, await _gap(services, "merci bcp"), "thanks")
    await label_gap(services.sessions, lea, await _gap(services, "ok mrc"), "thanks")
    await label_gap(services.sessions, lea, await _gap(services, "ok mrc"), "affirm")
    await _gap(services, "pas encore étiqueté")

    export = await export_reviewed(services.sessions)
    path = tmp_path / "reviewed.yml"
    path.write_text(export.yaml, encoding="utf-8")

    document = yaml.safe_load(export.yaml)
    assert document["version"] == "3.1"
    loaded = sorted(load_examples(path))
    expected = sorted(list(TRICKY.items()) + list(CLEANED.values()) + [("merci bcp", "thanks")])
    assert loaded == expected
    assert (export.examples, export.conflicts) == (len(expected), 1)
    assert "#   ok mrc  ->  affirm, thanks" in export.yaml
    intents = [item["intent"] for item in document["nlu"]]
    assert intents == sorted(intents)
    assert export.yaml == (await export_reviewed(services.sessions)).yaml


async def test_an_export_with_nothing_labelled_is_still_valid_yaml(
    services: Services, tmp_path: Path
) -> None:
    """With no label yet the file is an empty but valid NLU document."""
    await _gap(services, "pas étiqueté")
    export = await export_reviewed(services.sessions)
    path = tmp_path / "empty.yml"
    path.write_text(export.yaml, encoding="utf-8")
    assert load_examples(path) == []
    assert yaml.safe_load(export.yaml) == {"version": "3.1", "nlu": []}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[a](b) [c]{d} [e][f]", "[a] (b) [c] {d} [e] [f]"),
        ("\x00\x08\x0b\x0c\x7f", ""),
        ("a\x85b\u2029c", "a b c"),
    ],
)
def test_example_lines_never_carry_annotations_or_unprintable_characters(
    text: str, line: str
) -> None:
    """Brackets stay plain text and characters YAML refuses disappear."""
    assert example_text(text) == line


async def test_purge_removes_old_gaps_with_the_transcripts(services: Services) -> None:
    """Messages older than the transcript retention are erased, labelled or not."""
    await _gap(services, "vieux message", days_ago=91)
    fresh = await _gap(services, "message récent", days_ago=1)
    report = await purge(services.sessions, transcript_days=90, retention_days=365)
    assert report.gaps == 1
    assert [gap.id for gap in await _gaps(services)] == [fresh]
