"""Channel adapters: Telegram, SMS (Twilio, SMS Gateway for Android), REST and web chat, console.

Each one verifies its source, parses a payload into a ``core.channel.InboundMessage``,
calls the core and renders the replies in its medium. No business rule lives here.

May import ``core``, ``web`` (error responses, application keys) and everything below;
never the composition root ``app`` or ``cli``.
"""
