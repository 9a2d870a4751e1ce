"""The e-mail sender against a real SMTP server on localhost (aiosmtpd)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from outreach_bot.config import describe_errors
from outreach_bot.core.mail.sender import Mail, MailError, MailNotConfiguredError, MailSender
from tests.conftest import make_settings
from tests.smtp import Inbox, free_port, local_smtp


async def test_a_message_arrives_with_its_text_and_html(tmp_path: Path, smtp: Inbox) -> None:
    """The relay receives one message with the sender, the subject and both readable parts."""
    mailer = MailSender(make_settings(tmp_path, **smtp.settings()))

    await mailer.send(
        Mail(
            to="accueil@asso-test.example",
            subject="Orientation : une demande pour l'Association Écoute",
            text="Bonjour,\nune jeune personne a accepté d'être orientée vers vous.",
            html="<p>Bonjour,<br>une jeune personne a accepté d'être orientée vers vous.</p>",
        )
    )

    [received] = smtp.received
    assert received.recipients == ["accueil@asso-test.example"]
    assert received.sender == "noreply@ml-test.example"
    assert received.message["Subject"] == "Orientation : une demande pour l'Association Écoute"
    assert "accepté d'être orientée" in received.body("plain")
    assert "<p>Bonjour" in received.body("html")
    assert received.message["Message-ID"].endswith("@ml-test.example>")


async def test_plain_text_alone_is_a_single_part(tmp_path: Path, smtp: Inbox) -> None:
    """Without HTML the message is plain text only, as a text-only client expects."""
    mailer = MailSender(make_settings(tmp_path, **smtp.settings()))

    await mailer.send(Mail(to="a@asso-test.example", subject="Test", text="Juste du texte."))

    [received] = smtp.received
    assert received.message.get_content_type() == "text/plain"
    assert received.body().strip() == "Juste du texte."


async def test_without_smtp_nothing_is_attempted(tmp_path: Path) -> None:
    """With no relay configured the sender says so, distinctly from a failure."""
    mailer = MailSender(make_settings(tmp_path))

    assert not mailer.configured
    with pytest.raises(MailNotConfiguredError) as caught:
        await mailer.send(Mail(to="a@asso-test.example", subject="Test", text="x"))
    assert not caught.value.temporary


async def test_starttls_and_login_reach_a_relay_that_requires_both(tmp_path: Path) -> None:
    """Over STARTTLS the configured login is accepted and a wrong one is refused for good."""
    with local_smtp(login=("ml-bot", "s3cret-relay"), starttls=True) as inbox:
        base = {**inbox.settings(), "smtp_tls": "starttls", "smtp_user": "ml-bot"}
        trust = inbox.client_tls_context()
        good = MailSender(
            make_settings(tmp_path, **base, smtp_password="s3cret-relay"), tls_context=trust
        )
        bad = MailSender(make_settings(tmp_path, **base, smtp_password="nope"), tls_context=trust)
        await good.send(Mail(to="a@asso-test.example", subject="Test", text="x"))
        with pytest.raises(MailError) as caught:
            await bad.send(Mail(to="a@asso-test.example", subject="Test", text="x"))

    assert len(inbox.received) == 1
    assert not caught.value.temporary


async def test_an_untrusted_certificate_sends_nothing(tmp_path: Path) -> None:
    """A relay whose certificate the system does not trust gets no message."""
    with local_smtp(starttls=True) as inbox:
        settings = make_settings(tmp_path, **{**inbox.settings(), "smtp_tls": "starttls"})
        with pytest.raises(MailError):
            await MailSender(settings).send(Mail(to="a@asso-test.example", subject="T", text="x"))

    assert inbox.received == []


async def test_a_refused_address_is_a_permanent_error(tmp_path: Path, smtp: Inbox) -> None:
    """A mailbox the relay refuses fails for good: retrying would not help."""
    smtp.refuse_recipients.add("parti@asso-test.example")
    mailer = MailSender(make_settings(tmp_path, **smtp.settings()))

    with pytest.raises(MailError) as caught:
        await mailer.send(Mail(to="parti@asso-test.example", subject="Test", text="x"))

    assert not caught.value.temporary
    assert smtp.received == []


async def test_a_busy_relay_is_a_temporary_error(tmp_path: Path, smtp: Inbox) -> None:
    """A 4xx answer tells the caller to try again later."""
    smtp.answer_data = "451 4.3.0 try again later"
    mailer = MailSender(make_settings(tmp_path, **smtp.settings()))

    with pytest.raises(MailError) as caught:
        await mailer.send(Mail(to="a@asso-test.example", subject="Test", text="x"))

    assert caught.value.temporary


async def test_an_unreachable_relay_is_a_temporary_error(tmp_path: Path) -> None:
    """No server listening: the error is temporary and quick, not a crash."""
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_tls="none",
        smtp_from="noreply@ml-test.example",
        smtp_timeout=2,
    )

    with pytest.raises(MailError) as caught:
        await MailSender(settings).send(Mail(to="a@asso-test.example", subject="T", text="x"))

    assert caught.value.temporary


async def test_starttls_is_never_downgraded_to_plain_text(tmp_path: Path, smtp: Inbox) -> None:
    """In STARTTLS mode a relay that cannot encrypt gets nothing, rather than the text in clear."""
    settings = make_settings(tmp_path, **{**smtp.settings(), "smtp_tls": "starttls"})

    with pytest.raises(MailError):
        await MailSender(settings).send(Mail(to="a@asso-test.example", subject="T", text="x"))

    assert smtp.received == []


@pytest.mark.parametrize(
    "address",
    ["a@asso-test.example\r\nBcc: b@elsewhere.example", "a@b.example, c@d.example", "pas-un-mail"],
)
async def test_a_malformed_recipient_sends_nothing(
    tmp_path: Path, smtp: Inbox, address: str
) -> None:
    """An address with a header smuggled in, a list or no domain is refused before any send."""
    mailer = MailSender(make_settings(tmp_path, **smtp.settings()))

    with pytest.raises(MailError) as caught:
        await mailer.send(Mail(to=address, subject="T", text="x"))

    assert not caught.value.temporary
    assert smtp.received == []


def test_a_relay_without_a_sender_address_stops_start_up(tmp_path: Path) -> None:
    """OUTREACH_SMTP_HOST without OUTREACH_SMTP_FROM is one clear line naming the variable."""
    with pytest.raises(ValidationError) as caught:
        make_settings(tmp_path, smtp_host="smtp.example.org")

    [line] = describe_errors(caught.value)
    assert line.startswith("OUTREACH_SMTP_FROM: ")


def test_a_password_without_a_user_stops_start_up(tmp_path: Path) -> None:
    """A password alone would be silently ignored, so it is refused with its variable's name."""
    with pytest.raises(ValidationError) as caught:
        make_settings(tmp_path, smtp_password="x")

    [line] = describe_errors(caught.value)
    assert line.startswith("OUTREACH_SMTP_PASSWORD: ")
