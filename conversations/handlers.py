"""Thin handlers: who acts (their role, decided once), what they did, the routing table's
capability for it, the outcome shown.

Every command and button goes through `bot.kernel.routes`: a role the table does not allow gets
the polite refusal and reaches no capability. Registration order matters: commands, then button
taps, then typed text, then everything else a user can send in a private chat (stickers,
photos, voice notes ...), which gets a polite re-ask. An edited message gets a short note that
edits are not read. Groups other than the staff group are ignored; in the staff group only
staff count.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.kernel.outcome import Outcome
from bot.kernel.routes import ROUTES, Role, role_of
from bot.services import Services
from bot.survey.menu import APOLOGY
from bot.survey.turns import Visitor
from conversations.context import BotApplication, BotContext
from conversations.delivery import answer_tap, deliver
from conversations.menus import Housekeeping

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
EDITED = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE

def visitor(update: Update) -> Visitor:
    user = update.effective_user
    assert user is not None
    return Visitor(user_id=user.id, language_code=user.language_code, event_id=update.update_id)


def role(update: Update, context: BotContext) -> Role:
    """Who is acting, decided once per update before any capability sees it."""
    chat, user = update.effective_chat, update.effective_user
    services = context.services
    if chat is None or user is None:
        return Role.STRANGER
    return role_of(private=chat.type == "private", staff_chat=chat.id == services.settings.staff_chat_id,
                   staff=services.staff.is_staff(user.id), contact=services.partners.contact_state(user.id))


async def _show(update: Update, context: BotContext, outcome: Outcome | None) -> None:
    """`None`: the router says nothing (a stranger in a group)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or outcome is None:
        return
    await deliver(context.bot, chat.id, user.id, outcome, context.survey, update.callback_query)
    keeper: Housekeeping | None = context.application.bot_data.get("housekeeping")
    if outcome.menu_language is not None and keeper is not None and chat.type == "private":
        await keeper.person(chat.id, user.id, outcome.menu_language)


def _command(name: str) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    async def handle(update: Update, context: BotContext) -> None:
        chat = update.effective_chat
        assert chat is not None
        argument = " ".join(context.args or [])
        outcome = await context.services.router.command(visitor(update), role(update, context), chat.id, name,
                                                        argument)
        await _show(update, context, outcome)
    return handle


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    message = query.message  # may be an InaccessibleMessage (too old): the tap still counts
    router, who = context.services.router, visitor(update)
    if message is None:
        await answer_tap(query)
        return
    if message.chat.type == "private" and message.chat.id != query.from_user.id:
        # a private chat is its user's: this tap is forged
        await _show(update, context, await router.forged(who))
        return
    outcome = await router.press(who, role(update, context), message.chat.id, query.data,
                                 f"{message.chat.id}:{message.message_id}", query.from_user.full_name)
    if outcome is None:
        await answer_tap(query)
        return
    await _show(update, context, outcome)


async def on_text(update: Update, context: BotContext) -> None:
    assert update.message is not None and update.message.text is not None
    outcome = await context.services.router.text(visitor(update), role(update, context), update.message.chat_id,
                                                  update.message.text)
    await _show(update, context, outcome)


async def on_other(update: Update, context: BotContext) -> None:
    await _show(update, context, await context.services.router.other(visitor(update), role(update, context)))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    await _show(update, context, await context.services.router.command(visitor(update), role(update, context),
                                                                       chat.id, ""))


async def on_edited(update: Update, context: BotContext) -> None:
    await _show(update, context, await context.services.router.edited(visitor(update), role(update, context)))


async def on_error(update: object, context: BotContext) -> None:
    """Log it; tell the user their answers are safe; never leave a button spinning.

    When Telegram itself failed, the answer is saved all the same and no apology is tried where
    it cannot help: a user who blocked the bot is marked and gets nothing more; after a 429 (too
    long to wait) or a timeout (the reply most likely arrived) the user's next message or /start
    shows the question again."""
    error = context.error
    if not isinstance(update, Update) or update.effective_user is None:
        log.error("error while handling an update", exc_info=error)
        return
    user, chat = update.effective_user, update.effective_chat
    if isinstance(error, Forbidden):
        log.info("user %s cannot be written to: %s", user.id, error.message)
        if chat is not None and chat.id == user.id:  # their private chat, not a group that removed the bot
            await _mark_blocked(context, user.id)
        return
    if isinstance(error, RetryAfter | TimedOut):
        log.warning("reply to user %s not confirmed: %s", user.id, error)
        return
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):  # 5xx, connection lost
        log.warning("reply to user %s failed: %s", user.id, error.message)
    else:
        log.error("error while handling an update", exc_info=error)
    await _apologise(update, context)


async def _mark_blocked(context: BotContext, user_id: int) -> None:
    services: Services | None = context.application.bot_data.get("services")
    if services is None:
        return
    try:
        async with services.store.transaction():
            await services.store.set_blocked(user_id, True)
    except Exception:
        log.exception("could not mark user %s as blocked", user_id)


async def _apologise(update: Update, context: BotContext) -> None:
    """The button stops spinning; the user hears their answers are safe, in their language,
    unless they blocked the bot."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    if update.callback_query is not None:
        try:
            await update.callback_query.answer()
        except TelegramError as exc:  # answered already before the error
            log.debug("could not answer the button tap: %s", exc.message)
    services: Services | None = context.application.bot_data.get("services")
    if services is None or chat is None:
        return
    try:
        stored = await services.store.user(user.id)
        if stored is not None and stored.blocked_at is not None:
            return
        language = stored.language if stored else services.catalogs.negotiate(user.language_code)
        t = services.catalogs.translator(language)
        await context.bot.send_message(chat.id, t.gettext(APOLOGY))
    except TelegramError as exc:
        log.warning("could not tell user %s about the error: %s", user.id, exc.message)
    except Exception:  # the error report itself must never raise
        log.exception("could not tell the user about the error")


def register(application: BotApplication) -> None:
    """Every command of the routing table, button taps, typed text, anything else in a private
    chat, edits; typed text in groups (the staff group's guided conversations)."""
    commands = sorted({r.key[1:] for r in ROUTES if r.key.startswith("/") and " " not in r.key})
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    for name in commands:
        application.add_handler(CommandHandler(name, _command(name), filters=PRIVATE | groups))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, on_unknown_command))
    application.add_handler(MessageHandler(PRIVATE & filters.TEXT, on_text))
    application.add_handler(MessageHandler(PRIVATE, on_other))
    application.add_handler(MessageHandler(EDITED, on_edited))
    application.add_handler(MessageHandler(groups & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_error_handler(on_error)
