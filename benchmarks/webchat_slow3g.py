"""Measure what a young person on a slow 3G phone sees of the landing page and the web chat.

Usage (from the repository root):

    .venv/bin/python benchmarks/webchat_slow3g.py [--runs 5] [--kbps 400] [--rtt 400]

Serves the real application on a loopback port over a throw-away SQLite database, then opens
the landing page ``/q/CODE`` and a blank web chat ``/q/CODE/chat`` (empty cache, nothing in
the browser's storage) in Debian's headless Chromium with the network slowed down through
the DevTools protocol (``Network.emulateNetworkConditions``: ``--kbps`` down and up,
``--rtt`` ms of latency per request). For each page it prints the median over ``--runs``
cold loads of:

* first contentful paint: the first moment something (text, the header) is on screen;
* for the chat, when the bot's first message is shown;
* the bytes that came over the network (compressed when the server compressed them).

Chromium applies the latency once per request, on a connection that is already open: a real
phone also pays for DNS, TCP and TLS round trips before the first byte, so real figures are
higher by about that much. Traffic goes only to 127.0.0.1; the script stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright
from scratch import scratch_settings, served

from outreach_bot.app import open_services
from outreach_bot.core.outreach.campaigns import create_campaign

CHROMIUM = "/usr/bin/chromium"
CODE = "FORUM-3G"
PAINT_JS = """() => {
  const bytes = performance.getEntriesByType('navigation')
    .concat(performance.getEntriesByType('resource'))
    .map(entry => [entry.name.split('/').pop() || 'page', entry.transferSize]);
  return {fcp: window.__fcp, bytes: bytes};
}"""
# Installed before the page's own scripts run: notes the first contentful paint and when the
# first bot bubble appears.
WATCH_JS = """
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    if (entry.name === 'first-contentful-paint') { window.__fcp = entry.startTime; }
  }
}).observe({type: 'paint', buffered: true});
new MutationObserver((changes, observer) => {
  if (document.querySelector('#log li.bot')) {
    window.__firstBot = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


async def load(browser: Any, url: str, kbps: int, rtt: int, chat: bool) -> dict[str, Any]:
    """One cold load of ``url`` through a slowed-down network."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    await cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": rtt,
            "downloadThroughput": kbps * 1000 / 8,
            "uploadThroughput": kbps * 1000 / 8,
        },
    )
    await page.add_init_script(WATCH_JS)
    await page.goto(url, wait_until="load", timeout=60_000)
    await page.wait_for_function("() => window.__fcp !== undefined", timeout=60_000)
    first_bot = None
    if chat:
        await page.wait_for_function("() => window.__firstBot !== undefined", timeout=60_000)
        first_bot = await page.evaluate("window.__firstBot")
    measured: dict[str, Any] = await page.evaluate(PAINT_JS)
    measured["first_bot"] = first_bot
    await context.close()
    return measured


def report(name: str, runs: list[dict[str, Any]]) -> None:
    fcp = statistics.median(run["fcp"] for run in runs)
    line = f"{name}: first contentful paint {fcp:.0f} ms"
    if runs[0]["first_bot"] is not None:
        bot = statistics.median(run["first_bot"] for run in runs)
        line += f", bot's first message {bot:.0f} ms"
    files = ", ".join(f"{file} {size} B" for file, size in runs[0]["bytes"] if size)
    print(f"{line} (median of {len(runs)}); transferred: {files}")


async def main() -> None:
    """Serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kbps", type=int, default=400)
    parser.add_argument("--rtt", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = scratch_settings(Path(tmp))
        async with open_services(settings, create_schema=True) as services:
            await create_campaign(services.sessions, CODE, name="Forum")
            async with served(services) as base:
                print(f"network: {args.kbps} kbit/s down and up, {args.rtt} ms per request")
                async with async_playwright() as playwright:
                    browser = await playwright.chromium.launch(
                        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                    )
                    for name, path, chat in (
                        ("landing page", f"/q/{CODE}", False),
                        ("blank web chat", f"/q/{CODE}/chat", True),
                    ):
                        runs = [
                            await load(browser, base + path, args.kbps, args.rtt, chat)
                            for _ in range(args.runs)
                        ]
                        report(name, runs)
                    await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
