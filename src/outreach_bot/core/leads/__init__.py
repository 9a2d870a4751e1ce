"""Leads and the team's queue: reading, claiming, following up and replying to a lead.

``queue`` holds the counsellor's use cases (claim safely under concurrency, statuses,
notes, reassignment, a reply through the young person's own channel, handing back to the
bot); ``sectors`` decides which sector's queue a lead joins; ``notifications`` tells the
team's group chat about new and urgent leads.

May import ``core.events``, ``core.delivery``, ``core.privacy.audit``, ``core.staff``,
``storage`` and ``domain``.
"""
