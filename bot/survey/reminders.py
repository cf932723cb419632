"""One friendly reminder for a questionnaire left unfinished, in the user's language, never more.

The outbox's dedupe key (`nudge:<submission>`) is what makes it "never more": a second run,
a restart or a second process cannot queue it again. The text is composed when it is sent,
so a user who finished in the meantime gets nothing.
"""

from __future__ import annotations

import logging
from datetime import time, timedelta, tzinfo

from bot.outbox import Parcel
from bot.outbox.schedule import quiet_hours_end
from bot.questionnaire.engine import Engine
from bot.storage import Store
from bot.storage.outbox import CHUNK, OutboxRow, OutboxStore
from bot.storage.staff import StaffStore
from bot.survey.service import SurveyService

log = logging.getLogger(__name__)


class UnfinishedReminders:
    def __init__(self, store: Store, engine: Engine, survey: SurveyService, tz: tzinfo, days: int,
                 quiet: tuple[time, time] | None) -> None:
        self.store = store
        self.engine = engine
        self.survey = survey
        self.tz = tz
        self.after = timedelta(days=days)
        self.quiet = quiet
        self.outbox = OutboxStore(store)

    async def queue_due(self) -> int:
        """Queue reminders for questionnaires untouched for the configured days; returns how many.
        Thousands at city scale: found on the read connection, queued in short transactions of
        CHUNK, so the users' answers go on meanwhile."""
        now = self.store.now()
        async with self.store.snapshot() as reader:
            due = await StaffStore(reader).unfinished_for_reminder((now - self.after).isoformat())
        send_at = quiet_hours_end(now, self.tz, self.quiet)
        queued = 0
        for start in range(0, len(due), CHUNK):
            async with self.store.transaction():
                added = await self.outbox.enqueue_many("nudge", [
                    (user_id, user_id, {"type": "nudge", "submission": submission_id}, f"nudge:{submission_id}")
                    for user_id, submission_id in due[start:start + CHUNK]], not_before=send_at)
            queued += sum(added)
        if queued:
            log.info("%d reminders for unfinished questionnaires queued", queued)
        return queued

    async def compose(self, row: OutboxRow) -> Parcel | None:
        if row.user_id is None:
            return None
        user = await self.store.user(row.user_id)
        submission = await self.store.current_submission(row.user_id)
        if user is None or submission is None or submission.id != row.payload.get("submission") \
                or submission.completed_at is not None:
            return None
        answers = await self.store.answers(submission.id)
        if self.engine.next_open(answers) is None:
            return None
        screen = self.survey.screens_for(user.language).unfinished_reminder(submission, len(answers), self.tz)
        return Parcel(kind="screen", screen=screen)
