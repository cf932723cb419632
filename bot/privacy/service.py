"""The users' data rights and the retention rule, as plain async Python.

`/mydata` hands a user everything stored about them (Art. 15 GDPR) as a JSON file they can
read: raw values plus each question and answer in their language. `purge` is the daily job
that deletes unfinished questionnaires nobody touched for `MSOBOT_RETENTION_DAYS`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.kernel.outcome import Document, Outcome
from bot.questionnaire.readable import readable_value
from bot.storage.privacy import PrivacyStore
from bot.survey.service import SurveyService
from bot.survey.turns import Turn, Visitor

log = logging.getLogger(__name__)

DELIVERED_KEEP = timedelta(days=30)  # content of delivered messages, for support questions


@dataclass(frozen=True)
class Purged:
    submissions: int
    messages: int


class PrivacyService:
    def __init__(self, survey: SurveyService, retention_days: int) -> None:
        self.survey = survey
        self.store = survey.store
        self.rows = PrivacyStore(survey.store)
        self.retention = timedelta(days=retention_days)

    async def my_data(self, visitor: Visitor) -> Outcome:
        return await self.survey.run(visitor, None, self._my_data)

    async def _my_data(self, turn: Turn) -> None:
        data = await self.rows.rows_of(turn.visitor.user_id)
        if data is None:
            turn.outcome.messages.append(turn.screens.nothing_stored())
            return
        engine, t = self.survey.engine, turn.screens.t
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
        }
        content = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        stamp = self.store.now().astimezone(self.survey.tz).date().isoformat()
        turn.outcome.documents.append(Document(
            filename=f"mso-assistant-{stamp}.json", content=content, caption=turn.screens.my_data_caption(),
            mime_type="application/json"))
        await self.store.log_event("data_requested", turn.visitor.user_id)

    async def purge(self) -> Purged:
        """Delete what the retention rule says is no longer needed; then shrink the log file so
        the deleted rows are gone from disk too."""
        now = self.store.now()
        async with self.store.transaction():
            submissions = await self.rows.purge_unfinished(now - self.retention)
            messages = await self.rows.forget_delivered(now - DELIVERED_KEEP)
            await self.store.forget_old_updates()
            if submissions:
                await self.store.log_event("retention_purge", submissions=submissions)
        await self.store.checkpoint()
        if submissions or messages:
            log.info("retention: %d unfinished questionnaires deleted, %d delivered messages emptied",
                     submissions, messages)
        return Purged(submissions, messages)
