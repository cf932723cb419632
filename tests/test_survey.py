"""The survey service without Telegram: consent, resume, repeats, stale buttons, completion."""

from __future__ import annotations

from pathlib import Path

from bot.kernel.actions import Kind
from bot.storage import Submission
from bot.survey.turns import Visitor
from tests.helpers.services import answer_current, answer_until_summary, button, live, make_service, onboard

ALICE = Visitor(user_id=11, language_code="en")


async def test_declining_consent_stores_nothing_personal(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    await service.start(ALICE)
    await service.press(ALICE, "L:en")
    outcome = await service.press(ALICE, "C:n")
    assert "Nothing about you has been stored" in outcome.messages[0].text
    store = service.store
    assert await store.user(ALICE.user_id) is None
    rows = await store.fetch_all("SELECT user_id, kind FROM events WHERE kind = 'consent_declined'")
    assert [tuple(r) for r in rows] == [(None, "consent_declined")]
    again = await service.start(ALICE)
    assert again.messages[0].buttons[0][0].action.startswith("L:")  # asked for the language again
    await store.close()


async def test_nothing_is_asked_before_consent(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    await service.start(ALICE)
    await service.press(ALICE, "L:en")
    outcome = await service.text(ALICE, "My association")
    consent = outcome.messages[-1]
    assert [b.action for b in consent.buttons[-1]] == ["C:y", "C:n"]  # agree, decline
    assert [row[0].action for row in consent.buttons[:3]] == ["C:t10", "C:t01", "C:m00"]  # both purposes off
    assert await service.store.current_submission(ALICE.user_id) is None
    await service.store.close()


async def test_a_repeated_update_changes_nothing(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    await onboard(service, ALICE)
    first = Visitor(ALICE.user_id, "en", event_id=500)
    outcome = await service.text(first, "Verein Eins")
    assert outcome.messages
    repeated = await service.text(first, "Verein Eins")
    assert repeated.messages == [] and repeated.edits == []
    submission = await service.store.current_submission(ALICE.user_id)
    assert submission is not None and submission.cursor == "communities"
    assert await service.store.answers(submission.id) == {"org_name": "Verein Eins"}
    await service.store.close()


async def test_resume_after_restart_at_the_next_open_question(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    service = await make_service(path)
    screen = live(await onboard(service, ALICE))
    for _ in range(4):
        screen = live(await answer_current(service, ALICE, screen))
    await service.store.close()

    again = await make_service(path)
    outcome = await again.start(ALICE)
    assert outcome.messages[0].text.startswith("Welcome back! You started on")
    assert "You have answered 4 questions so far." in outcome.messages[0].text
    assert live(outcome).text == screen.text
    await again.store.close()


async def test_ticks_survive_a_restart_before_done(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    service = await make_service(path)
    await onboard(service, ALICE)
    screen = live(await service.text(ALICE, "Verein"))
    await service.press(ALICE, button(screen, Kind.TOGGLE, 2).action)
    await service.store.close()

    again = await make_service(path)
    shown = live(await again.start(ALICE))
    assert button(shown, Kind.TOGGLE, 2).label.startswith("☑")
    assert button(shown, Kind.TOGGLE, 0).label.startswith("☐")
    await again.store.close()


async def test_done_without_a_tick_is_refused_politely(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    await onboard(service, ALICE)
    screen = live(await service.text(ALICE, "Verein"))
    outcome = await service.press(ALICE, button(screen, Kind.DONE).action)
    assert outcome.toast == "Please choose at least 1 answer."
    assert outcome.messages == []
    await service.store.close()


async def test_an_old_button_changes_that_answer_and_continues_where_open(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    screen = live(await onboard(service, ALICE))
    screen = live(await service.text(ALICE, "Verein"))
    screen = live(await answer_current(service, ALICE, screen))  # communities
    district = screen
    screen = live(await answer_current(service, ALICE, district))  # district -> members
    members = screen
    old_tap = await service.press(ALICE, button(district, Kind.ANSWER, 5).action, source_ref="1:5")
    assert old_tap.source is not None and "✅ Barmen" in old_tap.source.text
    assert live(old_tap).text == members.text  # continues at the next open question
    submission = await service.store.current_submission(ALICE.user_id)
    assert submission is not None
    assert (await service.store.answers(submission.id))["district"] == "barmen"
    await service.store.close()


async def test_buttons_that_no_longer_apply(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    await onboard(service, ALICE)
    screen = live(await service.text(ALICE, "Verein"))
    toggled = await service.press(ALICE, button(screen, Kind.TOGGLE, 9).action)  # "other"
    screen = live(await service.press(ALICE, button(live(toggled), Kind.DONE).action))
    assert "Which other communities" in screen.text
    # untick "other" via an edit: the follow-up question disappears, its button goes stale
    back = live(await service.press(ALICE, button(screen, Kind.BACK).action))
    await service.press(ALICE, button(back, Kind.TOGGLE, 0).action)
    untick = await service.press(ALICE, button(back, Kind.TOGGLE, 9).action)
    await service.press(ALICE, button(live(untick), Kind.DONE).action)
    stale = await service.press(ALICE, button(screen, Kind.BACK).action)
    assert stale.toast == "This button no longer applies."
    forged = await service.press(ALICE, "A:999:district:barmen")
    assert forged.toast == "This button no longer applies."
    assert (await service.press(ALICE, "garbage")).toast == "This button no longer applies."
    assert (await service.press(ALICE, "L:xx")).toast == "This button no longer applies."
    await service.store.close()


async def test_required_questions_cannot_be_skipped(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    await onboard(service, ALICE)
    submission = await service.store.current_submission(ALICE.user_id)
    assert submission is not None
    outcome = await service.press(ALICE, f"S:{submission.id}:org_name")
    assert outcome.toast == "This button no longer applies."
    assert await service.store.answers(submission.id) == {}
    await service.store.close()


async def test_completion_is_recorded_once_and_the_hook_gets_the_answers(tmp_path: Path) -> None:
    completed: list[tuple[Submission, dict[str, object]]] = []

    async def hook(submission: Submission, answers: dict[str, object]) -> None:
        completed.append((submission, answers))

    service = await make_service(tmp_path / "db.sqlite3", on_completed=[hook])
    summary = await answer_until_summary(service, ALICE, await onboard(service, ALICE))
    done = await service.press(ALICE, button(summary, Kind.CONFIRM).action)
    assert any(m.text.startswith("Thank you! Your answers have been sent") for m in done.messages)
    again = await service.press(ALICE, button(summary, Kind.CONFIRM).action)
    assert again.messages[-1].text == "Your changes have been saved. Thank you!"
    assert len(completed) == 1
    submission, answers = completed[0]
    assert submission.completed_at is not None and answers["org_name"] == "Verein"
    assert (await service.start(ALICE)).messages[0].text.startswith("You have already completed")
    await service.store.close()


async def test_answers_can_be_reviewed_and_changed_after_completion(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    summary = await answer_until_summary(service, ALICE, await onboard(service, ALICE))
    await service.press(ALICE, button(summary, Kind.CONFIRM).action)
    review = live(await service.show_answers(ALICE))
    edit = next(b for row in review.buttons for b in row if b.action.endswith(":need_pr"))
    question = live(await service.press(ALICE, edit.action))
    urgent = next(b for row in question.buttons for b in row if b.action.endswith(":urgent"))
    follow_up = live(await service.press(ALICE, urgent.action))
    assert "Public relations: what exactly?" in follow_up.text  # a newly shown question is asked
    back_to_summary = live(await answer_current(service, ALICE, follow_up))
    assert any(b.role is Kind.CONFIRM for row in back_to_summary.buttons for b in row)
    await service.store.close()


async def test_changing_the_language_keeps_the_answers(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    await onboard(service, ALICE)
    await service.text(ALICE, "Verein")
    picker = (await service.choose_language(ALICE)).messages[0]
    assert picker.buttons[0][0].action == "L:en"  # the current language first
    outcome = await service.press(ALICE, "L:de")
    assert "Welche Communities" in live(outcome).text or "Communit" in live(outcome).text
    submission = await service.store.current_submission(ALICE.user_id)
    assert submission is not None
    assert await service.store.answers(submission.id) == {"org_name": "Verein"}
    user = await service.store.user(ALICE.user_id)
    assert user is not None and user.language == "de"
    await service.store.close()


async def test_delete_removes_everything_after_confirmation(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    await onboard(service, ALICE)
    await service.text(ALICE, "Verein")
    question = (await service.ask_delete(ALICE)).messages[0]
    keep = await service.press(ALICE, question.buttons[0][1].action)
    assert keep.messages[0].text == "Nothing was deleted."
    assert await service.store.user(ALICE.user_id) is not None
    gone = await service.press(ALICE, question.buttons[0][0].action)
    assert gone.messages[0].text.startswith("Everything stored about you has been deleted.")
    assert await service.store.user(ALICE.user_id) is None
    assert (await service.store.fetch_all("SELECT count(*) FROM answers"))[0][0] == 0
    await service.store.close()


async def test_stickers_and_photos_get_a_polite_re_ask(tmp_path: Path) -> None:
    service = await make_service(tmp_path / "db.sqlite3")
    await onboard(service, ALICE)
    outcome = await service.unsupported(ALICE)
    assert outcome.messages[0].text == "Sorry, I can only read text messages and button taps."
    assert "What is the name of your association?" in outcome.messages[1].text
    await service.store.close()
