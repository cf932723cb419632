"""The outbox's way into Telegram: Parcels become API calls; Telegram's errors become the
outbox's five kinds (wait, unreachable, transient, refused, unconfirmed). Behind the bot's
`SendGate` its calls are marked bulk, so that they wait behind replies."""

from __future__ import annotations

from typing import Any

import httpx
from telegram import InputFile
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import ExtBot

from bot.kernel.text import split_text
from bot.outbox import Parcel, Rejected, RetryLater, Transient, Unconfirmed, Unreachable
from conversations.delivery import MESSAGE_LIMIT, keyboard, retry_after_seconds
from conversations.pacing import BULK

_GONE = ("chat not found", "user is deactivated", "bot was blocked", "user not found",
         "bot can't initiate conversation")


class TelegramTransport:
    def __init__(self, bot: ExtBot[Any]) -> None:
        self.bot = bot
        # python-telegram-bot refuses rate_limit_args on a bot without a rate limiter
        self.mark = BULK if bot.rate_limiter is not None else None

    async def send(self, chat_id: int, parcel: Parcel) -> None:
        try:
            await self._send(chat_id, parcel)
        except RetryAfter as exc:
            raise RetryLater(retry_after_seconds(exc)) from exc
        except Forbidden as exc:
            raise Unreachable(exc.message) from exc
        except BadRequest as exc:
            if any(text in exc.message.lower() for text in _GONE):
                raise Unreachable(exc.message) from exc
            raise Rejected(exc.message) from exc
        except ChatMigrated as exc:
            raise Rejected(exc.message) from exc
        except TimedOut as exc:
            if isinstance(exc.__cause__, httpx.ReadTimeout):  # sent, but no answer: most likely delivered
                raise Unconfirmed(exc.message) from exc
            raise Transient(exc.message) from exc  # not sent at all (no connection, pool full)
        except NetworkError as exc:  # 5xx answers, connections cut before an answer
            raise Transient(exc.message) from exc
        except TelegramError as exc:
            raise Transient(exc.message) from exc

    async def _send(self, chat_id: int, parcel: Parcel) -> None:
        if parcel.document is not None:
            document = parcel.document
            if document.mime_type.startswith("image/"):
                await self.bot.send_photo(chat_id, InputFile(document.content, filename=document.filename),
                                          caption=document.caption, rate_limit_args=self.mark)
                return
            await self.bot.send_document(
                chat_id, InputFile(document.content, filename=document.filename),
                caption=document.caption, rate_limit_args=self.mark)
            return
        assert parcel.screen is not None
        chunks = split_text(parcel.screen.text, MESSAGE_LIMIT)
        for chunk in chunks[:-1]:
            await self.bot.send_message(chat_id, chunk, rate_limit_args=self.mark)
        await self.bot.send_message(chat_id, chunks[-1], reply_markup=keyboard(parcel.screen),
                                    rate_limit_args=self.mark)
