"""dialogue package."""
