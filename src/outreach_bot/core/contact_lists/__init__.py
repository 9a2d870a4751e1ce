"""Writing first: contact lists (obligation de formation, re-contact) and their campaigns.

``blocklist`` (the global do-not-contact: a STOP anywhere blocks every list), ``importing``
(a CSV export checked, de-duplicated and stored in one transaction), ``sending`` (a list's
first message through the scheduled messages and the outbox; start, pause, resume),
``replies`` (what an answer to it changes: answered, wrong number), ``figures`` and
``retention`` (the purge of rows that never answered, at the list's date).

Nothing is re-exported here: the conversation service imports ``blocklist`` while
``sending`` imports the conversation service.

May import ``core.conversation``, ``core.schedule``, ``core.delivery``, ``core.outreach``,
``core.events``, ``storage``, ``content`` and ``domain``.
"""
