"""A local fake of the Telegram Bot API, and builders for the updates it serves.

Real python-telegram-bot talks to it over HTTP exactly as to api.telegram.org: it serves
getUpdates from a queue, accepts setWebhook, and records every call so tests can assert on
what the bot sent. It can be told to answer 429, 403, 502 or 401 like the real service.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "telegram"
TOKEN = "123456:TEST-not-a-real-token"
BOT_ID = 4242424242
CHAT_ID = 7010203040
JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "scope", "link_preview_options"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id"}
MARKUP_RE = re.compile(r"(?<!\\)[_*\[\]`]")


def load_update(name: str) -> dict[str, Any]:
    """A captured-style update from ``tests/fixtures/telegram``."""
    update: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return update


def text_update(
    text: str,
    *,
    chat_id: int = CHAT_ID,
    first_name: str = "Léa",
    language_code: str = "fr",
) -> dict[str, Any]:
    """A private text message; a leading ``/command`` gets its bot_command entity, as
    Telegram adds it."""
    update = load_update("text_message")
    message = update["message"]
    message["text"] = text
    message["from"].update(id=chat_id, first_name=first_name, language_code=language_code)
    message["chat"].update(id=chat_id, first_name=first_name)
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    return update


def media_update(kind: str, *, chat_id: int = CHAT_ID) -> dict[str, Any]:
    """A sticker, voice, photo, location or document message from the fixtures."""
    update = load_update(kind)
    update["message"]["from"]["id"] = chat_id
    update["message"]["chat"]["id"] = chat_id
    return update


def contact_update(phone: str, *, owner_id: int | None, chat_id: int = CHAT_ID) -> dict[str, Any]:
    """A shared contact card; ``owner_id`` is the Telegram user it belongs to."""
    update = load_update("contact")
    message = update["message"]
    message["from"]["id"] = chat_id
    message["chat"]["id"] = chat_id
    message["contact"]["phone_number"] = phone
    if owner_id is None:
        message["contact"].pop("user_id", None)
    else:
        message["contact"]["user_id"] = owner_id
    return update


def callback_update(sent: Call, data: str) -> dict[str, Any]:
    """A tap on the button carrying ``data`` of the message recorded as ``sent``."""
    update = load_update("callback_query")
    query = update["callback_query"]
    chat_id = sent.params["chat_id"]
    query["id"] = str(next(_query_ids))
    query["from"]["id"] = chat_id
    query["data"] = data
    message = query["message"]
    message["message_id"] = sent.result["message_id"]
    message["chat"]["id"] = chat_id
    message["text"] = sent.params["text"]
    message["reply_markup"] = sent.params["reply_markup"]
    return update


_query_ids = itertools.count(4382061517934513301)


@dataclass
class Call:
    """One Bot API request as the fake server received it."""

    method: str
    params: dict[str, Any]
    status: int = 200
    result: Any = None
    at: float = field(default_factory=time.monotonic)

    def buttons(self) -> list[dict[str, str]]:
        """The inline buttons of a sendMessage, flattened."""
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


class FakeBotApi:
    """The Bot API on loopback. ``base_url`` is what OUTREACH_TELEGRAM_BASE_URL takes."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.down = False
        self.acks_lost = False
        self.blocked: set[int] = set()
        self.flood: list[int] = []
        self.flood_after = 0  # sendMessage calls accepted before the flood errors start
        self.sending_down = False  # sendMessage alone answers 502 (updates still arrive)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(815604200)
        self._message_ids = itertools.count(100)
        self._arrived = asyncio.Event()
        self._closing = False
        #: What getFile and the file download serve, by file_id (see :meth:`add_file`).
        self.files: dict[str, bytes] = {}
        self.downloads: list[str] = []
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._server = TestServer(app, host="127.0.0.1")

    @property
    def base_url(self) -> str:
        return str(self._server.make_url("/bot"))

    async def start(self) -> None:
        await self._server.start_server()

    async def close(self) -> None:
        self._closing = True
        self._arrived.set()
        await self._server.close()

    # -- what tests do -------------------------------------------------------------------------

    def push(self, update: dict[str, Any], *, keep_id: bool = False) -> dict[str, Any]:
        """Queue ``update`` for getUpdates, with a fresh update_id unless ``keep_id``."""
        update = copy.deepcopy(update)
        if not keep_id:
            update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        self._arrived.set()
        return update

    def add_file(self, file_id: str, data: bytes) -> None:
        """Make ``data`` the file Telegram holds under ``file_id``."""
        self.files[file_id] = data

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def sent(self, chat_id: int | None = None, *, since: int = 0) -> list[Call]:
        """Successful sendMessage calls (to ``chat_id``), from call index ``since`` on."""
        return [
            call
            for call in self.calls[since:]
            if call.method == "sendMessage"
            and call.status == 200
            and (chat_id is None or call.params["chat_id"] == chat_id)
        ]

    def methods(self, name: str, *, since: int = 0) -> list[Call]:
        return [call for call in self.calls[since:] if call.method == name]

    # -- the server ----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            text = str(value)
            if key in JSON_FIELDS:
                params[key] = json.loads(text)
            elif key in INT_FIELDS and re.fullmatch(r"-?\d+", text):
                params[key] = int(text)
            else:
                params[key] = text
        call = Call(method, params)
        self.calls.append(call)
        if self.down:
            return self._error(call, 502, "Bad Gateway")
        if request.match_info["token"] != self.token:
            return self._error(call, 401, "Unauthorized")
        handler: Callable[[Call], Any] | None = getattr(self, f"_api_{method}", None)
        if handler is None:
            return self._error(call, 404, "Not Found: method not found")
        outcome = await handler(call)
        if isinstance(outcome, web.Response):
            return outcome
        call.result = outcome
        return web.json_response({"ok": True, "result": outcome})

    def _error(self, call: Call, status: int, description: str, **parameters: Any) -> web.Response:
        call.status = status
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _api_getMe(self, call: Call) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Outreach",
            "username": "outreach_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, call: Call) -> list[dict[str, Any]]:
        offset = int(call.params.get("offset") or 0)
        if not self.acks_lost:
            # Telegram forgets what an offset confirms (unless we play a crash before that).
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        wait = min(float(call.params.get("timeout") or 0), 0.5)
        if not self._pending(offset) and wait and not self._closing:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=wait)
        return self._pending(offset)

    def _pending(self, offset: int) -> list[dict[str, Any]]:
        return [update for update in self._updates if update["update_id"] >= offset]

    async def _api_deleteWebhook(self, call: Call) -> bool:
        return True

    async def _api_setWebhook(self, call: Call) -> bool | web.Response:
        if not str(call.params.get("url", "")).startswith(("https://", "http://127.0.0.1")):
            return self._error(
                call, 400, "Bad Request: bad webhook: An HTTPS URL must be provided"
            )
        return True

    async def _api_setMyCommands(self, call: Call) -> bool:
        return True

    async def _api_sendMessage(self, call: Call) -> dict[str, Any] | web.Response:
        chat_id = call.params["chat_id"]
        text = call.params.get("text", "")
        if self.flood and self.flood_after > 0:
            self.flood_after -= 1
        elif self.flood:
            return self._error(
                call,
                429,
                "Too Many Requests: retry after 1",
                retry_after=self.flood.pop(0),
            )
        if self.sending_down:
            return self._error(call, 502, "Bad Gateway")
        if chat_id in self.blocked:
            return self._error(call, 403, "Forbidden: bot was blocked by the user")
        if "parse_mode" in call.params and MARKUP_RE.search(text):
            return self._error(call, 400, "Bad Request: can't parse entities")
        if not text.strip() or len(text.encode("utf-16-le")) // 2 > 4096:
            return self._error(call, 400, "Bad Request: message text is empty or too long")
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Outreach"},
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "date": int(time.time()),
            "text": text,
        }
        if "reply_markup" in call.params:
            message["reply_markup"] = call.params["reply_markup"]
        return message

    async def _api_editMessageReplyMarkup(self, call: Call) -> dict[str, Any]:
        return {
            "message_id": call.params["message_id"],
            "chat": {"id": call.params["chat_id"], "type": "private"},
            "date": int(time.time()),
            "text": "",
        }

    async def _api_answerCallbackQuery(self, call: Call) -> bool:
        return True

    async def _api_getFile(self, call: Call) -> dict[str, Any] | web.Response:
        file_id = str(call.params.get("file_id", ""))
        if file_id not in self.files:
            return self._error(
                call, 400, "Bad Request: wrong file_id or the file is temporarily unavailable"
            )
        return {
            "file_id": file_id,
            "file_unique_id": f"u{abs(hash(file_id))}",
            "file_size": len(self.files[file_id]),
            "file_path": f"files/{file_id}",
        }

    async def _download(self, request: web.Request) -> web.Response:
        """``GET /file/bot<token>/<file_path>``, as api.telegram.org serves a file."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].removeprefix("files/")
        self.downloads.append(file_id)
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")
