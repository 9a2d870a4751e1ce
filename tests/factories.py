"""Builders for test conversations."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

REST_PATH = "/webhooks/rest/webhook"


class RestChat:
    """A young person talking to the real server over the REST channel."""

    def __init__(self, client: TestClient, sender: str = "young-1") -> None:  # type: ignore[type-arg]
        self.client = client
        self.sender = sender
        self.last: list[dict[str, Any]] = []

    async def say(self, message: str) -> list[dict[str, Any]]:
        response = await self.client.post(
            REST_PATH, json={"sender": self.sender, "message": message}
        )
        assert response.status == 200, await response.text()
        self.last = await response.json()
        return self.last

    def text(self) -> str:
        return "\n".join(item["text"] for item in self.last)

    def payloads(self) -> list[str]:
        return [button["payload"] for item in self.last for button in item.get("buttons", [])]
