"""The office's web view below the browser (issue 28): sign-in by a one-time link from /office,
the session cookie, refusals, the CSRF token, the pages' content and the access record.

Each test talks HTTP to the real tornado server of `bot.web`, run on the real services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.kernel.routes import Role
from bot.kernel.settings import Settings
from bot.survey.turns import Visitor
from tests.helpers.office import STAFF, WORKSHOP_FORM, Desk, add_partner, csrf_of, office_desk, seed, signed_in


@pytest.fixture
async def desk(settings: Settings) -> AsyncIterator[Desk]:
    async with office_desk(settings) as made:
        yield made


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def test_a_link_from_office_signs_in_once_and_the_cookie_is_locked_down(desk: Desk,
                                                                               http: aiohttp.ClientSession) -> None:
    link = await desk.link()
    async with http.get(desk.url + link) as shown:  # opening the link (or its preview) uses nothing up
        assert shown.status == 200 and 'method="post"' in await shown.text()
    async with http.post(desk.url + link, allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"] == "/"
        cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie  # http here
    async with http.get(desk.url + "/") as overview:
        assert overview.status == 200
        assert "script-src" not in overview.headers["Content-Security-Policy"]  # default-src 'none': no script
        assert "'unsafe-inline'" not in overview.headers["Content-Security-Policy"]
        assert overview.headers["Referrer-Policy"] == "no-referrer"
    async with aiohttp.ClientSession() as other, \
            other.post(desk.url + link, allow_redirects=False) as again:  # the same link again: refused
        assert again.status == 403 and "Set-Cookie" not in again.headers


async def test_behind_https_the_cookie_is_secure(settings: Settings) -> None:
    async with office_desk(settings.model_copy(update={"web_url": "https://buero.example.org"})) as desk:
        link = await desk.link()
        assert link.startswith("/signin/")
        async with aiohttp.ClientSession() as http, \
                http.post(desk.url + link, allow_redirects=False) as response:
            assert "Secure" in response.headers["Set-Cookie"]


async def test_a_link_older_than_ten_minutes_is_refused(desk: Desk, http: aiohttp.ClientSession) -> None:
    link = await desk.link()
    desk.clock.now += timedelta(minutes=10, seconds=1)
    async with http.post(desk.url + link) as response:
        assert response.status == 403
        assert "Send /office" in await response.text() or "/office" in await response.text()
    async with http.get(desk.url + "/associations") as page:
        assert page.status == 401


async def test_without_a_session_no_page_shows_data(desk: Desk, http: aiohttp.ClientSession) -> None:
    await seed(desk.services, 1, "Anadolu Kültür e.V.", "tr", {"district": "barmen"})
    for path in ("/", "/associations", "/associations/1"):
        async with http.get(desk.url + path) as response:
            assert response.status == 401
            assert "Anadolu" not in await response.text()
    async with http.get(desk.url + "/", cookies={"office_session": "made-up"}) as forged:
        assert forged.status == 401


async def test_a_link_of_someone_no_longer_on_the_staff_is_refused(desk: Desk, http: aiohttp.ClientSession) -> None:
    outsider = await desk.services.router.command(Visitor(555, "de", 1), Role.ASSOCIATION, 555, "office")
    assert outsider is not None  # /office itself is refused
    assert "/signin/" not in "".join(m.text for m in outsider.messages)
    link = await desk.link()
    desk.services.staff.staff_ids.discard(STAFF)  # removed from MSOBOT_STAFF_IDS meanwhile
    async with http.post(desk.url + link) as response:
        assert response.status == 403


async def test_a_session_ends_after_eight_idle_hours_and_when_staff_are_removed(
        desk: Desk, http: aiohttp.ClientSession) -> None:
    await signed_in(desk, http)
    desk.clock.now += timedelta(hours=7, minutes=59)
    async with http.get(desk.url + "/") as response:
        assert response.status == 200  # in use: the idle time starts again
    desk.clock.now += timedelta(hours=8)
    async with http.get(desk.url + "/") as response:
        assert response.status == 401


async def test_a_session_ends_when_its_staff_member_is_removed(desk: Desk, http: aiohttp.ClientSession) -> None:
    await signed_in(desk, http)
    desk.services.staff.staff_ids.discard(STAFF)
    async with http.get(desk.url + "/") as response:
        assert response.status == 401


async def test_a_form_without_its_csrf_token_changes_nothing(desk: Desk, http: aiohttp.ClientSession) -> None:
    csrf = await signed_in(desk, http)
    async with http.post(desk.url + "/signout", data={}) as refused:
        assert refused.status == 403
    async with http.post(desk.url + "/signout", data={"csrf": csrf[:-1] + "x"}) as wrong:
        assert wrong.status == 403
    async with http.get(desk.url + "/") as still:
        assert still.status == 200  # still signed in: the forged sign-out did nothing
    async with http.post(desk.url + "/signout", data={"csrf": csrf}) as done:
        assert done.status == 200
    async with http.get(desk.url + "/") as gone:
        assert gone.status == 401


async def test_the_table_filters_and_searches(desk: Desk, http: aiohttp.ClientSession) -> None:
    services = desk.services
    await seed(services, 1, "Anadolu Kültür e.V.", "tr", {"district": "barmen", "communities": ["turkish"],
                                                          "need_bookkeeping": "urgent"}, sharing=True)
    await seed(services, 2, "Al-Amal Frauenverein", "ar", {"district": "elberfeld", "communities": ["arabic"],
                                                           "need_bookkeeping": "some"}, networking=True)
    await seed(services, 3, "Przyjaciele Wuppertal", "pl", {"district": "barmen", "communities": ["polish"]},
               completed=False)
    await signed_in(desk, http)

    async def names(query: str) -> set[str]:
        async with http.get(desk.url + "/associations?" + query) as response:
            assert response.status == 200
            page = await response.text()
        return {n for n in ("Anadolu", "Al-Amal", "Przyjaciele") if n in page}

    assert await names("") == {"Anadolu", "Al-Amal", "Przyjaciele"}
    assert await names("district=barmen") == {"Anadolu", "Przyjaciele"}
    assert await names("community=arabic") == {"Al-Amal"}
    assert await names("topic=bookkeeping&level=urgent") == {"Anadolu"}
    assert await names("topic=bookkeeping") == {"Anadolu", "Al-Amal"}
    assert await names("progress=in_progress") == {"Przyjaciele"}
    assert await names("progress=completed&district=barmen") == {"Anadolu"}
    assert await names("consent=networking") == {"Al-Amal"}
    assert await names("consent=sharing") == {"Anadolu"}
    assert await names("name=amal") == {"Al-Amal"}
    assert await names("name=%25") == set()  # a LIKE wildcard typed in the search is a plain character


async def test_an_associations_page_shows_its_answers_with_their_language_and_records_the_view(
        desk: Desk, http: aiohttp.ClientSession) -> None:
    text = "Derneğimiz gençlik çalışması için de destek arıyor."
    await seed(desk.services, 7, "Anadolu Kültür e.V.", "tr", {"district": "barmen", "comments": text},
               sharing=True)
    await signed_in(desk, http)
    async with http.get(desk.url + "/associations/7") as response:
        assert response.status == 200
        page = await response.text()
    assert "Anadolu Kültür e.V." in page and "Barmen" in page
    assert text in page and "verfasst auf Türkisch" in page  # the free text, and which language it is in
    rows = await desk.services.store.fetch_all("SELECT user_id, data FROM events WHERE kind = 'office_view'")
    assert [(r["user_id"], r["data"]) for r in rows] == [(7, '{"staff": 900}')]
    async with http.get(desk.url + "/associations/8") as missing:
        assert missing.status == 404


async def test_what_associations_wrote_is_escaped(desk: Desk, http: aiohttp.ClientSession) -> None:
    await seed(desk.services, 9, "<script>alert(1)</script> e.V.", "de", {"comments": "<b>laut</b>"})
    await signed_in(desk, http)
    for path in ("/associations", "/associations/9"):
        async with http.get(desk.url + path) as response:
            page = await response.text()
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; e.V." in page


async def test_the_overview_shows_the_digests_figures(desk: Desk, http: aiohttp.ClientSession) -> None:
    await seed(desk.services, 1, "A e.V.", "tr", {"need_bookkeeping": "urgent"})
    await seed(desk.services, 2, "B e.V.", "ar", {"need_bookkeeping": "big"})
    desk.clock.now += timedelta(minutes=1)
    csrf = await signed_in(desk, http)
    async with http.get(desk.url + "/", headers={"Accept-Language": "en"}) as response:
        page = await response.text()
    assert csrf_of(page) == csrf
    assert "Associations in total" in page and "Bookkeeping" in page
    assert '<meter min="0" max="2" value="2" aria-label="Bookkeeping and finances">' in page


async def test_a_workshop_added_on_the_web_is_checked_saved_and_pushed_to_those_it_fits(
        desk: Desk, http: aiohttp.ClientSession) -> None:
    await add_partner(desk.services)
    await seed(desk.services, 1, "Anadolu Kültür e.V.", "tr", {"district": "barmen", "need_bookkeeping": "urgent"})
    csrf = await signed_in(desk, http)
    past = {**WORKSHOP_FORM, "start": "2026-01-05T18:00", "csrf": csrf}
    async with http.post(desk.url + "/catalog", data=past) as refused:
        assert refused.status == 422
        assert "in the past" in await refused.text() or "Vergangenheit" in await refused.text()
    assert await desk.services.staff.context.catalog.workshops() == []
    pushed: list[list[str]] = []
    original = desk.services.suggestions.offers_added

    async def offers_added(ids: list[str]) -> object:
        pushed.append(ids)
        return await original(ids)
    desk.services.suggestions.offers_added = offers_added  # type: ignore[method-assign]
    async with http.post(desk.url + "/catalog", data={**WORKSHOP_FORM, "csrf": csrf}) as saved:
        assert saved.status == 200
        assert "Buchhaltung für Vereine" in await saved.text()
    workshops = await desk.services.staff.context.catalog.workshops()
    assert [w.title["de"] for w in workshops] == ["Buchhaltung für Vereine"]
    assert pushed == [[workshops[0].id]]  # out to the associations it fits, as /workshop does
    async with http.post(desk.url + "/catalog", data={**WORKSHOP_FORM}) as forged:
        assert forged.status == 403  # no CSRF token: nothing saved
    assert len(await desk.services.staff.context.catalog.workshops()) == 1


async def test_a_proposal_is_approved_or_rejected_with_a_reason_on_the_web(desk: Desk,
                                                                          http: aiohttp.ClientSession) -> None:
    from bot.catalog.model import Workshop
    from bot.storage.partners import ProposalStore
    await add_partner(desk.services)
    services = desk.services
    flow = services.staff.workshops.flow
    data = {"title": "Vereinsrecht kompakt", "topics": ["law"], "languages": ["de"],
            "start": "2026-12-21T18:00:00+01:00", "end": "2026-12-21T20:00:00+01:00", "online": True, "provider": "awo",
            "registration": {"email": "kurs@awo.example.org"}}
    workshop: Workshop = flow.workshop(data, "p1")
    async with services.store.transaction():
        store = ProposalStore(services.store)
        first = await store.add("awo", 4242, workshop.model_dump_json())
        second = await store.add("awo", 4242, workshop.model_dump_json())
    csrf = await signed_in(desk, http)
    async with http.get(desk.url + "/proposals") as page:
        assert (await page.text()).count("Vereinsrecht kompakt") == 2
    async with http.post(desk.url + "/proposals", data={"csrf": csrf, "proposal": str(first),
                                                        "decision": "approve"}) as approved:
        assert approved.status == 200 and (await approved.text()).count("Vereinsrecht kompakt") == 1
    async with http.post(desk.url + "/proposals", data={"csrf": csrf, "proposal": str(second), "decision": "reject",
                                                        "reason": "Der Termin ist schon belegt."}) as rejected:
        assert "Vereinsrecht kompakt" not in await rejected.text()
    rows = await services.store.fetch_all("SELECT state, reason FROM proposals ORDER BY id")
    assert [(r["state"], r["reason"]) for r in rows] == [("approved", None),
                                                         ("rejected", "Der Termin ist schon belegt.")]
    told = await services.store.fetch_all("SELECT chat_id, payload FROM outbox WHERE chat_id = 4242 ORDER BY id")
    assert len(told) == 2 and "Der Termin ist schon belegt." in told[1]["payload"]
    assert [w.title["de"] for w in await services.staff.context.catalog.workshops()] == ["Vereinsrecht kompakt"]


async def test_the_export_downloads_as_csv_and_excel_and_is_recorded(desk: Desk, http: aiohttp.ClientSession) -> None:
    await seed(desk.services, 1, "Anadolu Kültür e.V.", "tr", {"district": "barmen"})
    await signed_in(desk, http)
    async with http.get(desk.url + "/exports/submissions.csv") as csv_file:
        assert csv_file.status == 200 and csv_file.headers["Content-Type"] == "text/csv"
        assert "Anadolu Kültür e.V." in (await csv_file.read()).decode("utf-8-sig")
    async with http.get(desk.url + "/exports/submissions.xlsx") as xlsx_file:
        assert (await xlsx_file.read())[:2] == b"PK"
    rows = await desk.services.store.fetch_all("SELECT data FROM events WHERE kind = 'office_export'")
    assert [r["data"] for r in rows] == ['{"staff": 900}', '{"staff": 900}']


async def test_cancelling_a_workshop_tells_those_interested_in_their_language_and_drops_its_reminders(
        desk: Desk, http: aiohttp.ClientSession) -> None:
    services = desk.services
    await add_partner(services)
    for user_id, language in ((1, "tr"), (2, "ar"), (3, "de")):
        await seed(services, user_id, f"Verein {user_id}", language, {"district": "barmen"})
    csrf = await signed_in(desk, http)
    async with http.post(desk.url + "/catalog", data={**WORKSHOP_FORM, "csrf": csrf}) as saved:
        assert saved.status == 200
    workshop = (await services.staff.context.catalog.workshops())[0]
    async with services.store.transaction():
        for user_id in (1, 2):  # interested, each with its reminder waiting
            await services.store.write(
                "INSERT INTO suggestions (user_id, kind, ref, score, reasons, state, created_at, updated_at) "
                "VALUES (?, 'workshop', ?, 1, '[]', 'interested', ?, ?)", user_id, workshop.id, "x", "x")
            await services.staff.context.outbox.enqueue(user_id, user_id, "reminder", {"type": "text", "text": "x"},
                                                        dedupe_key=f"reminder:{user_id}:{workshop.id}")
    async with http.post(desk.url + "/catalog", data={"csrf": csrf, "cancel": workshop.id}) as cancelled:
        assert cancelled.status == 200
    assert await services.staff.context.catalog.workshops(upcoming_after=services.store.now()) == []
    rows = await services.store.fetch_all("SELECT user_id, dedupe_key, state, payload FROM outbox "
                                          "WHERE user_id IN (1, 2, 3) ORDER BY id")
    states = {r["dedupe_key"]: (r["state"], r["payload"]) for r in rows}
    assert states[f"reminder:1:{workshop.id}"][0] == "dropped" and states[f"reminder:2:{workshop.id}"][0] == "dropped"
    assert "İptal edildi" in states[f"cancelled:1:{workshop.id}"][1]  # Turkish
    assert "أُلغيت" in states[f"cancelled:2:{workshop.id}"][1]  # Arabic
    assert not any(key.startswith("cancelled:3:") for key in states)  # not interested: not told
    async with http.post(desk.url + "/catalog", data={"csrf": csrf, "cancel": workshop.id}) as again:
        assert "cancelled already" in await again.text() or "bereits abgesagt" in await again.text()
    assert len(await services.store.fetch_all("SELECT id FROM outbox WHERE dedupe_key LIKE 'cancelled:%'")) == 2


async def test_changing_a_workshop_keeps_its_other_languages_and_moves_its_reminders(
        desk: Desk, http: aiohttp.ClientSession) -> None:
    services = desk.services
    await add_partner(services)
    await seed(services, 1, "Verein 1", "tr", {"district": "barmen"})
    csrf = await signed_in(desk, http)
    async with http.post(desk.url + "/catalog", data={**WORKSHOP_FORM, "csrf": csrf}) as saved:
        assert saved.status == 200
    catalog = services.staff.context.catalog
    [workshop] = await catalog.workshops()
    async with services.store.transaction():
        await catalog.upsert_workshops([workshop.model_copy(update={"title": {**workshop.title,
                                                                             "tr": "Dernekler için muhasebe"}})],
                                       sample=False)
        await services.store.write(
            "INSERT INTO suggestions (user_id, kind, ref, score, reasons, state, created_at, updated_at) "
            "VALUES (1, 'workshop', ?, 1, '[]', 'interested', 'x', 'x')", workshop.id)
        await services.staff.context.outbox.enqueue(1, 1, "reminder", {"type": "text", "text": "x"},
                                                    dedupe_key=f"reminder:1:{workshop.id}")
    async with http.get(f"{desk.url}/catalog/{workshop.id}") as form:
        page = await form.text()
    assert 'value="Buchhaltung für Vereine"' in page and 'value="2026-12-20T18:00"' in page
    moved = {**WORKSHOP_FORM, "title": "Buchhaltung für Vereine (neuer Termin)", "start": "2026-12-27T18:00",
             "end": "2026-12-27T20:00", "csrf": csrf}
    async with http.post(f"{desk.url}/catalog/{workshop.id}", data=moved, allow_redirects=False) as changed:
        assert changed.status == 303
    [after] = await catalog.workshops()
    assert after.id == workshop.id and after.title == {"de": "Buchhaltung für Vereine (neuer Termin)",
                                                       "tr": "Dernekler için muhasebe"}
    assert after.start.isoformat().startswith("2026-12-27T18:00")
    row = await services.store.fetch_one("SELECT not_before FROM outbox WHERE dedupe_key = ?",
                                         f"reminder:1:{workshop.id}")
    assert row is not None and row["not_before"].startswith("2026-12-26")  # the evening before the new date


async def test_an_associations_page_shows_its_contact_person(desk: Desk, http: aiohttp.ClientSession) -> None:
    """Given for the office and the partners it asked (issue 28): the page shows it; without one,
    that partners reach the association through the office."""
    await seed(desk.services, 7, "Anadolu Kültür e.V.", "tr", {"district": "barmen"}, sharing=True)
    await seed(desk.services, 8, "Kulturverein Vohwinkel", "de", {"district": "vohwinkel"}, sharing=True)
    async with desk.services.store.transaction():
        await desk.services.contact_persons.give(7, "Vorsitzende <Ayşe> Demir", "ayse.demir@example.org")
    await signed_in(desk, http)
    async with http.get(desk.url + "/associations/7") as response:
        page = await response.text()
    assert "Ansprechperson für das Ressort und die Partner" in page
    # escaped like everything they type, and isolated: a right-to-left name cannot reorder the line
    assert "<bdi>Vorsitzende &lt;Ayşe&gt; Demir</bdi>, <bdi>ayse.demir@example.org</bdi>" in page
    async with http.get(desk.url + "/associations/8") as response:
        other = await response.text()
    assert "ayse.demir" not in other and "Keine angegeben: Partnerorganisationen erreichen den Verein" in other
