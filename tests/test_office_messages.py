"""Messages both ways between the office and one association, and the office's tasks (issue 28),
below the browser: the web view's forms against the real services, the association's side
through the survey service as Telegram's handlers call it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.kernel.settings import Settings
from bot.outbox import screen_payload
from bot.storage.outbox import OutboxRow
from bot.survey.turns import Visitor
from tests.helpers.office import STAFF, Desk, office_desk, seed, signed_in

ASSOCIATION = 7


@pytest.fixture
async def desk(settings: Settings) -> AsyncIterator[Desk]:
    async with office_desk(settings) as made:
        await seed(made.services, ASSOCIATION, "Anadolu Kültür e.V.", "tr", {"district": "barmen"})
        yield made


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def queued(desk: Desk, chat_id: int) -> list[dict[str, object]]:
    """The messages queued for the chat as they go out (an office message is framed when it is
    sent, in its reader's language: drawn here by the outbox's composers)."""
    rows = await desk.services.store.fetch_all("SELECT id, chat_id, user_id, purpose, payload, not_before, attempts "
                                               "FROM outbox WHERE chat_id = ? ORDER BY id", chat_id)
    drawn = []
    for r in rows:
        row = OutboxRow.model_validate({**dict(r), "payload": json.loads(r["payload"])})
        parcel = await desk.services.composers.compose(row)
        drawn.append(screen_payload(parcel.screen) if parcel is not None and parcel.screen is not None else row.payload)
    return drawn


async def write(desk: Desk, http: aiohttp.ClientSession, csrf: str, text: str, language: str = "de") -> int:
    async with http.post(f"{desk.url}/associations/{ASSOCIATION}/message",
                         data={"csrf": csrf, "text": text, "language": language}) as response:
        return response.status


async def test_the_office_writes_the_association_reads_it_framed_in_its_language_and_replies(
        desk: Desk, http: aiohttp.ClientSession) -> None:
    csrf = await signed_in(desk, http)
    assert await write(desk, http, csrf, "Guten Tag, wir laden Sie zur Sprechstunde am Montag ein.") == 200
    [message] = await queued(desk, ASSOCIATION)
    screen = message["screen"]
    assert isinstance(screen, dict)
    assert "Uyum Bürosundan bir mesaj" in screen["text"] and "Almanca" in screen["text"]  # Turkish frame: "German"
    assert "Sprechstunde am Montag" in screen["text"]
    [[reply]] = screen["buttons"]
    assert reply["label"].endswith("Yanıtla")

    survey, visitor = desk.services.survey, Visitor(ASSOCIATION, "tr", 501)
    asked = await survey.press(visitor, reply["action"])
    assert asked.messages[0].expects_text
    answered = await survey.text(Visitor(ASSOCIATION, "tr", 502), "Teşekkürler, pazartesi geleceğiz.")
    assert "Yanıtınız Uyum Bürosuna iletildi" in answered.messages[0].text
    again = await survey.text(Visitor(ASSOCIATION, "tr", 502), "Teşekkürler, pazartesi geleceğiz.")  # a repeat
    assert again.messages == []

    async with http.get(f"{desk.url}/associations/{ASSOCIATION}") as page:
        text = await page.text()
    assert "Teşekkürler, pazartesi geleceğiz." in text and "vom Verein, verfasst auf Türkisch" in text
    assert "Der Verein hat dem Büro geantwortet" in text  # the reply is a task on its page
    [note] = await queued(desk, STAFF)  # and staff hear of it, once
    assert "Anadolu Kültür e.V." in str(note) and f"/associations/{ASSOCIATION}" in str(note)
    replies = await desk.services.store.fetch_all("SELECT text FROM office_messages WHERE direction = 'in'")
    assert [r["text"] for r in replies] == ["Teşekkürler, pazartesi geleceğiz."]


async def test_a_message_without_csrf_or_text_is_not_sent(desk: Desk, http: aiohttp.ClientSession) -> None:
    csrf = await signed_in(desk, http)
    async with http.post(f"{desk.url}/associations/{ASSOCIATION}/message", data={"text": "Hallo"}) as forged:
        assert forged.status == 403
    assert await write(desk, http, csrf, "   ") == 422
    assert await write(desk, http, csrf, "x" * 2001) == 422
    assert await queued(desk, ASSOCIATION) == []


async def test_messages_with_the_office_are_in_mydata_and_gone_after_delete(desk: Desk,
                                                                           http: aiohttp.ClientSession) -> None:
    csrf = await signed_in(desk, http)
    assert await write(desk, http, csrf, "Please send us your statute.", "en") == 200
    mine = await desk.services.association_command("mydata", Visitor(ASSOCIATION, "tr", 601))
    assert any("Please send us your statute." in d.content.decode() for d in mine.documents)
    async with desk.services.store.transaction():
        await desk.services.store.delete_user(ASSOCIATION)
    for table in ("office_messages", "tasks"):
        rows = await desk.services.store.fetch_all(f"SELECT * FROM {table} WHERE user_id = ?", ASSOCIATION)
        assert rows == []


async def test_a_reply_button_of_someone_else_changes_nothing(desk: Desk, http: aiohttp.ClientSession) -> None:
    await seed(desk.services, 8, "Al-Amal", "ar", {})
    csrf = await signed_in(desk, http)
    assert await write(desk, http, csrf, "Hallo") == 200
    [message] = await queued(desk, ASSOCIATION)
    action = message["screen"]["buttons"][0][0]["action"]  # type: ignore[index]
    other = await desk.services.survey.press(Visitor(8, "ar", 701), action)
    assert other.toast and not other.messages
    user = await desk.services.store.user(8)
    assert user is not None and user.awaiting is None


async def test_tasks_are_taken_and_closed_on_the_web(desk: Desk, http: aiohttp.ClientSession) -> None:
    from bot.storage.tasks import TaskStore
    async with desk.services.store.transaction():
        await TaskStore(desk.services.store).add("not_our_field", "r1", ASSOCIATION, "awo")
    csrf = await signed_in(desk, http)
    async with http.get(desk.url + "/") as overview:
        assert "Nicht unser Bereich" in await overview.text()  # open tasks on the overview
    [task] = await TaskStore(desk.services.store).listing()
    async with http.post(desk.url + "/tasks", data={"task": str(task.id), "do": "take"}) as forged:
        assert forged.status == 403
    async with http.post(desk.url + "/tasks", data={"csrf": csrf, "task": str(task.id), "do": "take"}) as taken:
        assert "übernommen" in await taken.text()
    assert (await TaskStore(desk.services.store).listing())[0].owner == STAFF
    async with http.post(desk.url + "/tasks", data={"csrf": csrf, "task": str(task.id), "do": "done",
                                                    "back": str(ASSOCIATION)}, allow_redirects=False) as done:
        assert done.status == 303 and done.headers["Location"] == f"/associations/{ASSOCIATION}"
    assert await TaskStore(desk.services.store).listing() == []
    figures = await desk.services.staff.desk.overview(desk.services.store.now())
    assert figures.open_tasks == {}


async def test_a_contact_request_open_for_a_week_becomes_a_task_once(desk: Desk) -> None:
    from datetime import timedelta
    store = desk.services.store
    async with store.transaction():
        submission = await store.fetch_one("SELECT id FROM submissions WHERE user_id = ?", ASSOCIATION)
        assert submission is not None
        await store.write("INSERT INTO contact_requests (user_id, submission_id, partner_id, topics, state, "
                          "created_at) VALUES (?, ?, 'awo', '[]', 'pending', ?)", ASSOCIATION, submission["id"],
                          store.now().isoformat())
    assert await desk.services.staff.actions.tasks() == []
    desk.clock.now += timedelta(days=7, minutes=1)
    assert [t.kind for t in await desk.services.staff.actions.tasks()] == ["stale_request"]
    assert [t.kind for t in await desk.services.staff.actions.tasks()] == ["stale_request"]
    figures = await desk.services.staff.desk.overview(store.now())
    assert figures.open_tasks == {"stale_request": 1}


@pytest.mark.parametrize(("accept", "task"), [(False, "not_our_field"), (True, "via_office")])
async def test_a_partners_answer_that_leaves_work_for_the_office_becomes_a_task(desk: Desk, accept: bool,
                                                                                task: str) -> None:
    from bot.kernel.outcome import Outcome
    from bot.storage.partners import PartnerStore, RequestStore
    from bot.storage.tasks import TaskStore
    from tests.helpers.office import add_partner
    services, store = desk.services, desk.services.store
    await add_partner(services)
    async with store.transaction():
        await PartnerStore(store).add_contact(4242, "awo", "Frau Beispiel", "de")
        submission = await store.fetch_one("SELECT id FROM submissions WHERE user_id = ?", ASSOCIATION)
        assert submission is not None
        request_id = await RequestStore(store).add(ASSOCIATION, int(submission["id"]), "awo", ["bookkeeping"])
    await services.partners.load()
    assert request_id is not None
    async with store.transaction():  # the association gave no contact: the card said "through the office"
        await services.partners.answers.answer(4242, request_id, accept, Outcome())
    assert [(t.kind, t.user_id, t.partner_id) for t in await TaskStore(store).listing()] == [
        (task, ASSOCIATION, "awo")]


async def test_the_digest_names_the_language_of_each_free_text(desk: Desk) -> None:
    from datetime import timedelta

    from bot.digest.render import sections
    text = "Derneğimiz gençlik çalışması için de destek arıyor."
    await seed(desk.services, 8, "Gençlik Derneği", "tr", {"comments": text})
    desk.clock.now += timedelta(minutes=1)
    figures = await desk.services.staff.desk.overview(desk.services.store.now())
    digest = "\n".join(sections(desk.services.staff.voice, figures))
    assert f"(Türkisch): „\u2068{text}\u2069“" in digest
