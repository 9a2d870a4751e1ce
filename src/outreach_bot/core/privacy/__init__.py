"""The young person's rights and the data's lifetime.

``rights`` (an admin's access export and erasure), ``purge`` (retention on schedule) and
``audit`` (who saw, exported or changed personal data).

May import ``core.conversation``, ``core.leads``, ``core.staff``, ``storage`` and ``domain``.
"""
