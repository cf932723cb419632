"""The office's desk: what the web view (`bot/web`) asks of the domain.

Access: a staff member sends /office and gets a one-time link (128 bits, only its SHA-256 kept,
used once within ten minutes, bound to their staff id); opening it starts a session that ends
after eight idle hours or when the id leaves MSOBOT_STAFF_IDS. Reads: the overview's figures
(the digest's), the associations table, one association's page; each view of an association's
page is an event (who, when) for the record of processing."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.digest.figures import DigestFigures, FigureSource
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import QuestionType
from bot.questionnaire.readable import readable_value
from bot.questionnaire.staff_voice import StaffVoice
from bot.storage import Store
from bot.storage.catalog import CatalogStore
from bot.storage.contact_persons import ContactPersonStore
from bot.storage.office import AssociationFilter, AssociationRow, OfficeSession, OfficeStore
from bot.storage.tasks import TaskStore

__all__ = ["AssociationFilter", "AssociationRow", "OfficeAccess", "OfficeDesk", "OfficeSession"]

LINK_LIFE = timedelta(minutes=10)
IDLE_LIFE = timedelta(hours=8)
TOUCH_EVERY = timedelta(minutes=1)  # a session's last-seen time is written at most this often
PAGE_SIZE = 50


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class OfficeAccess:
    def __init__(self, store: Store, staff_ids: set[int], base_url: str) -> None:
        self.store = store
        self.data = OfficeStore(store)
        self.staff_ids = staff_ids
        self.base_url = base_url

    async def issue(self, staff_id: int) -> str:
        """A new sign-in link for a staff member (in their transaction)."""
        token = secrets.token_urlsafe(16)
        await self.data.forget_links(self.store.now() - LINK_LIFE)
        await self.data.add_link(_hash(token), staff_id)
        return f"{self.base_url}/signin/{token}"

    async def sign_in(self, token: str) -> tuple[str, OfficeSession] | None:
        """(session cookie, session) for an unused, young link of someone still on the staff."""
        async with self.store.transaction():
            staff_id = await self.data.take_link(_hash(token), self.store.now() - LINK_LIFE)
            if staff_id is None or staff_id not in self.staff_ids:
                return None
            cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            await self.data.forget_sessions(self.store.now() - IDLE_LIFE)
            await self.data.add_session(_hash(cookie), staff_id, csrf)
            await self.store.log_event("office_sign_in", None, staff=staff_id)
        return cookie, OfficeSession(staff_id, csrf, self.store.now())

    async def session(self, cookie: str | None) -> OfficeSession | None:
        """The session of this cookie while it is alive; its idle time starts again."""
        if not cookie:
            return None
        key = _hash(cookie)
        found = await self.data.session(key)
        now = self.store.now()
        if found is None or found.staff_id not in self.staff_ids or found.seen_at + IDLE_LIFE <= now:
            if found is not None:
                async with self.store.transaction():
                    await self.data.end_session(key)
            return None
        if found.seen_at + TOUCH_EVERY <= now:
            async with self.store.transaction():
                await self.data.touch_session(key)
        return found

    async def sign_out(self, cookie: str) -> None:
        async with self.store.transaction():
            await self.data.end_session(_hash(cookie))


@dataclass
class AnswerLine:
    question: str
    value: str
    language: str | None = None  # a free text: the language it was written in


@dataclass
class AnswerSection:
    title: str
    lines: list[AnswerLine] = field(default_factory=list)


@dataclass
class Change:
    question: str
    before: str
    after: str


class OfficeDesk:
    """The reads of the web view's pages, in the staff language of the reader."""

    def __init__(self, store: Store, engine: Engine, figures: FigureSource) -> None:
        self.store = store
        self.engine = engine
        self.figures = figures
        self.catalog = CatalogStore(store)

    async def overview(self, now: datetime) -> DigestFigures:
        return await self.figures.compute(now)

    def filter_questions(self, where: AssociationFilter) -> AssociationFilter:
        matching = self.engine.questionnaire.matching
        where.district_question = matching.district if matching and matching.district else "district"
        where.community_question = "communities" if self.engine.question("communities") else ""
        if where.topic and matching and where.topic in matching.needs:
            where.topic = matching.needs[where.topic]
        elif where.topic:
            where.topic = ""
        return where

    async def associations(self, where: AssociationFilter, page: int) -> tuple[int, list[AssociationRow]]:
        where = self.filter_questions(where)
        async with self.store.snapshot() as reader:
            return await OfficeStore(reader).associations(where, PAGE_SIZE, max(0, page - 1) * PAGE_SIZE)

    async def association(self, staff_id: int, user_id: int, v: StaffVoice) -> dict[str, Any] | None:
        """One association's page; the view is recorded (who, when) before anything is shown."""
        async with self.store.snapshot() as reader:
            found = await OfficeStore(reader).association(user_id)
            if found is not None:
                found["messages"] = await TaskStore(reader).messages(user_id)
                found["contact_person"] = await ContactPersonStore(reader).get(user_id)
        if found is None:
            return None
        async with self.store.transaction():
            await self.store.log_event("office_view", user_id, staff=staff_id)
        language = str(found["user"]["language"])
        submissions = found["submissions"]
        latest = submissions[-1] if submissions else None
        answers = self.engine.current(found["answers"][latest["id"]]) if latest else {}
        found["name"] = next((s["name"] for s in reversed(submissions) if s["name"]), None)
        found["sections"] = self._sections(answers, language, v)
        found["changes"] = self._changes(found, v) if len(submissions) > 1 else []
        for request in found["requests"]:
            partner = await self.catalog.partner(request["partner_id"])
            request["partner"] = partner.name if partner else request["partner_id"]
        for interest in found["interest"]:
            workshop = await self.catalog.workshop(interest["ref"])
            interest["title"] = workshop.title.get(v.t.code) or workshop.title["de"] if workshop else interest["ref"]
        return found

    def _sections(self, answers: dict[str, Any], language: str, v: StaffVoice) -> list[AnswerSection]:
        result: dict[str, AnswerSection] = {}
        for section, question in self.engine.questionnaire.questions():
            if question.id not in answers:
                continue
            shown = result.setdefault(section.id, AnswerSection(v.questions.gettext(section.title)))
            value = answers[question.id]
            text = readable_value(v.questions, self.engine, question, value)
            free = question.type is QuestionType.TEXT and value is not None and question.id != "org_name"
            shown.lines.append(AnswerLine(v.questions.gettext(question.text), text,
                                          v.language(language) if free else None))
        return list(result.values())

    def _changes(self, found: dict[str, Any], v: StaffVoice) -> list[Change]:
        before_id, after_id = found["submissions"][-2]["id"], found["submissions"][-1]["id"]
        before = self.engine.current(found["answers"][before_id])
        after = self.engine.current(found["answers"][after_id])
        changes = []
        for _section, question in self.engine.questionnaire.questions():
            old, new = before.get(question.id), after.get(question.id)
            if question.id in after and old != new:
                changes.append(Change(v.questions.gettext(question.text),
                                      readable_value(v.questions, self.engine, question, old),
                                      readable_value(v.questions, self.engine, question, new)))
        return changes
