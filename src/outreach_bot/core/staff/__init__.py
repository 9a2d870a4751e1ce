"""The team's access: back-office accounts, their sessions and the API tokens.

``accounts`` (creation, roles, sign-in with throttling, which sectors an account sees),
``sessions`` (server-side sessions behind the cookie), ``tokens`` (bearer tokens, stored
hashed, optionally scoped to sectors), ``links`` (one-time links to choose a password) and
``mail`` (sending such a link), ``profile`` (one's own name and password), ``forms``
(forms that act once).

May import ``storage``, ``domain`` and ``core.mail`` only.
"""
