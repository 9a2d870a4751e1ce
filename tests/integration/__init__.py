"""Tests that run the bot against real external servers (Rasa)."""
