"""Use cases: what the bot and the team do, each opening its own database transaction.

Grouped by capability, one package each: ``conversation`` (an inbound message end to end,
what the bot did not understand, use cases for external Rasa assistants), ``leads`` (the
queue, sectors, team notifications), ``outreach`` (campaigns, places, QR codes),
``delivery`` (the outbox and the SMS rules), ``privacy`` (rights, retention, audit log),
``staff`` (accounts, sessions, API tokens), ``figures`` (the funders' counts) and ``events``
(live events between pages and workers). ``channel`` holds what adapters exchange with the
core and ``services`` the container they receive.

May import: ``domain``, ``dialogue``, ``content``, ``nlu``, ``storage``, ``config``. Never
``channels``, ``web``, ``cli`` or the composition root ``app`` (checked by import-linter,
see ``[tool.importlinter]`` in pyproject.toml).
"""
