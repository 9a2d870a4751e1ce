"""Conversations: one inbound message end to end, and what the bot did not understand.

``service`` stores a message, classifies it, runs the pure dialogue engine and applies its
effects (consent, lead, erasure, crisis alert, outbox rows) in one transaction. ``quality``
is the loop where counsellors label misunderstood messages; ``assistants`` offers the same
rules to a team's own Rasa assistant through the JSON API.

May import the rest of ``core`` below it (events, delivery, leads.sectors, outreach.places,
figures), ``dialogue``, ``nlu``, ``storage`` and ``domain``.
"""
