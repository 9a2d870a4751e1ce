"""Live events for the team's pages: a new lead, an urgent conversation, a reply.

``bus`` is the in-process publish/subscribe that back-office pages listen to; ``postgres``
carries the same events between workers with LISTEN/NOTIFY and elects the worker that
long-polls Telegram.

May import ``storage`` and the standard library only.
"""
