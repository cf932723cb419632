"""Messages between the integration office and one association, both ways.

Staff write from the association's page on the web view, in German or English; the association
receives it in Telegram framed in its own language as a message from the integration office,
with a "Reply" button; what it types next is its reply, kept with the message, shown on the page,
a task for the office, and a note to staff. Everything is queued in the transaction that records
it (the outbox's dedupe key makes a repeat harmless), so each message goes out exactly once. The
rows go with the association: /mydata shows them, /delete and the retention rule erase them."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from babel import Locale

from bot.kernel.actions import Kind, OfficeReplyTap, Tap
from bot.kernel.i18n import Catalogs
from bot.kernel.outcome import Button, Screen
from bot.kernel.text import clean_text, isolated
from bot.outbox import screen_payload
from bot.questionnaire.engine import Answers
from bot.storage import Store, Submission
from bot.storage.outbox import OutboxStore
from bot.storage.tasks import TaskStore
from bot.survey.turns import Turn

MAX_TEXT = 2000
STAFF_LANGUAGES = ("de", "en")
Notify = Callable[[int], Awaitable[None]]  # staff hear of a reply (in the reply's transaction)


class OfficeMail:
    """A companion of the survey: its "Reply" button and the reply typed after it."""

    kinds = frozenset({Kind.OFFICE})

    def __init__(self, store: Store, catalogs: Catalogs, notify: Notify | None = None) -> None:
        """`notify`: the staff side's note of a reply, queued in the reply's transaction."""
        self.store = store
        self.catalogs = catalogs
        self.data = TaskStore(store)
        self.outbox = OutboxStore(store)
        self.notify = notify

    # -- the office writes (in the staff member's transaction) --------------------------------

    async def send(self, staff_id: int, user_id: int, text: str, language: str) -> int | None:
        """Recorded and queued; None when there is nobody to send it to (deleted, no consent)."""
        user = await self.store.user(user_id)
        text = clean_text(text).strip()
        if user is None or user.consent_at is None or not text or language not in STAFF_LANGUAGES:
            return None
        message_id = await self.data.add_message(user_id, "out", staff_id, language, text[:MAX_TEXT])
        await self.outbox.enqueue(user_id, user_id, "office", screen_payload(self.framed(user.language, text, language,
                                                                                         message_id)),
                                  dedupe_key=f"office:{message_id}")
        await self.store.log_event("office_message", user_id, staff=staff_id, message=message_id)
        return message_id

    def framed(self, reader: str, text: str, language: str, message_id: int) -> Screen:
        t = self.catalogs.translator(reader)
        try:
            name = Locale.parse(t.code).languages.get(language, language)
        except (ValueError, LookupError):  # a language Babel has no names in
            name = language
        head = "✉️ " + t.gettext("A message from the integration office (written in {language}):").format(
            language=name)
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        reply = Button(label="↩️ " + t.gettext("Reply"), action=OfficeReplyTap(message_id).encode(),
                       role=Kind.OFFICE)
        return Screen(text=t.directed(head) + "\n\n" + isolated(text), buttons=[[reply]])

    # -- the association answers ----------------------------------------------------------

    async def press(self, turn: Turn, tap: Tap) -> None:
        user = turn.user
        t = self.catalogs.translator(user.language if user else None)
        message = await self.data.message(tap.message_id) if isinstance(tap, OfficeReplyTap) else None
        if user is None or message is None or message.user_id != user.id or message.direction != "out":
            turn.outcome.toast = t.gettext("This button no longer applies.")
            return
        await self.store.set_awaiting(user.id, {"do": "office_reply", "message": message.id})
        turn.outcome.messages.append(Screen(text=t.gettext(
            "Please type your reply to the integration office in one message. You may write in your own language."),
            expects_text=True))

    async def typed(self, turn: Turn, text: str) -> bool:
        user = turn.user
        awaiting: dict[str, Any] = json.loads(user.awaiting) if user is not None and user.awaiting else {}
        if user is None or awaiting.get("do") != "office_reply":
            return False
        t = self.catalogs.translator(user.language)
        reply = clean_text(text).strip()
        if not reply or len(reply) > MAX_TEXT:
            turn.outcome.messages.append(Screen(text="⚠️ " + t.gettext(
                "Please type your reply as one message of at most 2,000 characters."), expects_text=True))
            return True
        await self.store.set_awaiting(user.id, None)
        reply_id = await self.data.add_message(user.id, "in", None, user.language, reply)
        await self.data.add("reply", f"m{reply_id}", user.id)
        await self.store.log_event("office_reply", user.id, message=reply_id)
        if self.notify is not None:
            await self.notify(user.id)
        turn.outcome.messages.append(Screen(text="✅ " + t.gettext(
            "Thank you. Your reply went to the integration office.")))
        return True

    async def completed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        return None

    async def changed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        return None
