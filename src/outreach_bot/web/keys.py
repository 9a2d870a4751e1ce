"""Typed application keys: the only way web handlers reach shared services."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry

from outreach_bot.core.services import Services

services_key = web.AppKey("services", Services)
metrics_key = web.AppKey("metrics", CollectorRegistry)
