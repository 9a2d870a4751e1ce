"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from ipaddress import ip_address
from typing import Final

from aiohttp import web
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from outreach_bot.storage.models import Lead
from outreach_bot.storage.readiness import storage_problem
from outreach_bot.web.keys import metrics_key, services_key

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

FORWARDING_HEADERS: Final = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


async def healthz(request: web.Request) -> web.Response:
    """The process answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The database can take a message and an NLU backend is loaded; 503 otherwise.

    "Can take a message": reachable, its schema at the head revision with every table, a
    write accepted (and rolled back), and room to grow (see :mod:`outreach_bot.storage.readiness`).
    """
    services = request.app[services_key]
    checks: dict[str, object] = {}
    ready = True
    try:
        problem = await storage_problem(services.db)
    except (SQLAlchemyError, OSError) as error:
        logger.warning("readiness: database unreachable (%s)", type(error).__name__)
        problem = "unreachable"
    if problem is not None:
        logger.warning("readiness: not ready, database: %s", problem)
        ready = False
    checks["database"] = problem or "ok"
    status = getattr(services.nlu, "status", None)
    checks["nlu"] = status() if callable(status) else {"backend": services.nlu.name}
    checks["channels"] = sorted(services.outbound)
    return web.json_response(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


def create_registry() -> tuple[CollectorRegistry, Counter, Histogram]:
    """A registry per app, so tests can build many apps in one process."""
    registry = CollectorRegistry()
    # The collector's runs by generation: the command pauses it during start-up (see entry.py),
    # and this shows it back at work.
    GCCollector(registry=registry)
    requests = Counter(
        "outreach_http_requests",
        "HTTP requests by route and status",
        ["route", "method", "status"],
        registry=registry,
    )
    latency = Histogram(
        "outreach_http_request_seconds", "HTTP request latency", ["route"], registry=registry
    )
    return registry, requests, latency


def metrics_middleware(
    requests: Counter, latency: Histogram
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Count requests by route template (never by URL: lead ids would explode the labels)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        status = 500
        try:
            response = await handler(request)
        except web.HTTPException as error:
            status = error.status
            raise
        else:
            status = response.status
            return response
        finally:
            requests.labels(name, request.method, str(status)).inc()
            latency.labels(name).observe(time.perf_counter() - started)

    return middleware


def metrics_allowed(request: web.Request, token: str) -> bool:
    """Who may scrape: the bearer of ``OUTREACH_METRICS_TOKEN`` if set, else loopback only.

    A request relayed by a reverse proxy on the same machine also arrives from loopback, so
    one that carries a forwarding header is treated as coming from outside.
    """
    if token:
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            sent.strip().encode("utf-8", "surrogatepass"), token.encode("utf-8")
        )
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    try:
        return ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format, with lead counts by status read at scrape time."""
    services = request.app[services_key]
    if not metrics_allowed(request, services.settings.metrics_token):
        return web.Response(
            status=403, text="metrics: loopback only, or send OUTREACH_METRICS_TOKEN as bearer\n"
        )
    scrape = CollectorRegistry()
    leads = Gauge("outreach_leads", "Leads by status", ["status"], registry=scrape)
    try:
        async with services.sessions() as session:
            query = select(Lead.status, func.count(Lead.id)).group_by(Lead.status)
            for status, count in await session.execute(query):
                leads.labels(status).set(count)
    except (SQLAlchemyError, OSError):
        logger.warning("metrics: database unreachable")
    body = generate_latest(request.app[metrics_key]) + generate_latest(scrape)
    return web.Response(body=body, content_type="text/plain", charset="utf-8")


def add_routes(app: web.Application) -> None:
    """Mount health and metrics."""
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
