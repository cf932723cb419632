"""The office's web view in a real browser (issue 28): Debian's Chromium driven by Playwright,
against the real Application (the stub Bot API) with the web view beside it, as `msobot run`
serves it. Few tests, end to end: sign-in by the link /office gives, the associations table and
one association's page used with the keyboard only, writing to the association and its Telegram
reply arriving, closing a task, adding a workshop that is then pushed, approving a proposal; the
refusals; an axe-core check of every main page without serious or critical violations.

Chromium comes from Debian (`.ci/run` installs it); the tests skip, saying so, only where it is
missing on a developer's machine."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.kernel.settings import Settings
from tests.helpers.bot_api_stub import StubBotAPI
from tests.helpers.office import free_port, web_beside
from tests.helpers.phone import Phone
from tests.helpers.running import Processed, digest_delivered, running_bot
from tests.test_suggestions_e2e import NEEDY, complete

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed here (apt-get install chromium; "
                                              ".ci/run installs it)")]
STAFF_ID, ASSOCIATION = 501, 6001


@dataclass
class Desk:
    api: StubBotAPI
    staff: Phone
    association: Phone
    base: str
    services: Any
    page: Any

    async def sign_in(self) -> str:
        """Signs in by the link /office gives; returns the link (used now). The link is looked
        for among /office's replies: the week's digest may reach the staff chat meanwhile."""
        replies = await self.staff.send("/office")
        link = next((found for m in replies if (found := re.search(r"http://\S+/signin/\S+", m.text))), None)
        assert link is not None
        await self.page.goto(link.group(0))
        await self.page.get_by_role("button", name="Anmelden").click()
        await self.page.wait_for_url(self.base + "/")
        return link.group(0)

    async def axe(self) -> None:
        from axe_playwright_python.async_playwright import Axe
        results = await Axe().run(self.page)
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{self.page.url}: {bad}"


@pytest.fixture
async def desk(settings: Settings, bot_api: StubBotAPI) -> AsyncIterator[Desk]:
    from playwright.async_api import async_playwright
    settings = settings.model_copy(update={"staff_ids": [STAFF_ID], "quiet_hours": "", "web_port": free_port()})
    processed = Processed()
    staff = Phone(bot_api, STAFF_ID, "de", processed)
    association = Phone(bot_api, ASSOCIATION, "tr", processed)
    async with running_bot(settings, bot_api, processed) as application, web_beside(application, settings) as web, \
            async_playwright() as playwright:
        await digest_delivered(settings)
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = await browser.new_context(locale="de-DE")
            page = await context.new_page()
            page.set_default_timeout(15_000)
            await complete(association, "tr", "Anadolu Kültür Derneği", NEEDY)
            yield Desk(bot_api, staff, association, f"http://127.0.0.1:{web.port}",
                       application.bot_data["services"], page)
        finally:
            await browser.close()


async def test_sign_in_find_the_association_by_keyboard_write_to_it_and_read_its_reply(desk: Desk) -> None:
    page = desk.page
    await desk.sign_in()
    await desk.axe()  # the overview
    # Keyboard only: skip link, the navigation, the filter form, the table's link.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Zum Inhalt springen"
    for _ in range(2):
        await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Vereine"
    await page.keyboard.press("Enter")
    await page.wait_for_url(desk.base + "/associations")
    await desk.axe()
    await page.get_by_label("Stadtbezirk").focus()
    await page.keyboard.press("End")  # the district select
    await page.get_by_label("Stadtbezirk").select_option("barmen")
    await page.get_by_label("Name").focus()
    await page.keyboard.type("Anadolu")
    await page.keyboard.press("Enter")  # submits the filter form
    await page.wait_for_url(re.compile(r".*name=Anadolu.*"))
    link = page.get_by_role("link", name="Anadolu Kültür Derneği")
    await link.focus()
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{desk.base}/associations/{ASSOCIATION}")
    await desk.axe()
    assert await page.get_by_role("heading", name="Anadolu Kültür Derneği").is_visible()

    since = len(desk.api.calls)
    await page.get_by_label("An den Verein schreiben").fill("Merhaba! Pazartesi görüşebilir miyiz?")
    await page.get_by_role("button", name="Senden").click()
    await page.get_by_text("Ihre Nachricht ist auf dem Weg zum Verein.").wait_for()
    await desk.api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ASSOCIATION
                            and "Uyum Bürosundan" in str(c.params["text"]), since=since)
    framed = desk.association.last()
    await desk.association.tap(lambda d: d.startswith("M:r"), message=framed)
    await desk.association.send("Evet, saat 10'da geliriz.")
    await page.reload()
    await page.get_by_text("Evet, saat 10'da geliriz.").wait_for()
    await page.get_by_role("button", name="Übernehmen").click()  # the reply is a task: take it, close it
    await page.get_by_role("button", name="Erledigt").click()
    await page.wait_for_url(f"{desk.base}/associations/{ASSOCIATION}")
    await page.get_by_text("Keine offenen Aufgaben.").wait_for()


async def test_a_workshop_added_in_the_browser_is_pushed_and_a_proposal_approved(desk: Desk) -> None:
    from bot.storage.partners import ProposalStore
    from tests.helpers.office import add_partner
    page, services = desk.page, desk.services
    await add_partner(services)
    flow = services.staff.workshops.flow
    proposed = flow.workshop({"title": "Vereinsrecht kompakt", "topics": ["law"], "languages": ["de"],
                              "start": "2030-03-01T18:00:00+01:00", "end": "2030-03-01T20:00:00+01:00",
                              "online": True, "provider": "awo", "registration": {"email": "k@awo.example.org"}},
                             "p1")
    async with services.store.transaction():
        await ProposalStore(services.store).add("awo", 4242, proposed.model_dump_json())
    await desk.sign_in()
    await page.get_by_role("link", name="Katalog").click()
    await desk.axe()
    await page.get_by_label("Titel (deutsch)").fill("Buchhaltung für Vereine")
    await page.get_by_role("checkbox", name="Buchhaltung und Finanzen").check()
    await page.get_by_label("Beginn", exact=True).fill("2030-02-20T18:00")
    await page.get_by_label("Ende", exact=True).fill("2030-02-20T20:00")
    await page.get_by_label("Ort", exact=True).select_option("barmen")
    await page.get_by_label("Adresse (nicht bei Online-Workshops)").fill("Werth 1, 42275 Wuppertal")
    await page.get_by_role("checkbox", name="Türkisch").check()
    await page.get_by_label("Anmeldung: ein Link, eine E-Mail-Adresse oder eine Telefonnummer").fill(
        "https://awo.example.org/kurs")
    since = len(desk.api.calls)
    await page.get_by_role("button", name="Speichern und an die passenden Vereine senden").click()
    await page.get_by_text("Gespeichert. Er geht an die Vereine, zu denen er passt.").wait_for()
    await desk.api.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ASSOCIATION
                            and "Buchhaltung für Vereine" in str(c.params["text"]), since=since)  # pushed

    await page.get_by_role("link", name="Vorschläge").click()
    await desk.axe()
    await page.get_by_role("button", name="Annehmen").click()
    await page.get_by_text("Kein Vorschlag wartet.").wait_for()
    titles = [w.title["de"] for w in await services.staff.context.catalog.workshops()]
    assert "Vereinsrecht kompakt" in titles
    for name in ("Aufgaben", "Exporte"):
        await page.get_by_role("link", name=name).click()
        await desk.axe()


async def test_refusals_in_the_browser(desk: Desk) -> None:
    page = desk.page
    response = await page.goto(desk.base + "/associations")
    assert response is not None and response.status == 401  # no session
    await page.get_by_text("Bitte melden Sie sich an").wait_for()
    await desk.axe()
    used = await desk.sign_in()
    await page.goto(used)  # the same link again
    await desk.axe()  # the sign-in page
    await page.get_by_role("button", name="Anmelden").click()
    await page.get_by_text("Dieser Link gilt nicht mehr").wait_for()
    refused = await page.request.post(f"{desk.base}/associations/{ASSOCIATION}/message",
                                      form={"text": "ohne Token", "language": "de"})  # the session, no CSRF token
    assert refused.status == 403
    outsider = Phone(desk.api, 777, "de", desk.staff.processed)
    await outsider.send("/office")  # not on the staff: no link
    assert "/signin/" not in outsider.last().text
