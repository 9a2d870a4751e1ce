"""The admin's work on the team from the back office: accounts, their links, API tokens.

Use cases over :mod:`outreach_bot.core.staff` that an admin runs in the browser instead of a
shell on the server, each written in the audit log (:mod:`outreach_bot.core.privacy.audit`)
in the same transaction. Kept apart from ``staff``, which stands alone below the rest of the
core, because of that audit line.

May import ``core.staff``, ``core.privacy``, ``storage`` and ``domain``.
"""
