"""Domain errors, raised by the core and translated to 4xx or polite replies at the edges."""


class OutreachError(Exception):
    """Base class of every error the core raises on purpose."""


class NotFoundError(OutreachError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class InvalidInputError(OutreachError):
    """The caller sent something we cannot accept; the message says what."""


class ConflictError(OutreachError):
    """The change collides with another one (a lead already claimed, a duplicate code)."""


class PermissionDeniedError(OutreachError):
    """The caller may not do this."""
