"""The team's access: back-office accounts, their sessions and the API tokens.

``accounts`` (creation, roles, sign-in with throttling, which sectors an account sees),
``sessions`` (server-side sessions behind the cookie), ``tokens`` (bearer tokens, stored
hashed, optionally scoped to sectors).

May import ``storage`` and ``domain`` only.
"""
