"""Outreach Bot: reach young people where they are, hand warm leads to a Mission Locale."""

__version__ = "0.1.0"
