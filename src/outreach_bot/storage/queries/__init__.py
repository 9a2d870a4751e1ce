"""storage.queries package."""
