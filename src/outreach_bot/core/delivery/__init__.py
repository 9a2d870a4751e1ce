"""Getting messages out: the persistent outbox and the rules for sending.

``outbox`` stores every message to a Telegram or SMS user and delivers it with retries, so
a crash or an outage loses nothing and sends nothing twice; ``sms_policy`` says when the
bot may text (quiet hours, daily cap) and records delivery receipts.

May import ``core.channel``, ``core.events``, ``dialogue.replies``, ``content``, ``storage``
and ``domain``.
"""
