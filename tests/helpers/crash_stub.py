"""The stub Bot API with trap doors for crash tests.

`TrappingBotAPI` is the ordinary `StubBotAPI` plus:

- a `Trap`: the bot process is killed at an exact call, either *before* the stub handles it
  (the request is lost: a message that was never delivered) or *after* (Telegram did the work,
  the bot never read the answer: a delivered message whose id the bot never learnt);
  `fetch` traps fire when a getUpdates answer carries updates, before the bot can read them;
- a record of which updates really reached a live bot (`delivered`);
- `hold(chats)` / `let_go()`: calls about those chats wait until let go (a reply that hangs in
  Telegram, so that the user's next update waits behind it).

The kill itself is a callback (`on_trap`) so the test decides what a kill means.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from tests.helpers.bot_api_stub import Call, StubBotAPI

T = TypeVar("T")
CHAT_METHODS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument",
                          "sendPhoto"})


@dataclass
class Trap:
    """Where to kill: the `skip`+1-th call of one of `methods` (to a chat `chat` accepts)."""

    methods: frozenset[str]
    before: bool = False  # True: the call is lost; False: handled, but its answer never read
    fetch: bool = False  # getUpdates only: fire when the answer carries at least one update
    chat: Callable[[int], bool] = lambda _chat: True
    skip: int = 0
    fired: Call | None = None

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if method not in self.methods:
            return False
        chat_id = params.get("chat_id")
        return chat_id is None or self.chat(int(chat_id))


class TrappingBotAPI(StubBotAPI):
    def __init__(self, token: str = "123456:TEST-TOKEN") -> None:
        super().__init__(token)
        self.trap: Trap | None = None
        self.on_trap: Callable[[Trap], None] = lambda _trap: None
        self.delivered: set[int] = set()  # update ids handed to a live bot
        self._gate: asyncio.Event | None = None
        self._held: set[int] = set()
        self._to_hold: int | None = None
        self.waiting_at_gate: set[int] = set()  # chats with a call waiting

    def hold(self, chats: set[int], calls: int | None = None) -> None:
        """Calls about `chats` wait until `let_go()`; with `calls`, only that many (the rest pass)."""
        self._gate, self._held, self._to_hold = asyncio.Event(), set(chats), calls

    async def let_go(self) -> None:
        if self._gate is not None:
            self._gate.set()
        self._gate, self._held = None, set()
        await self.wake()

    # -- traps -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return await super()._handle(request)
        method = request.match_info["method"]
        params = self._decode(method, dict(await request.post()))  # aiohttp caches the parsed form
        gate, chat = self._gate, params.get("chat_id")
        if gate is not None and chat is not None and int(chat) in self._held and self._to_hold != 0:
            if self._to_hold is not None:
                self._to_hold -= 1
            self.waiting_at_gate.add(int(chat))
            await self.wake()
            try:
                await gate.wait()
            finally:
                self.waiting_at_gate.discard(int(chat))
        trap = self.trap
        if trap is not None and trap.before and not trap.fetch and trap.matches(method, params):
            if trap.skip > 0:
                trap.skip -= 1
            else:
                self._spring(trap, Call(method, params))
                return web.Response(status=502)
        response = await super()._handle(request)
        live = request.transport is not None and not request.transport.is_closing()
        if method == "getUpdates":
            ids = _update_ids(response)
            if ids and live:
                if trap is not None and trap.fetch and self.trap is trap:
                    self._spring(trap, Call(method, {"update_ids": ids}))  # they never arrive
                else:
                    self.delivered.update(ids)
                await self.wake()  # for those waiting until an update reached the bot
            return response
        if trap is not None and self.trap is trap and not trap.before and not trap.fetch \
                and trap.matches(method, params):
            if trap.skip > 0:
                trap.skip -= 1
            else:
                self._spring(trap, Call(method, params))
        return response

    def _spring(self, trap: Trap, call: Call) -> None:
        self.trap = None
        trap.fired = call
        self.on_trap(trap)  # kills the bot before this answer is written

    # -- reading the record ------------------------------------------------------------------

    def sender(self, update_id: int) -> int | None:
        """Who sent an update (updates are numbered from 1 in push order)."""
        if not 1 <= update_id <= len(self.updates):
            return None
        update = self.updates[update_id - 1]
        assert update["update_id"] == update_id
        body = update.get("message") or update.get("callback_query") or {}
        sender = body.get("from") or {}
        return int(sender["id"]) if "id" in sender else None

    def chat_calls(self, chat_id: int, start: int = 0, end: int | None = None) -> list[Call]:
        """The bot's calls that change what chat `chat_id` shows, from index start to end."""
        return [c for c in self.calls[start:end]
                if c.method in CHAT_METHODS and int(c.params.get("chat_id", 0)) == chat_id]


def _update_ids(response: web.StreamResponse) -> list[int]:
    if not isinstance(response, web.Response) or response.text is None:
        return []
    try:
        body = json.loads(response.text)
    except ValueError:
        return []
    result = body.get("result") if isinstance(body, dict) else None
    if not isinstance(result, list):
        return []
    return [int(u["update_id"]) for u in result if isinstance(u, dict) and "update_id" in u]
