"""Thin handlers: who and what from the update, one survey call, the outcome shown.

Registration order matters: commands, then button taps, then typed text, then everything
else a user can send in a private chat (stickers, photos, voice notes ...), which gets a
polite re-ask. An edited message gets a short note that edits are not read. Groups and
channels are ignored: the survey is one person's, in private.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.kernel.actions import Kind
from bot.kernel.outcome import Outcome
from bot.partners.invites import PREFIX as INVITE_PREFIX
from bot.partners.service import PARTNER_COMMANDS
from bot.services import Services
from bot.staff.service import STAFF_COMMANDS
from bot.survey.turns import Visitor
from conversations.context import BotApplication, BotContext
from conversations.delivery import answer_tap, deliver
from conversations.menus import Housekeeping

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
EDITED = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE

Command = Callable[[Services, Visitor], Awaitable[Outcome]]
COMMANDS: dict[str, Command] = {
    "start": lambda s, v: s.survey.start(v),
    "help": lambda s, v: s.survey.help(v),
    "answers": lambda s, v: s.survey.show_answers(v),
    "suggestions": lambda s, v: s.suggestions.show(v),
    "settings": lambda s, v: s.suggestions.settings(v),
    "language": lambda s, v: s.survey.choose_language(v),
    "delete": lambda s, v: s.survey.ask_delete(v),
    "mydata": lambda s, v: s.privacy.my_data(v),
    "privacy": lambda s, v: s.privacy.show(v),
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
    keeper: Housekeeping | None = context.application.bot_data.get("housekeeping")
    if outcome.menu_language is not None and keeper is not None and chat.type == "private":
        await keeper.person(chat.id, user.id, outcome.menu_language)


def _command(name: str, method: Command) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    async def handle(update: Update, context: BotContext) -> None:
        services, who = context.services, visitor(update)
        if name == "start" and context.args and context.args[0].startswith(INVITE_PREFIX):
            takes_part = await services.store.current_submission(who.user_id) is not None
            outcome = await services.partners.start(who, context.args[0], services.staff.is_staff(who.user_id),
                                                    takes_part)
        elif services.partners.knows(who.user_id):  # a partner contact: never the survey
            outcome = await services.partners.command(who, name)
        else:
            outcome = await method(services, who)
        await _show(update, context, outcome)
    return handle


async def _partner_contact(update: Update, context: BotContext) -> bool:
    """Anything else a partner contact sends gets their help; True when it was one."""
    who = visitor(update)
    if not context.services.partners.knows(who.user_id):
        return False
    await _show(update, context, await context.services.partners.command(who, "other"))
    return True


def _staff_chat(update: Update, context: BotContext) -> bool:
    """Staff work in a private chat with the bot or in the configured staff group."""
    chat = update.effective_chat
    return chat is not None and (chat.type == "private" or chat.id == context.services.settings.staff_chat_id)


def _staff_command(name: str) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    async def handle(update: Update, context: BotContext) -> None:
        chat = update.effective_chat
        if chat is None or not _staff_chat(update, context):
            return
        argument = " ".join(context.args or [])
        await _show(update, context, await context.services.staff.command(visitor(update), chat.id, name, argument))
    return handle


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    message = query.message  # may be an InaccessibleMessage (too old): the tap still counts
    if message is None or not _staff_chat(update, context):
        await answer_tap(query)
        return
    if (query.data or "").startswith(Kind.STAFF.value + ":"):
        await _show(update, context, await context.services.staff.press(visitor(update), message.chat.id, query.data))
        return
    if message.chat.type != "private":
        await answer_tap(query)
        return
    if message.chat.id != query.from_user.id:  # a private chat is its user's; this tap is forged
        await _show(update, context, await context.survey.press(visitor(update), None))  # a toast only
        return
    if (query.data or "").startswith(Kind.PARTNER.value + ":") or context.services.partners.knows(query.from_user.id):
        await _show(update, context, await context.services.partners.press(visitor(update), query.data,
                                                                            query.from_user.full_name))
        return
    ref = f"{message.chat.id}:{message.message_id}"
    await _show(update, context, await context.survey.press(visitor(update), query.data, ref))


async def on_text(update: Update, context: BotContext) -> None:
    assert update.message is not None and update.message.text is not None
    staff = context.services.staff
    if await staff.has_flow(visitor(update).user_id):
        await _show(update, context, await staff.text(visitor(update), update.message.chat_id, update.message.text))
        return
    if await _partner_contact(update, context):
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
    if await _partner_contact(update, context):
        return
    await _show(update, context, await context.survey.unsupported(visitor(update)))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    if await _partner_contact(update, context):
        return
    await _show(update, context, await context.survey.help(visitor(update)))


async def on_edited(update: Update, context: BotContext) -> None:
    if await _partner_contact(update, context):
        return
    await _show(update, context, await context.survey.edited(visitor(update)))


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
        await context.bot.send_message(chat.id, t.gettext(
            "Sorry, something went wrong. Your answers are safe; please try again."))
    except TelegramError as exc:
        log.warning("could not tell user %s about the error: %s", user.id, exc.message)
    except Exception:  # the error report itself must never raise
        log.exception("could not tell the user about the error")


def register(application: BotApplication) -> None:
    for name, method in COMMANDS.items():
        application.add_handler(CommandHandler(name, _command(name, method), filters=PRIVATE))
    for name in PARTNER_COMMANDS:  # anyone else gets the help, as for any unknown command
        application.add_handler(CommandHandler(name, _command(name, lambda s, v: s.survey.help(v)), filters=PRIVATE))
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    for name in STAFF_COMMANDS:
        application.add_handler(CommandHandler(name, _staff_command(name), filters=PRIVATE | groups))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, on_unknown_command))
    application.add_handler(MessageHandler(PRIVATE & filters.TEXT, on_text))
    application.add_handler(MessageHandler(PRIVATE, on_other))
    application.add_handler(MessageHandler(EDITED, on_edited))
    application.add_handler(MessageHandler(groups & filters.TEXT & ~filters.COMMAND, on_staff_group_text))
    application.add_error_handler(on_error)
