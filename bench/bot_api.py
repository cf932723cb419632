"""The Telegram Bot API played in memory, behind python-telegram-bot's own request interface.

A subclass of `telegram.request.BaseRequest` is what the real HTTP client (httpx) is to the
library: everything above it (encoding the parameters, parsing the JSON answer into Message
objects, error mapping) runs unchanged, but no socket is opened, so the figures measure the bot
and not the network. It keeps only what a phone needs to answer: the newest message with live
buttons per chat. With `limits` it answers 429 like Telegram when messages come too fast.

Every call is checked as the test suite's stub checks it (`tests/helpers/bot_api/checks.py`:
the Bot API's own description and Telegram's limits) and refused with Telegram's answer; what
was refused is counted in `refused` and the benchmark reports it (a run should show none).
"""

from __future__ import annotations

import io
import itertools
import json
import time
from collections import Counter, deque
from typing import IO, Any

from telegram.request import BaseRequest, RequestData

from tests.helpers.bot_api import checks

BOT_ID = 999000111
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "MSO Assistant", "username": "msobot_bench_bot"}
TOKEN = "123456:BENCH-TOKEN"
_SENDS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})


class Limits:
    """Telegram's limits as the test stub enforces them: 30 messages in any second overall,
    one a second per chat (with 5% slack for timer jitter)."""

    def __init__(self, per_second: int = 30, chat_interval: float = 0.95) -> None:
        self.per_second = per_second
        self.chat_interval = chat_interval
        self.recent: deque[float] = deque()
        self.chat_last: dict[int, float] = {}
        self.overall = 0  # 429s for the overall limit, and for the per-chat one
        self.per_chat = 0

    def wait(self, chat_id: int) -> int:
        """0 when the message may go now; else the seconds Telegram would ask to wait."""
        now = time.monotonic()
        while self.recent and now - self.recent[0] >= 1.0:
            self.recent.popleft()
        if len(self.recent) >= self.per_second:
            self.overall += 1
            return 1
        if now - self.chat_last.get(chat_id, -10.0) < self.chat_interval:
            self.per_chat += 1
            return 1
        self.recent.append(now)
        self.chat_last[chat_id] = now
        return 0


class StubRequest(BaseRequest):
    """Answers the Bot API methods the bot uses; records per chat what a user could tap."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits
        self.calls: Counter[str] = Counter()
        self.sent: Counter[tuple[int, str]] = Counter()  # (chat, method) of every message sent
        self.too_fast = 0
        self.delivered: list[tuple[int, str]] = []  # (chat, text) of every message sent, if recording
        self.record_texts = False
        self.first_sent: float | None = None  # time.monotonic() of the first and last message sent
        self.last_sent: float | None = None
        self.prompts: dict[int, dict[str, Any]] = {}  # chat -> newest bot message with buttons
        self.last: dict[int, dict[str, Any]] = {}  # chat -> newest bot message
        self._message_ids = itertools.count(1)
        self.refused: Counter[str] = Counter()  # method: Telegram's answer

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        api = url.rsplit("/", 1)[-1]
        self.calls[api] += 1
        # What the HTTP client would put on the wire: JSON-encoded parameters (and files).
        params: dict[str, str] = request_data.json_parameters if request_data is not None else {}
        wire: dict[str, Any] = dict(params)
        if request_data is not None and request_data.contains_files:
            for name, upload in request_data.multipart_data.items():  # encoding the upload is part of the work
                wire[name] = _Upload(upload[1])
        if api in _SENDS and self.limits is not None and (wait := self.limits.wait(int(params["chat_id"]))):
            self.too_fast += 1
            return 429, _encode({"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after "
                                 f"{wait}", "parameters": {"retry_after": wait}})
        refusal = checks.refusal(api, checks.decode(api, wire))
        if refusal is not None:
            self.refused[f"{api}: {refusal.description}"] += 1
            return refusal.status, _encode(refusal.body())
        result = self._answer(api, params)
        return 200, _encode({"ok": True, "result": result})

    def _answer(self, api: str, params: dict[str, str]) -> Any:
        if api == "getMe":
            return {**BOT_USER, "can_join_groups": False, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        if api in ("sendMessage", "sendDocument", "sendPhoto"):
            chat_id = int(params["chat_id"])
            self.sent[(chat_id, api)] += 1
            text = params.get("text") or params.get("caption") or ""
            if self.record_texts:
                self.delivered.append((chat_id, text))
            self.last_sent = time.monotonic()
            self.first_sent = self.first_sent or self.last_sent
            message = self._message(chat_id, next(self._message_ids), text, params.get("reply_markup"))
            self.last[chat_id] = message
            return message
        if api == "editMessageText":
            return self._message(int(params["chat_id"]), int(params["message_id"]), params["text"],
                                 params.get("reply_markup"))
        if api == "editMessageReplyMarkup":
            chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
            prompt = self.prompts.get(chat_id)
            markup = params.get("reply_markup")
            if prompt is not None and prompt["message_id"] == message_id:
                if markup:
                    prompt["reply_markup"] = json.loads(markup)
                else:
                    del self.prompts[chat_id]
            return self._message(chat_id, message_id, prompt["text"] if prompt else "", markup, keep=False)
        return True  # answerCallbackQuery, setMyCommands, deleteWebhook, ...

    def _message(self, chat_id: int, message_id: int, text: str, markup: str | None,
                 keep: bool = True) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "from": BOT_USER,
                                   "chat": {"id": chat_id, "type": "private", "first_name": f"MSO {chat_id}"},
                                   "text": text}
        if markup:
            message["reply_markup"] = json.loads(markup)
        if keep:
            prompt = self.prompts.get(chat_id)
            if markup and (prompt is None or prompt["message_id"] <= message_id):
                self.prompts[chat_id] = message
            elif prompt is not None and prompt["message_id"] == message_id:
                del self.prompts[chat_id]  # edited to a message without buttons
        return message


class _Upload:
    """An uploaded file as the checks read it (like aiohttp's FileField)."""

    def __init__(self, content: bytes | IO[bytes]) -> None:
        self.file = io.BytesIO(content if isinstance(content, bytes) else content.read())


def _encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()
