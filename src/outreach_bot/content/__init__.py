"""Load and validate what the bot says (``bot/``) into typed models.

Start-up refuses content that breaks a rule (a crisis text without its numbers, an answer
without its source). May import ``domain`` only.
"""

from outreach_bot.content.languages import ContentError, Localized, ReviewState, TextRecord
from outreach_bot.content.model import Content, load_content

__all__ = ["Content", "ContentError", "Localized", "ReviewState", "TextRecord", "load_content"]
