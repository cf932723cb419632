"""The office's web view on a temporary database, for tests below and in the browser: the real
services, the real tornado server on a free port, associations seeded as stored rows."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.consent.notice import NOTICE_VERSION
from bot.kernel.settings import Settings
from bot.services import Services, open_services
from bot.survey.turns import Visitor
from bot.web.server import OfficeServer
from tests.helpers.fakes import Clock

STAFF = 900
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@dataclass
class Desk:
    services: Services
    server: OfficeServer
    clock: Clock
    events: int = 10_000

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    async def link(self, staff_id: int = STAFF) -> str:
        """The path of the sign-in link /office gives this staff member (through the staff service)."""
        self.events += 1
        outcome = await self.services.staff.command(Visitor(staff_id, "de", self.events), staff_id, "office")
        found = re.search(r"/signin/[A-Za-z0-9_-]+", outcome.messages[0].text)
        assert found, outcome.messages[0].text
        return found.group(0)


@asynccontextmanager
async def office_desk(settings: Settings) -> AsyncIterator[Desk]:
    settings = settings.model_copy(update={"staff_ids": [STAFF], "web_port": 8081})
    services = await open_services(settings)
    clock = Clock(NOW)
    services.store.clock = clock
    services.store.reader.clock = clock
    server = OfficeServer(services, settings, port=0)
    await server.start()
    try:
        yield Desk(services, server, clock)
    finally:
        await server.stop()
        await services.close()


async def seed(services: Services, user_id: int, name: str, language: str, answers: dict[str, Any],
               completed: bool = True, networking: bool = False, sharing: bool = False) -> None:
    """An association as its answers are stored."""
    store = services.store
    at = store.now().isoformat()
    async with store.transaction():
        await store.write("INSERT INTO users (id, language, consent_at, notice_version, created_at, networking, "
                          "sharing) VALUES (?, ?, ?, ?, ?, ?, ?)", user_id, language, at, NOTICE_VERSION, at,
                          int(networking), int(sharing))
        cursor = await store.db.execute("INSERT INTO organisations (name, created_by, created_at) VALUES (?, ?, ?)",
                                        (name, user_id, at))
        cursor = await store.db.execute(
            "INSERT INTO submissions (user_id, organisation_id, questionnaire_id, questionnaire_version, started_at, "
            "completed_at) VALUES (?, ?, 'mso-needs', '1', ?, ?)", (user_id, cursor.lastrowid, at,
                                                                   at if completed else None))
        for question, value in {"org_name": name, **answers}.items():
            await store.write("INSERT INTO answers (submission_id, question_id, value, answered_at) "
                              "VALUES (?, ?, ?, ?)", cursor.lastrowid, question, json.dumps(value), at)


async def signed_in(desk: Desk, http: aiohttp.ClientSession) -> str:
    """Signs `http` in by a fresh link; the session's CSRF token (read from a page's form)."""
    async with http.post(desk.url + await desk.link(), allow_redirects=True) as response:
        assert response.status == 200, await response.text()
        page = await response.text()
    return csrf_of(page)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no form with a CSRF token on the page"
    return found.group(1)


async def add_partner(services: Services, partner_id: str = "awo", name: str = "AWO Wuppertal") -> None:
    from bot.catalog.model import Partner
    from bot.storage.catalog import CatalogStore
    async with services.store.transaction():
        await CatalogStore(services.store).upsert_partners([Partner.model_validate({
            "id": partner_id, "name": name, "kind": "welfare", "topics": ["bookkeeping"], "languages": ["de"],
            "contact": {"email": f"{partner_id}@example.org"}})], sample=False)


WORKSHOP_FORM = {"title": "Buchhaltung für Vereine", "topics": "bookkeeping", "start": "2026-12-20T18:00",
                 "end": "2026-12-20T20:00", "place": "barmen", "address": "Werth 1, 42275 Wuppertal",
                 "languages": "de", "provider": "awo", "registration": "https://awo.example.org/kurs", "capacity": "",
                 "cost": "0"}


def free_port() -> int:
    """A port nobody listens on now (for MSOBOT_WEB_PORT, which /office's links name)."""
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def web_beside(application: Any, settings: Settings) -> AsyncIterator[OfficeServer]:
    """The office's web view on the running Application's services, as `msobot run` serves it."""
    server = OfficeServer(application.bot_data["services"], settings)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
