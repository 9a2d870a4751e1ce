"""Send one e-mail through the configured SMTP relay.

Usage, from a use case that already committed its work::

    try:
        await mailer.send(Mail(to=address, subject=subject, text=body))
    except MailNotConfiguredError:
        ...  # show the link to copy instead
    except MailError as error:
        ...  # keep the work; error.temporary says whether a later retry may succeed

Nothing here touches the database, so a failed send never rolls anything back.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Final

import aiosmtplib

from outreach_bot.config import Settings, SmtpTls

logger = logging.getLogger(__name__)

DEFAULT_PORTS: Final = {SmtpTls.STARTTLS: 587, SmtpTls.TLS: 465, SmtpTls.NONE: 25}
"""The usual port of each mode: submission with STARTTLS, implicit TLS, a local relay."""


class MailError(Exception):
    """The message was not sent.

    ``temporary`` is True when trying again later may work (the relay is down or answered
    4xx), False when it will not (a refused address, wrong credentials).
    """

    def __init__(self, reason: str, *, temporary: bool) -> None:
        super().__init__(reason)
        self.temporary = temporary


class MailNotConfiguredError(MailError):
    """``OUTREACH_SMTP_HOST`` is empty: this installation sends no e-mail."""

    def __init__(self) -> None:
        super().__init__("e-mail is not configured (OUTREACH_SMTP_HOST)", temporary=False)


@dataclass(frozen=True)
class Mail:
    """One message to one recipient: plain text always, HTML as an optional alternative.

    Plain text comes first so that every client can read it; ``html``, when given, should say
    the same thing.
    """

    to: str
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None


class MailSender:
    """Hands messages to the SMTP relay of the settings, one connection per message.

    A connection per message keeps the sender stateless: referrals and password resets are a
    few a day, and a dropped connection between two of them can never lose the second.

    Args:
        settings: ``OUTREACH_SMTP_*``.
        tls_context: the TLS context to verify the relay with; None uses the system's
            certificate authorities (tests pass one trusting their own certificate).
    """

    def __init__(self, settings: Settings, *, tls_context: ssl.SSLContext | None = None) -> None:
        self._settings = settings
        self._tls_context = tls_context

    @property
    def configured(self) -> bool:
        """Whether this installation can send e-mail at all (pages say so when it cannot)."""
        return bool(self._settings.smtp_host)

    def build(self, mail: Mail) -> EmailMessage:
        """The MIME message for ``mail``, with the headers a relay expects.

        Raises:
            MailError: an address is not a valid e-mail address (permanent).
        """
        message = EmailMessage()
        try:
            message["From"] = self._settings.smtp_from
            message["To"] = _address(mail.to)
            if mail.reply_to:
                message["Reply-To"] = _address(mail.reply_to)
        except (ValueError, IndexError) as error:
            raise MailError(f"not an e-mail address: {error}", temporary=False) from error
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=True)
        domain = self._settings.smtp_from.rpartition("@")[2].strip(" >") or None
        message["Message-ID"] = make_msgid(domain=domain)
        message.set_content(mail.text)
        if mail.html is not None:
            message.add_alternative(mail.html, subtype="html")
        return message

    async def send(self, mail: Mail) -> None:
        """Send ``mail`` now, or raise why not.

        Raises:
            MailNotConfiguredError: no SMTP relay is configured.
            MailError: the relay could not be reached or refused the message.
        """
        if not self.configured:
            raise MailNotConfiguredError
        message = self.build(mail)
        settings = self._settings
        mode = settings.smtp_tls
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port or DEFAULT_PORTS[mode],
                username=settings.smtp_user or None,
                password=settings.smtp_password or None,
                use_tls=mode is SmtpTls.TLS,
                start_tls=mode is SmtpTls.STARTTLS,
                tls_context=self._tls_context,
                timeout=settings.smtp_timeout,
            )
        except aiosmtplib.SMTPResponseException as error:
            # 4xx: try later; 5xx: the relay will not take it (bad address, bad login).
            temporary = 400 <= error.code < 500  # noqa: PLR2004 - SMTP reply classes
            logger.warning("SMTP relay refused a message: %s", error.code)
            raise MailError(f"the relay answered {error.code}", temporary=temporary) from error
        except aiosmtplib.SMTPRecipientsRefused as error:
            logger.warning("SMTP relay refused the recipient")
            raise MailError("the relay refused the recipient", temporary=False) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            logger.warning("SMTP relay unreachable: %s", type(error).__name__)
            raise MailError(f"the relay could not be reached: {error}", temporary=True) from error
        logger.info("e-mail sent through %s", settings.smtp_host)


def _address(value: str) -> Address:
    """A single plain address, so that a header can never be smuggled in through it."""
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if not (local and at and domain) or any(char in value for char in '\r\n,<>" '):
        raise ValueError("expected one plain address")
    return Address(addr_spec=value)
