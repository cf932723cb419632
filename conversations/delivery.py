"""Show an Outcome in a chat within Telegram's limits (4096 characters, answered callbacks)."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.screens import Outcome, Screen
from bot.survey import SurveyService
from bot.text import split_text

log = logging.getLogger(__name__)
MESSAGE_LIMIT = 4096


def keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    if not screen.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
                                 for row in screen.buttons])


def message_ref(message: Message) -> str:
    return f"{message.chat_id}:{message.message_id}"


async def deliver(bot: ExtBot[None], chat_id: int, user_id: int, outcome: Outcome,
                  survey: SurveyService, query: CallbackQuery | None = None) -> None:
    if query is not None:
        try:
            await query.answer(text=outcome.toast)
        except BadRequest as exc:  # e.g. "query is too old" after downtime: the rest still matters
            log.info("could not answer a callback query: %s", exc.message)
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
            await bot.send_message(chat_id, chunk)
        sent = await bot.send_message(chat_id, chunks[-1], reply_markup=keyboard(screen))
        if screen.prompt:
            await survey.remember_prompt(user_id, message_ref(sent))


async def _edit(bot: ExtBot[None], chat_id: int, message_id: int, screen: Screen | None) -> None:
    """Best effort: an old message may be gone or unchanged; that never stops the conversation."""
    try:
        if screen is None:
            await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        else:
            await bot.edit_message_text(split_text(screen.text, MESSAGE_LIMIT)[0], chat_id, message_id,
                                        reply_markup=keyboard(screen))
    except BadRequest as exc:
        log.debug("could not edit message %s: %s", message_id, exc.message)
