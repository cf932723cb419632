"""A local HTTP server that plays the Telegram Bot API for python-telegram-bot, as strictly as
Telegram does.

It keeps the chat state a phone would show (messages, their texts and keyboards), hands out
updates through real long polling with Telegram's offset rule (an update is delivered again
until a later getUpdates confirms it), and records every call for assertions.

Every call is checked before it takes effect against the Bot API's own description
(`tests/helpers/bot_api/spec.json`: methods, parameter names, types, required ones) and the
limits Telegram states (`tests/helpers/bot_api/limits.py`), and refused with Telegram's answer:
a `ckb` menu, 65 bytes of callback data, a 4,097-unit text, an edit that changes nothing, a tap
answered more than `QUERY_WINDOW` seconds after it was made (on the stub's clock, which a test
moves with `advance`), a message to a user who blocked the bot. What it refused is in
`refused`; a method it does not know is in `unknown` (the `bot_api` fixture fails the test).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from tests.helpers.bot_api import checks

T = TypeVar("T")

BOT_ID = 999000111
QUERY_WINDOW = 10.0  # seconds Telegram waits for answerCallbackQuery (reports say 10-15)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None
    from_bot: bool

    def buttons(self) -> list[dict[str, str]]:
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]

    def as_json(self, user: dict[str, Any] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id, "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private", "first_name": "Test"},
            "text": self.text,
        }
        data["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "MSO Assistant",
                        "username": "msobot_test_bot"} if self.from_bot else user
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data


class StubBotAPI:
    def __init__(self, token: str = "123456:TEST-TOKEN") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.updates: list[dict[str, Any]] = []
        self.confirmed_offset = 0
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.faults: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.polls_released = False
        self.documents: list[tuple[int, str, bytes, str | None]] = []  # chat, filename, content, caption
        self.photos: list[tuple[int, str, bytes]] = []  # chat, filename, content
        self.drop_connections: set[int] = set()  # numbers of send calls whose connection is cut
        self.enforce_limits = False  # answer 429 like Telegram when sends come too fast
        self.too_fast = 0
        self._sends = 0
        self._recent: list[float] = []
        self._chat_last: dict[int, float] = {}
        self.slow_chats: dict[int, float] = {}  # seconds before answering any call about this chat
        # method -> delays: the next such calls take effect at once but are answered only after
        # this many seconds (a client that gave up meanwhile saw a timeout for a delivered message)
        self.late_answers: dict[str, list[float]] = {}
        self._answered_queries: set[str] = set()
        self._query_times: dict[str, float] = {}  # callback query id -> when it was tapped
        self.clock_offset = 0.0  # seconds the stub's clock is ahead of time.monotonic()
        self.refused: list[tuple[str, dict[str, Any], str]] = []  # method, params, Telegram's answer
        self.unknown: list[str] = []  # methods the bot called that the stub does not know
        self.blocked: set[int] = set()  # users who blocked the bot: sending to them is refused
        self.menus: dict[tuple[str, int | None, str], list[dict[str, str]]] = {}  # scope, chat, language
        self.descriptions: dict[tuple[str, str], str] = {}  # (description|short, language) -> text

    # -- server ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base_url python-telegram-bot takes (it appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self.wake()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wake(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def release_polls(self, released: bool = True) -> None:
        """Answer long polls at once (so a bot under test stops quickly)."""
        self.polls_released = released
        await self.wake()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"},
                                     status=401)
        method = request.match_info["method"]
        params = self._decode(method, dict(await request.post()))
        delay = self.slow_chats.get(params.get("chat_id"), 0.0)  # type: ignore[arg-type]
        if delay:
            await asyncio.sleep(delay)
        if method in ("sendMessage", "sendDocument", "sendPhoto"):
            self._sends += 1
            if self._sends in self.drop_connections:
                assert request.transport is not None
                request.transport.close()  # before processing: the message is not delivered
                return web.Response(status=500)
            if self.enforce_limits and (wait := self._over_limit(int(params["chat_id"]))):
                self.too_fast += 1
                return web.json_response({"ok": False, "error_code": 429, "description":
                                          f"Too Many Requests: retry after {wait}",
                                          "parameters": {"retry_after": wait}}, status=429)
        fault = self.faults.get(method)
        handler = getattr(self, f"_api_{method}", None)
        # A call becomes visible to waiting tests once its effect is stored (a sent message is
        # in the chat), so a test woken by it never reads the chat a moment too early. A long
        # poll, a fault and an unknown method are visible at once.
        early = method == "getUpdates" or bool(fault) or handler is None
        if early:
            await self._record(method, params)
        if fault:
            status, body = fault.pop(0)
            return web.json_response(body, status=status)
        refusal = checks.refusal(method, params) or self._state_refusal(method, params)
        if handler is None and refusal is None:
            refusal = checks.Refusal(404, "Not Found: method not found")
        if refusal is not None:
            if refusal.status == 404:
                self.unknown.append(method)
            return await self._refuse(method, params, refusal, recorded=early)
        assert handler is not None
        try:
            result = await handler(params)
        except _ApiError as exc:
            return await self._refuse(method, params, checks.Refusal(400, exc.args[0]), recorded=early)
        if not early:
            await self._record(method, params)
        if self.late_answers.get(method):
            await asyncio.sleep(self.late_answers[method].pop(0))
        return web.json_response({"ok": True, "result": result})

    async def _refuse(self, method: str, params: dict[str, Any], refusal: checks.Refusal,
                      recorded: bool) -> web.Response:
        self.refused.append((method, params, refusal.description))
        if not recorded:
            await self._record(method, params)
        return web.json_response(refusal.body(), status=refusal.status)

    def _state_refusal(self, method: str, params: dict[str, Any]) -> checks.Refusal | None:
        """What Telegram refuses because of what happened before: a blocked user."""
        chat = params.get("chat_id")
        if method.startswith("send") and isinstance(chat, int) and chat in self.blocked:
            return checks.Refusal(403, "Forbidden: bot was blocked by the user")
        return None

    def now(self) -> float:
        """The stub's clock: time.monotonic() plus what tests moved it on by."""
        return time.monotonic() + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Time passes for Telegram (taps grow old) while the bot sleeps or restarts."""
        self.clock_offset += seconds

    async def _record(self, method: str, params: dict[str, Any]) -> None:
        self.calls.append(Call(method, params))
        async with self._changed:
            self._changed.notify_all()

    def _over_limit(self, chat_id: int) -> int:
        """Telegram's limits: 30 messages a second overall, one a second per chat (with 5% slack)."""
        now = time.monotonic()
        self._recent = [t for t in self._recent if now - t < 1.0]
        if len(self._recent) >= 30 or now - self._chat_last.get(chat_id, -10.0) < 0.95:
            return 1
        self._recent.append(now)
        self._chat_last[chat_id] = now
        return 0

    @staticmethod
    def _decode(method: str, form: dict[str, Any]) -> dict[str, Any]:
        return checks.decode(method, form)

    # -- Bot API methods -------------------------------------------------------------------

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "MSO Assistant",
                "username": "msobot_test_bot", "can_join_groups": False,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        self.menus[self._menu_key(params)] = params["commands"]
        return True

    async def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self.menus.pop(self._menu_key(params), None)
        return True

    async def _api_setMyDescription(self, params: dict[str, Any]) -> bool:
        self.descriptions[("description", params.get("language_code") or "")] = params.get("description") or ""
        return True

    async def _api_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        self.descriptions[("short", params.get("language_code") or "")] = params.get("short_description") or ""
        return True

    @staticmethod
    def _menu_key(params: dict[str, Any]) -> tuple[str, int | None, str]:
        scope = params.get("scope") or {"type": "default"}
        return scope["type"], scope.get("chat_id"), params.get("language_code") or ""

    def menu(self, chat_id: int | None = None, language_code: str = "") -> list[dict[str, str]] | None:
        """The commands a chat's menu shows, as Telegram picks them: the chat's own menu, else the
        menu for private chats or the default one in the user's app language, else without one."""
        keys = [("chat", chat_id, language_code), ("chat", chat_id, "")] if chat_id is not None else []
        for kind in ("all_private_chats", "default"):
            keys += [(kind, None, language_code), (kind, None, "")]
        for key in keys:
            if key in self.menus:
                return self.menus[key]
        return None

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        """Like Telegram: a query is answered once, within QUERY_WINDOW seconds of the tap."""
        query_id = str(params["callback_query_id"])
        tapped = self._query_times.get(query_id)
        if query_id in self._answered_queries or tapped is None or self.now() - tapped > QUERY_WINDOW:
            raise _ApiError("Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._answered_queries.add(query_id)
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                pending = [u for u in self.updates if u["update_id"] >= self.confirmed_offset]
                left = deadline - time.monotonic()
                if pending or left <= 0 or self.polls_released:
                    return pending[: int(params.get("limit") or 100)]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text = str(params["text"])
        chat_id = int(params["chat_id"])
        message = StoredMessage(chat_id, next(self._message_ids), text, params.get("reply_markup"), True)
        self.messages[(chat_id, message.message_id)] = message
        return message.as_json()

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = params["document"]
        content = upload.file.read() if hasattr(upload, "file") else str(upload).encode()
        chat_id = int(params["chat_id"])
        caption = params.get("caption")
        self.documents.append((chat_id, getattr(upload, "filename", "file"), content, caption))
        message = StoredMessage(chat_id, next(self._message_ids), caption or "", None, True)
        self.messages[(chat_id, message.message_id)] = message
        data = message.as_json()
        data["document"] = {"file_id": f"doc{message.message_id}", "file_unique_id": f"u{message.message_id}",
                            "file_name": getattr(upload, "filename", "file")}
        return data

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = params["photo"]
        content = upload.file.read() if hasattr(upload, "file") else str(upload).encode()
        chat_id = int(params["chat_id"])
        self.photos.append((chat_id, getattr(upload, "filename", "photo"), content))
        message = StoredMessage(chat_id, next(self._message_ids), params.get("caption") or "", None, True)
        self.messages[(chat_id, message.message_id)] = message
        data = message.as_json()
        data["photo"] = [{"file_id": f"photo{message.message_id}", "file_unique_id": f"p{message.message_id}",
                          "width": 960, "height": 600}]
        return data

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        text = str(params["text"])
        markup = params.get("reply_markup")
        if text == message.text and markup == message.reply_markup:
            raise _ApiError("Bad Request: message is not modified")
        message.text, message.reply_markup = text, markup
        return message.as_json()

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        markup = params.get("reply_markup")
        if markup == message.reply_markup or (not markup and not message.reply_markup):
            raise _ApiError("Bad Request: message is not modified")
        message.reply_markup = markup
        return message.as_json()

    def _find(self, params: dict[str, Any]) -> StoredMessage:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise _ApiError("Bad Request: message to edit not found")
        return self.messages[key]

    # -- the user's side -------------------------------------------------------------------

    def user(self, user_id: int, language_code: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language_code:
            data["language_code"] = language_code
        return data

    async def push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        update["update_id"] = update_id
        if "callback_query" in update:  # Telegram's clock for answering it starts now
            self._query_times.setdefault(str(update["callback_query"]["id"]), self.now())
        self.updates.append(update)
        async with self._changed:
            self._changed.notify_all()
        return update_id

    async def send_message(self, user: dict[str, Any], text: str | None = None,
                           **content: Any) -> int:
        message_id = next(self._message_ids)
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()),
                                   "chat": {"id": user["id"], "type": "private",
                                            "first_name": user["first_name"]},
                                   "from": user, **content}
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self.push({"message": message})

    async def tap(self, user: dict[str, Any], message: StoredMessage, data: str) -> int:
        return await self.push({"callback_query": {
            "id": f"cq{len(self.updates)}", "from": user, "chat_instance": "1",
            "message": message.as_json(user), "data": data}})

    # -- waiting for the bot -----------------------------------------------------------------

    async def until(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        """The first non-None result of `check`, re-evaluated after every call, push and wake."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                result = check()
                if result is not None:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"waited {timeout:.0f} s for {what}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)

    async def wait_for(self, predicate: Any, since: int = 0, timeout: float = 10.0) -> Call:
        """The first call at index >= since that satisfies predicate."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                for call in self.calls[since:]:
                    if predicate(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    recent = [(c.method, str(c.params.get("text", ""))[:60]) for c in self.calls[since:]]
                    raise TimeoutError(f"the bot did not make the expected call; it made {recent}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)

    def chat(self, chat_id: int) -> list[StoredMessage]:
        return [m for (c, _), m in sorted(self.messages.items()) if c == chat_id]


class _ApiError(Exception):
    pass
