"""Show an Outcome in a chat within Telegram's limits (4096 UTF-16 units, 64-byte button data,
answered callbacks).

When Telegram has trouble: a 429 means the message was not taken, so the same message is sent
again after the pause Telegram asks for. Any other failure of a message is not repeated (after a
timeout or a 5xx it may have arrived) and ends the reply; the answer is already saved, and the
user's next message or /start shows the question again. Answering the tap and editing earlier
messages are cosmetic: their failure never keeps the next question from being sent.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.kernel.outcome import Button, Outcome, Screen
from bot.kernel.text import split_text
from bot.survey.service import SurveyService

log = logging.getLogger(__name__)
MESSAGE_LIMIT = 4096  # UTF-16 code units (bot.kernel.text.units)
CALLBACK_DATA_LIMIT = 64  # bytes
RETRIES = 3  # a reply refused with 429 is sent again after the pause, at most this often
LONGEST_WAIT = 60.0  # seconds; a longer pause asked for ends the reply (its answer is saved)

T = TypeVar("T")


def retry_after_seconds(exc: RetryAfter) -> float:
    wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


async def patiently(call: Callable[[], Awaitable[T]]) -> T:
    """Telegram guarantees a message refused with 429 was not delivered: wait as told, then
    send the same one again."""
    attempts = 0
    while True:
        try:
            return await call()
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)
            attempts += 1
            if attempts > RETRIES or seconds > LONGEST_WAIT:
                raise
            log.warning("Telegram asks to wait %s s; the reply waits", seconds)
            await asyncio.sleep(seconds)


def keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    """The screen's buttons as Telegram takes them. A button Telegram would refuse (an empty
    label, callback data outside 1-64 bytes) is left out and logged: the message, and every
    other button, still reach the user."""
    rows = [[InlineKeyboardButton(b.label, callback_data=b.action) for b in row if _sendable(b)]
            for row in screen.buttons]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def _sendable(button: Button) -> bool:
    if button.label.strip() and 1 <= len(button.action.encode()) <= CALLBACK_DATA_LIMIT:
        return True
    log.error("a button Telegram would refuse was left out: label %r, %d bytes of data",
              button.label, len(button.action.encode()))
    return False


def message_ref(message: Message) -> str:
    return f"{message.chat_id}:{message.message_id}"


async def deliver(bot: ExtBot[None], chat_id: int, user_id: int, outcome: Outcome,
                  survey: SurveyService, query: CallbackQuery | None = None) -> None:
    if query is not None:
        await answer_tap(query, outcome.toast)
        source = query.message if isinstance(query.message, Message) else None
        if source is not None and outcome.source is not None:
            await _edit(bot, source.chat_id, source.message_id, outcome.source)
        elif source is not None and outcome.source_closed and source.reply_markup:
            await _edit(bot, source.chat_id, source.message_id, None)
    for edit in outcome.edits:
        ref_chat, _, ref_message = edit.ref.partition(":")
        if ref_chat.lstrip("-").isdigit() and ref_message.isdigit():
            await _edit(bot, int(ref_chat), int(ref_message), edit.screen)
    for screen in outcome.messages:
        chunks = split_text(screen.text, MESSAGE_LIMIT)
        for chunk in chunks[:-1]:
            await patiently(functools.partial(bot.send_message, chat_id, chunk))
        sent = await patiently(functools.partial(bot.send_message, chat_id, chunks[-1],
                                                 reply_markup=keyboard(screen)))
        if screen.prompt:
            await survey.remember_prompt(user_id, message_ref(sent))
    for document in outcome.documents:
        await patiently(functools.partial(
            bot.send_document, chat_id, InputFile(document.content, filename=document.filename),
            caption=document.caption))


async def answer_tap(query: CallbackQuery, toast: str | None = None) -> None:
    """Stop the spinner on the tapped button (best effort: a repeated update's tap is answered already)."""
    await _best_effort(functools.partial(query.answer, text=toast), "answer a button tap")


async def _edit(bot: ExtBot[None], chat_id: int, message_id: int, screen: Screen | None) -> None:
    """Best effort: an old message may be gone or unchanged; that never stops the conversation."""
    if screen is None:
        edit = functools.partial(bot.edit_message_reply_markup, chat_id, message_id, reply_markup=None)
    else:
        edit = functools.partial(bot.edit_message_text, split_text(screen.text, MESSAGE_LIMIT)[0], chat_id,
                                 message_id, reply_markup=keyboard(screen))
    await _best_effort(edit, f"edit message {message_id}")


async def _best_effort(call: Callable[[], Awaitable[object]], what: str) -> None:
    """A refused, timed-out or failed (5xx) edit or tap answer is logged and the reply goes on
    (repeating it is harmless, but the next question matters more). A 429 is waited out; a
    blocked bot (Forbidden) or a 429 too long to wait still ends the reply."""
    try:
        await patiently(call)
    except BadRequest as exc:  # an old message gone or unchanged, a tap answered too late
        log.debug("could not %s: %s", what, exc.message)
    except NetworkError as exc:  # a timeout or a 5xx
        log.warning("could not %s: %s", what, exc.message)
