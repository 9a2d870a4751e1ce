"""The dialogue engine: pure functions from (state, understood message) to replies and effects.

``engine`` is the state machine (topics, the lead form, consent, crisis, STOP and
SUPPRIMER in every state); ``turn`` decides what counts as an explicit command; ``state``
and ``replies`` are its data.

May import ``domain`` and ``content`` only: no database, no network, no framework
(checked by import-linter).
"""
