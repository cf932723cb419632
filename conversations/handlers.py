"""Thin handlers: who and what from the update, one survey call, the outcome shown.

Registration order matters: commands, then button taps, then typed text, then everything
else a user can send in a private chat (stickers, photos, voice notes ...), which gets a
polite re-ask. Groups and channels are ignored: the survey is one person's, in private.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.actions import Kind
from bot.screens import Outcome
from bot.services import Services
from bot.staff.service import STAFF_COMMANDS
from bot.survey import Visitor
from conversations.context import BotApplication, BotContext
from conversations.delivery import deliver

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

Command = Callable[[Services, Visitor], Awaitable[Outcome]]
COMMANDS: dict[str, Command] = {
    "start": lambda s, v: s.survey.start(v),
    "help": lambda s, v: s.survey.help(v),
    "answers": lambda s, v: s.survey.show_answers(v),
    "suggestions": lambda s, v: s.suggestions.show(v),
    "settings": lambda s, v: s.suggestions.settings(v),
    "language": lambda s, v: s.survey.choose_language(v),
    "delete": lambda s, v: s.survey.ask_delete(v),
}


def visitor(update: Update) -> Visitor:
    user = update.effective_user
    assert user is not None
    return Visitor(user_id=user.id, language_code=user.language_code, event_id=update.update_id)


async def _show(update: Update, context: BotContext, outcome: Outcome) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    await deliver(context.bot, chat.id, user.id, outcome, context.survey, update.callback_query)


def _command(method: Command) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    async def handle(update: Update, context: BotContext) -> None:
        await _show(update, context, await method(context.services, visitor(update)))
    return handle


def _staff_chat(update: Update, context: BotContext) -> bool:
    """Staff work in a private chat with the bot or in the configured staff group."""
    chat = update.effective_chat
    return chat is not None and (chat.type == "private" or chat.id == context.services.settings.staff_chat_id)


def _staff_command(name: str) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    async def handle(update: Update, context: BotContext) -> None:
        chat = update.effective_chat
        if chat is None or not _staff_chat(update, context):
            return
        await _show(update, context, await context.services.staff.command(visitor(update), chat.id, name))
    return handle


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    message = query.message  # may be an InaccessibleMessage (too old): the tap still counts
    if message is None or not _staff_chat(update, context):
        await query.answer()
        return
    if (query.data or "").startswith(Kind.STAFF.value + ":"):
        await _show(update, context, await context.services.staff.press(visitor(update), message.chat.id, query.data))
        return
    if message.chat.type != "private":
        await query.answer()
        return
    ref = f"{message.chat.id}:{message.message_id}"
    await _show(update, context, await context.survey.press(visitor(update), query.data, ref))


async def on_text(update: Update, context: BotContext) -> None:
    assert update.message is not None and update.message.text is not None
    staff = context.services.staff
    if await staff.has_flow(visitor(update).user_id):
        await _show(update, context, await staff.text(visitor(update), update.message.chat_id, update.message.text))
        return
    await _show(update, context, await context.survey.text(visitor(update), update.message.text))


async def on_staff_group_text(update: Update, context: BotContext) -> None:
    """In the staff group, only typed answers to a staff member's guided conversation count."""
    message = update.message
    if message is None or message.text is None or not _staff_chat(update, context):
        return
    if await context.services.staff.has_flow(visitor(update).user_id):
        await _show(update, context, await context.services.staff.text(visitor(update), message.chat_id, message.text))


async def on_other(update: Update, context: BotContext) -> None:
    await _show(update, context, await context.survey.unsupported(visitor(update)))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    await _show(update, context, await context.survey.help(visitor(update)))


async def on_error(update: object, context: BotContext) -> None:
    """Log it; tell the user their answers are safe; never leave a button spinning."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_user is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        services = context.application.bot_data.get("services")
        if services is not None and update.effective_chat is not None:
            user = await services.store.user(update.effective_user.id)
            language = user.language if user else services.catalogs.negotiate(
                update.effective_user.language_code)
            t = services.catalogs.translator(language)
            await context.bot.send_message(update.effective_chat.id, t.gettext(
                "Sorry, something went wrong. Your answers are safe; please try again."))
    except Exception:  # the error report itself must never raise
        log.exception("could not tell the user about the error")


def register(application: BotApplication) -> None:
    for name, method in COMMANDS.items():
        application.add_handler(CommandHandler(name, _command(method), filters=PRIVATE))
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    for name in STAFF_COMMANDS:
        application.add_handler(CommandHandler(name, _staff_command(name), filters=PRIVATE | groups))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, on_unknown_command))
    application.add_handler(MessageHandler(PRIVATE & filters.TEXT, on_text))
    application.add_handler(MessageHandler(PRIVATE, on_other))
    application.add_handler(MessageHandler(groups & filters.TEXT & ~filters.COMMAND, on_staff_group_text))
    application.add_error_handler(on_error)
