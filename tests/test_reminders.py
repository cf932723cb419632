"""One friendly reminder for an unfinished questionnaire: after the configured days, in the
user's language, with a button that continues; never a second one, and none for users who
finished, turned messages off or blocked the bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.outbox import OutboxWorker
from bot.survey.reminders import UnfinishedReminders
from bot.survey.turns import Visitor
from tests.helpers.fakes import Clock, Recorder
from tests.helpers.services import answer_current, live, make_service, onboard

TZ = ZoneInfo("Europe/Berlin")




async def test_one_reminder_after_three_days_in_the_users_language(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    service = await make_service(tmp_path / "db.sqlite3")
    service.store.clock = clock
    turkish, quiet, blocked, fresh = Visitor(1, "tr"), Visitor(2, "de"), Visitor(3, "de"), Visitor(4, "de")
    for visitor, language in ((turkish, "tr"), (quiet, "de"), (blocked, "de")):
        screen = live(await onboard(service, visitor, language))
        await answer_current(service, visitor, screen)  # one answer, then they stop
    async with service.store.transaction():
        await service.store.set_pushes(2, False)
        await service.store.set_blocked(3, True)
    reminders = UnfinishedReminders(service.store, service.engine, service, TZ, days=3, quiet=None)

    clock.now += timedelta(days=2, hours=23)
    await onboard(service, fresh)  # started later: not due
    assert await reminders.queue_due() == 0
    clock.now += timedelta(hours=2)
    assert await reminders.queue_due() == 1
    clock.now += timedelta(days=10)
    assert await reminders.queue_due() == 1  # the later one is due now too
    assert await reminders.queue_due() == 0  # and nobody gets a second one

    phone = Recorder()
    worker = OutboxWorker(service.store, phone, reminders.compose, chat_interval=0.0, rate=1000.0)
    await worker.drain()
    assert sorted(chat for chat, _p in phone.sent) == [1, 4]
    screen = next(p.screen for chat, p in phone.sent if chat == 1)
    assert screen is not None
    tr = service.catalogs.translator("tr")
    assert tr.gettext("Your answers are saved. Would you like to continue where you left off?") in screen.text
    assert tr.ngettext("You have answered {count} question so far.", "You have answered {count} questions so far.",
                       1).format(count=1) in screen.text
    # "Continue" shows the next open question
    outcome = await service.press(turkish, screen.buttons[0][0].action)
    assert live(outcome).prompt
    await service.store.close()


async def test_no_reminder_for_a_questionnaire_finished_before_it_was_sent(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    service = await make_service(tmp_path / "db.sqlite3")
    service.store.clock = clock
    visitor = Visitor(1, "de")
    screen = live(await onboard(service, visitor, "de"))
    await answer_current(service, visitor, screen)
    reminders = UnfinishedReminders(service.store, service.engine, service, TZ, days=3, quiet=None)
    clock.now += timedelta(days=4)
    assert await reminders.queue_due() == 1
    async with service.store.transaction():  # finished in the meantime (e.g. during quiet hours)
        submission = await service.store.current_submission(1)
        assert submission is not None
        await service.store.complete(submission.id)
    phone = Recorder()
    await OutboxWorker(service.store, phone, reminders.compose, chat_interval=0.0, rate=1000.0).drain()
    assert phone.sent == []
    await service.store.close()
