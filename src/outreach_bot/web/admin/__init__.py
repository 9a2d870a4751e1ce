"""web.admin package."""
