"""Builders for test conversations and test content."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from aiohttp.test_utils import TestClient

REST_PATH = "/webhooks/rest/webhook"
BOT_DIR = Path(__file__).resolve().parents[1] / "bot"


def edited_content(tmp_path: Path, french: dict[str, str | None]) -> Path:
    """A copy of ``bot/`` whose messages have the given French texts (None removes the key)."""
    directory = tmp_path / "bot"
    shutil.copytree(BOT_DIR, directory)
    path = directory / "messages.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, text in french.items():
        if text is None:
            del data["messages"][key]
        else:
            data["messages"][key]["fr"] = text
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return directory


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
