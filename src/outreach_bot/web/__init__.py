"""The HTTP side: the back office (``admin``), the JSON API (``api``), the QR landing
pages, health and metrics, and what every handler shares (errors, keys, headers, rate limits).

Handlers parse a request and call one use case in ``core``; they hold no business rule.

May import ``core`` and everything below; never ``channels``, ``app`` or ``cli``.
"""
