"""The users' data rights and the retention rules, as plain async Python.

`/mydata` hands a user everything stored about them (Art. 15 GDPR) as a JSON file they can
read: raw values plus each question and answer in their language, never another user's id or
name. `/privacy` shows the notice and the choices (`PrivacyChoices`). `purge` is the daily job
that deletes what the notice says is kept no longer.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta, tzinfo

from bot.consent.notice import DELIVERED_KEEP, OFFICE_FILES_KEEP, UPDATES_KEEP
from bot.kernel.outcome import Document
from bot.privacy.choices import PrivacyChoices
from bot.questionnaire.engine import Engine
from bot.questionnaire.readable import readable_value
from bot.storage import Store
from bot.storage.consents import ConsentStore
from bot.storage.contact_persons import ContactPersonStore
from bot.storage.partners import PartnerStore
from bot.storage.privacy import PrivacyStore
from bot.survey.turns import Turn

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Purged:
    submissions: int
    messages: int
    associations: int = 0
    events: int = 0
    partner_contacts: int = 0


class PrivacyService:
    def __init__(self, store: Store, engine: Engine, tz: tzinfo, retention_days: int, completed_days: int) -> None:
        self.store = store
        self.engine = engine
        self.tz = tz
        self.rows = PrivacyStore(store)
        self.retention = timedelta(days=retention_days)
        self.completed_retention = timedelta(days=completed_days)
        self.choices = PrivacyChoices(store, tz)  # a companion of the survey (its buttons)

    async def show(self, turn: Turn) -> None:
        """/privacy: the notice and the choices, at any time (a step of an association's turn)."""
        await self.choices.show(turn)

    async def my_data(self, turn: Turn) -> None:
        """/mydata (a step of an association's turn; also for someone who never agreed)."""
        data = await self.rows.rows_of(turn.visitor.user_id)
        if data is None:
            turn.outcome.messages.append(turn.screens.nothing_stored())
            return
        engine, t = self.engine, turn.screens.t
        for submission in data["submissions"]:
            for answer in submission["answers"]:
                question = engine.question(answer["question_id"])
                if question is not None:
                    answer["question"] = t.gettext(question.text)
                    answer["answer"] = readable_value(t, engine, question, answer["value"])
        document = {
            "about": "MSO Assistant – Stadt Wuppertal, Ressort Zuwanderung und Integration",
            "exported_at": self.store.now().isoformat(timespec="seconds"),
            "telegram_user_id": turn.visitor.user_id,
            **data,
            "consents": await ConsentStore(self.store).history(turn.visitor.user_id),
        }
        content = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        stamp = self.store.now().astimezone(self.tz).date().isoformat()
        turn.outcome.documents.append(Document(
            filename=f"mso-assistant-{stamp}.json", content=content, caption=turn.screens.my_data_caption(),
            mime_type="application/json"))
        await self.store.log_event("data_requested", turn.visitor.user_id)

    async def purge(self) -> Purged:
        """Delete what the notice says is kept no longer; then shrink the log file so the
        deleted rows are gone from disk too."""
        now = self.store.now()
        async with self.store.transaction():
            submissions = await self.rows.purge_unfinished(now - self.retention)
            await ContactPersonStore(self.store).forget_without_questionnaire()
            associations = 0
            for user_id in await self.rows.completed_before(now - self.completed_retention):
                await self.store.delete_user(user_id)
                associations += 1
            messages = await self.rows.forget_delivered(now - DELIVERED_KEEP, now - OFFICE_FILES_KEEP)
            events = await self.rows.forget_events(now - self.retention)
            contacts = PartnerStore(self.store)
            expired = await contacts.expired(now)
            for contact_id in expired:
                await contacts.erase(contact_id)
            await self.store.forget_old_updates(UPDATES_KEEP)
            if submissions or associations or expired:
                await self.store.log_event("retention_purge", submissions=submissions, associations=associations,
                                           partner_contacts=len(expired))
        await self.store.eraser.settle()  # now, or in the background once no reader holds the log
        if submissions or associations or messages or events:
            log.info("retention: %d unfinished questionnaires and %d associations with completed ones deleted, "
                     "%d delivered messages emptied, %d events deleted", submissions, associations, messages, events)
        return Purged(submissions, messages, associations, events, len(expired))
