"""The e-mail that carries a one-time password link, when the installation can send e-mail.

The link is made and committed first (:mod:`outreach_bot.core.staff.links`); this only sends
it. A failure keeps the link: the admin's page still shows it to copy, and the sign-in
page's "mot de passe oublié" says to ask the admin when nothing arrives.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from outreach_bot.core.mail.sender import Mail, MailError, MailSender
from outreach_bot.core.staff.accounts import staff_label
from outreach_bot.core.staff.links import IssuedLink, LinkPurpose

logger = logging.getLogger(__name__)

PARIS: Final = ZoneInfo("Europe/Paris")
SUBJECTS: Final = {
    LinkPurpose.INVITE: "Ton compte Outreach Bot",
    LinkPurpose.RESET: "Ton nouveau mot de passe Outreach Bot",
}


def link_mail(
    *, email: str, display_name: str, purpose: LinkPurpose, link: str, expires_at: datetime
) -> Mail:
    """The message: who it is for, the link, until when it works, what to do if unexpected."""
    until = expires_at.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")
    if purpose is LinkPurpose.INVITE:
        why = "Un compte t'attend sur le back office d'Outreach Bot. Pour choisir ton mot de passe"
    else:
        why = "Tu as demandé à changer ton mot de passe Outreach Bot. Pour en choisir un nouveau"
    text = (
        f"Bonjour {staff_label(display_name, email)},\n\n"
        f"{why}, ouvre ce lien :\n\n{link}\n\n"
        f"Il ne sert qu'une fois et marche jusqu'au {until}.\n\n"
        "Tu n'attendais pas ce message ? Ne fais rien : ton compte ne change pas. "
        "Tu peux prévenir l'admin de ton équipe.\n"
    )
    return Mail(to=email, subject=SUBJECTS[purpose], text=text)


async def send_link(mailer: MailSender, issued: IssuedLink, link: str) -> bool:
    """E-mail ``link`` (the full address of ``issued``) to its owner.

    Returns False when e-mail is not configured or the relay failed (logged without the
    address): the caller then shows the link to copy, or says to ask the admin.
    """
    if not mailer.configured:
        return False
    mail = link_mail(
        email=issued.email,
        display_name=issued.display_name,
        purpose=issued.purpose,
        link=link,
        expires_at=issued.expires_at,
    )
    try:
        await mailer.send(mail)
    except MailError as error:
        logger.warning("a %s link was not e-mailed: %s", issued.purpose, error)
        return False
    return True
