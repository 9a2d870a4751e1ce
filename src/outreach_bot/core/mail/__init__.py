"""E-mail: the one way the core sends mail (referrals to partners, password resets).

``sender`` builds a message (plain text, optional HTML) and hands it to the configured SMTP
relay through aiosmtplib. Callers own their work: they commit first, then send, and on a
:class:`~outreach_bot.core.mail.sender.MailError` keep what they did and offer another way
(a link to copy, a retry later).

May import ``config`` only: it knows nothing about leads, partners or accounts.
"""
