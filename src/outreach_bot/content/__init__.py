"""Load and validate what the bot says (``bot/``) into typed models."""

from outreach_bot.content.model import Content, ContentError, load_content

__all__ = ["Content", "ContentError", "load_content"]
