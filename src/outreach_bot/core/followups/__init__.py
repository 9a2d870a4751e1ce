"""Staying in touch with a young person until they are mobilised: appointments and their
reminders (``appointments``), built on the scheduled messages of :mod:`outreach_bot.core.schedule`.

May import ``core.schedule``, ``core.delivery``, ``core.leads``, ``core.events``,
``core.staff``, ``dialogue``, ``content``, ``storage`` and ``domain``.
"""
