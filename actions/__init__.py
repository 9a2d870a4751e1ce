"""Rasa action server exposing Outreach Bot's core to teams that run their own Rasa assistant.

Runs in the Rasa environment (``.venv-rasa``: Python 3.10, rasa_sdk 3.6) and reaches the bot
only through its JSON API (see ``api_client``), so it never imports ``outreach_bot``.
"""
