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
from bot.kernel.routes import PROPOSING, ROUTES, STAFF_COMMANDS, Capability, Role, button_key, find, role_of
from bot.partners.invites import PREFIX as INVITE_PREFIX
from bot.services import Services
from bot.survey.members import PREFIX as MEMBER_PREFIX
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


async def _show(update: Update, context: BotContext, outcome: Outcome) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    await deliver(context.bot, chat.id, user.id, outcome, context.survey, update.callback_query)
    keeper: Housekeeping | None = context.application.bot_data.get("housekeeping")
    if outcome.menu_language is not None and keeper is not None and chat.type == "private":
        await keeper.person(chat.id, user.id, outcome.menu_language)


def _command(name: str) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    async def handle(update: Update, context: BotContext) -> None:
        chat = update.effective_chat
        assert chat is not None
        services, who, acting = context.services, visitor(update), role(update, context)
        arguments = context.args or []
        invitation = name == "start" and bool(arguments) and arguments[0].startswith(INVITE_PREFIX)
        membership = name == "start" and bool(arguments) and arguments[0].startswith(MEMBER_PREFIX)
        key = "/start invitation" if invitation else "/start membership" if membership else f"/{name}"
        route = find(key, acting)
        if route is None:
            await _refuse_command(update, context, name, acting)
            return
        if route.capability is Capability.INVITATION:
            takes_part = await services.store.takes_part(who.user_id)
            outcome = await services.partners.start(who, arguments[0], acting is Role.STAFF, takes_part)
        elif route.capability is Capability.PARTNERS:
            outcome = await services.partners.command(who, name)
        elif route.capability is Capability.STAFF:
            outcome = await services.staff.command(who, chat.id, name, " ".join(arguments))
        elif membership:
            outcome = await services.survey.invitation(who, arguments[0])
        else:
            outcome = await services.association_command(name, who)
        await _show(update, context, outcome)
    return handle


async def _refuse_command(update: Update, context: BotContext, name: str, acting: Role) -> None:
    """A staff command from anyone else: the staff service's refusal (logged, no names); any
    other command a role has not: what an unknown command gets. Outside private chats and the
    staff group the bot says nothing."""
    services, who = context.services, visitor(update)
    log.info("refused /%s to a %s (update %s)", name, acting, update.update_id)
    if acting is Role.STRANGER:
        return
    if name in STAFF_COMMANDS:
        await _show(update, context, await services.staff.refuse(who, name))
    elif acting in (Role.PARTNER, Role.REVOKED):
        await _show(update, context, await services.partners.command(who, "other"))
    elif acting is not Role.STAFF_CHAT:
        await _show(update, context, await services.survey.help(who))


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    message = query.message  # may be an InaccessibleMessage (too old): the tap still counts
    acting, services, who = role(update, context), context.services, visitor(update)
    if message is None or acting is Role.STRANGER:
        log.info("refused a button to a %s (update %s)", acting, update.update_id)
        await answer_tap(query)
        return
    if message.chat.type == "private" and message.chat.id != query.from_user.id:
        # a private chat is its user's: this tap is forged
        await _show(update, context, await context.survey.press(who, None))  # a toast only
        return
    key = button_key(query.data)
    route = find(key, acting)
    if route is None:
        await _show(update, context, await _refuse_button(context, who, acting, key))
    elif route.capability is Capability.STAFF:
        await _show(update, context, await services.staff.press(who, message.chat.id, query.data))
    elif route.capability in (Capability.PARTNERS, Capability.INVITATION):
        takes_part = route.capability is Capability.INVITATION and \
            await services.store.takes_part(who.user_id)
        await _show(update, context, await services.partners.press(who, query.data, query.from_user.full_name,
                                                                   takes_part))
    else:
        ref = f"{message.chat.id}:{message.message_id}"
        await _show(update, context, await context.survey.press(who, query.data, ref))


async def _refuse_button(context: BotContext, who: Visitor, acting: Role, key: str) -> Outcome:
    """A button this role may not press (old, forged or someone else's): a short notice on the
    button in the person's language, a staff button's refusal logged (without the id); nothing
    changes."""
    services = context.services
    log.info("refused %s to a %s (update %s)", key, acting, who.event_id)
    if key.startswith("button Z:") and acting not in (Role.STAFF, Role.STAFF_CHAT):
        return await services.staff.refuse(who, "button")
    if acting in (Role.PARTNER, Role.REVOKED):
        return await services.partners.press(who, None, None, False)
    if acting in (Role.STAFF, Role.STAFF_CHAT):
        return await services.staff.press(who, who.user_id, None)
    return await context.survey.press(who, None)


async def on_text(update: Update, context: BotContext) -> None:
    assert update.message is not None and update.message.text is not None
    services, who, acting = context.services, visitor(update), role(update, context)
    chat_id = update.message.chat_id
    if acting in PROPOSING and await services.staff.has_flow(who.user_id):
        await _show(update, context, await services.staff.text(who, chat_id, update.message.text))
    elif acting in (Role.PARTNER, Role.REVOKED):
        await _show(update, context, await services.partners.command(who, "other"))
    elif acting in (Role.ASSOCIATION, Role.STAFF):
        await _show(update, context, await context.survey.text(who, update.message.text))


async def on_other(update: Update, context: BotContext) -> None:
    acting = role(update, context)
    if acting in (Role.PARTNER, Role.REVOKED):
        await _show(update, context, await context.services.partners.command(visitor(update), "other"))
    elif acting in (Role.ASSOCIATION, Role.STAFF):
        await _show(update, context, await context.survey.unsupported(visitor(update)))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    await _refuse_command(update, context, "", role(update, context))


async def on_edited(update: Update, context: BotContext) -> None:
    acting = role(update, context)
    if acting in (Role.PARTNER, Role.REVOKED):
        await _show(update, context, await context.services.partners.command(visitor(update), "other"))
    elif acting in (Role.ASSOCIATION, Role.STAFF):
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
            await services.store.account_blocked(user_id)
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
        stored = await services.store.account(user.id)
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
