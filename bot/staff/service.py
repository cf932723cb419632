"""The office's side of the bot: staff commands, their guided conversations, and the checks
that keep everyone else out.

Who is staff is configuration (MSOBOT_STAFF_IDS). Anyone else gets the same polite refusal
in their own language for every staff command, the attempt is logged, and nothing about
the data is revealed, not even whether the command exists.
"""

from __future__ import annotations

import functools
import io
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_date
from pydantic import ValidationError

from bot.actions import Action, Kind, parse
from bot.digest.figures import FigureSource
from bot.digest.render import StaffVoice, messages, sections
from bot.digest.service import DigestService
from bot.engine import Engine
from bot.export import table, write_csv, xlsx_bytes
from bot.i18n import N_
from bot.outbox import screen_payload
from bot.rounds import RoundService, round_name
from bot.screens import Document, Outcome, Screen
from bot.staff.workshop_flow import WorkshopFlow, button, rows
from bot.storage import Store
from bot.storage.catalog import CatalogStore
from bot.storage.outbox import OutboxStore
from bot.storage.staff import Flow, StaffStore
from bot.suggestions import SuggestionService, quiet_hours_end
from bot.survey import SurveyService, Visitor, run_after_commit

log = logging.getLogger(__name__)

STAFF_COMMANDS = ("digest", "stats", "export", "msos", "workshop", "broadcast", "round", "cancel")
# Shown only in staff members' chats; German by default (the staff catalog).
STAFF_MENU = [
    ("digest", N_("Digest of the last seven days")),
    ("stats", N_("Statistics")),
    ("export", N_("Export all submissions (CSV and Excel)")),
    ("msos", N_("Associations and their progress")),
    ("workshop", N_("Add a workshop")),
    ("broadcast", N_("Message to associations")),
    ("round", N_("Ask the associations again: /round 2027")),
    ("cancel", N_("Cancel the current step")),
]
BROADCAST_LIMIT = 3000
BIG_LEVELS = ("big", "urgent")


@dataclass
class StaffTurn:
    visitor: Visitor
    chat_id: int
    outcome: Outcome = field(default_factory=Outcome)
    after: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


class StaffService:
    def __init__(self, store: Store, engine: Engine, voice: StaffVoice, staff_ids: list[int],
                 digest: DigestService, figures: FigureSource, survey: SurveyService,
                 suggestions: SuggestionService) -> None:
        self.store = store
        self.engine = engine
        self.v = voice
        self._ = voice.t.gettext
        self.staff_ids = set(staff_ids)
        self.digest = digest
        self.figures = figures
        self.survey = survey
        self.suggestions = suggestions
        self.data = StaffStore(store)
        self.catalog = CatalogStore(store)
        self.outbox = OutboxStore(store)
        self.rounds: RoundService | None = None  # set by the services (it needs the survey's screens)
        self.flow = WorkshopFlow(voice, self._topics(), self._districts(), self._languages())

    def sheet_title(self) -> str:
        return self._("Submissions")

    def is_staff(self, user_id: int) -> bool:
        return user_id in self.staff_ids

    # -- vocabulary from the questionnaire, in the staff language ---------------------------

    def _topics(self) -> list[tuple[str, str]]:
        matching = self.engine.questionnaire.matching
        options = self.engine.questionnaire.option_sets.get(matching.topics if matching else "", [])
        return [(o.id, self.v.q.gettext(o.label)) for o in options]

    def _choices(self, question_id: str | None) -> list[tuple[str, str]]:
        question = self.engine.question(question_id or "")
        if question is None:
            return []
        return [(o.id, self.v.q.gettext(o.label)) for o in self.engine.choices(question) if o.id != "other"]

    def _districts(self) -> list[tuple[str, str]]:
        matching = self.engine.questionnaire.matching
        return self._choices(matching.district if matching else None)

    def _languages(self) -> list[tuple[str, str]]:
        matching = self.engine.questionnaire.matching
        return self._choices(matching.languages if matching else None)

    # -- entry points (adapters) ------------------------------------------------------------

    async def command(self, visitor: Visitor, chat_id: int, name: str, argument: str = "") -> Outcome:
        if not self.is_staff(visitor.user_id):
            return await self.refuse(visitor, name)
        handlers: dict[str, Callable[[StaffTurn], Awaitable[None]]] = {
            "digest": self._digest, "stats": self._stats, "export": self._export, "msos": self._msos,
            "workshop": self._start_workshop, "broadcast": self._start_broadcast, "cancel": self._cancel,
            "round": functools.partial(self._open_round, argument=argument),
        }
        return await self._run(visitor, chat_id, handlers[name])

    async def _open_round(self, turn: StaffTurn, argument: str) -> None:
        name = round_name(argument)
        if name is None:
            self._say(turn, self._("Send /round with the name of the new round (at most 40 characters), "
                                   "e.g. /round 2027."))
            return
        assert self.rounds is not None
        opened = await self.rounds.open_here(name)
        if opened is None:
            self._say(turn, self._("A round named “{name}” exists already; nobody was invited again.").format(
                name=name))
            return
        turn.after.append(self.rounds.ring)
        self._say(turn, self.v.t.ngettext(
            "Round “{name}” is open: {count} association will be invited to answer again.",
            "Round “{name}” is open: {count} associations will be invited to answer again.",
            opened.invited).format(name=name, count=self.v.n(opened.invited)))

    async def press(self, visitor: Visitor, chat_id: int, data: str | None) -> Outcome:
        if not self.is_staff(visitor.user_id):
            return await self.refuse(visitor, "button")
        action = parse(data)
        if action is None or action.kind is not Kind.STAFF:
            return Outcome(toast=self._("This button no longer applies."))
        return await self._run(visitor, chat_id, lambda turn: self._pressed(turn, action))

    async def has_flow(self, user_id: int) -> bool:
        return self.is_staff(user_id) and await self.data.flow(user_id) is not None

    async def text(self, visitor: Visitor, chat_id: int, text: str) -> Outcome:
        """Typed input for a staff member's guided conversation (see has_flow)."""
        return await self._run(visitor, chat_id, lambda turn: self._typed(turn, text))

    async def refuse(self, visitor: Visitor, what: str) -> Outcome:
        async def record() -> None:
            await self.store.log_event("staff_refused", None, telegram_user=visitor.user_id, command=what[:32])

        if not await self.store.once(visitor.event_id, record):
            return Outcome()
        log.warning("user %s tried the staff command %s", visitor.user_id, what[:32])
        language = await self.survey.language_of(visitor)
        text = self.survey.screens_for(language).staff_only()
        return Outcome(toast=text, messages=[] if what == "button" else [Screen(text=text)])

    async def _run(self, visitor: Visitor, chat_id: int, step: Callable[[StaffTurn], Awaitable[None]]) -> Outcome:
        turn = StaffTurn(visitor, chat_id)
        if not await self.store.once(visitor.event_id, lambda: step(turn)):
            return Outcome()
        await run_after_commit(turn.after)
        return turn.outcome

    def _say(self, turn: StaffTurn, text: str) -> None:
        turn.outcome.messages.append(Screen(text=text))

    # -- reports ----------------------------------------------------------------------------

    async def _digest(self, turn: StaffTurn) -> None:
        async def send() -> None:
            digest = await self.digest.build(title=self._("Digest of the last seven days"))
            async with self.store.transaction():
                await self.digest.queue(turn.chat_id, digest, None)
            self.digest.wake()
        self._say(turn, self._("The digest of the last seven days is on its way."))
        turn.after.append(send)

    async def _stats(self, turn: StaffTurn) -> None:
        figures = await self.figures.compute(self.store.now())
        blocks = sections(self.v, figures, title=self._("Statistics"))
        for text in messages([blocks[0], blocks[1], blocks[2], blocks[3]]):
            self._say(turn, text)

    async def _export(self, turn: StaffTurn) -> None:
        rows_ = await table(self.store, self.engine, self.v.q, self.v.tz)
        stamp = self.store.now().astimezone(self.v.tz).strftime("%Y-%m-%d")
        text = io.StringIO()
        write_csv(rows_, text)
        count = len(rows_) - 1
        caption = self.v.t.ngettext("{count} submission", "{count} submissions", count).format(count=self.v.n(count))
        for document in (
            Document(filename=f"mso-bedarfe-{stamp}.csv", content=text.getvalue().encode("utf-8-sig"),
                     caption=caption, mime_type="text/csv"),
            Document(filename=f"mso-bedarfe-{stamp}.xlsx", content=xlsx_bytes(rows_, self.sheet_title()),
                     caption=caption,
                     mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ):
            await self.outbox.enqueue(turn.chat_id, None, "export", document.payload())
        turn.after.append(self._wake)

    async def _wake(self) -> None:
        self.digest.wake()

    async def _msos(self, turn: StaffTurn) -> None:
        _ = self._
        found = await self.data.msos()
        total = len([q for _s, q in self.engine.questionnaire.questions()])
        now = self.store.now()
        lines = [_("Associations ({count})").format(count=self.v.n(len(found)))]
        for i, row in enumerate(found, 1):
            name = row.name or _("(no name yet)")
            language = self.v.language(row.language)
            if row.completed_at:
                state = _("completed on {date}").format(date=self._date(row.completed_at))
            elif datetime.fromisoformat(row.last_activity) + timedelta(days=7) <= now:
                state = _("abandoned, last answer on {date}").format(date=self._date(row.last_activity))
            else:
                state = _("in progress: {count} of {total} answers").format(
                    count=self.v.n(row.answered), total=self.v.n(total))
            lines.append(f"{i}. {name} ({language}): {state}")
        if not found:
            lines.append(_("No association has started the questionnaire yet."))
        for text in messages(["\n".join(lines)]):
            self._say(turn, text)

    def _date(self, value: str) -> str:
        return format_date(datetime.fromisoformat(value).astimezone(self.v.tz), "medium", locale=self.v.t.locale)

    # -- guided conversations ---------------------------------------------------------------

    async def _cancel(self, turn: StaffTurn) -> None:
        had = await self.data.flow(turn.visitor.user_id)
        await self.data.end_flow(turn.visitor.user_id)
        self._say(turn, self._("Cancelled. Nothing was saved or sent.") if had else self._("Nothing to cancel."))

    async def _start_workshop(self, turn: StaffTurn) -> None:
        if not await self.catalog.partner_ids():
            self._say(turn, self._("The catalog has no partner organisations yet. Import them first "
                                   "(msobot catalog import FILE); every workshop needs a provider."))
            return
        flow = Flow(user_id=turn.visitor.user_id, flow="workshop", step="title", data={})
        await self.data.save_flow(flow)
        turn.outcome.messages.append(await self._workshop_prompt(flow))

    async def _workshop_prompt(self, flow: Flow) -> Screen:
        return self.flow.prompt(flow.step, flow.data, await self.catalog.partners())

    async def _start_broadcast(self, turn: StaffTurn) -> None:
        flow = Flow(user_id=turn.visitor.user_id, flow="broadcast", step="audience", data={})
        await self.data.save_flow(flow)
        turn.outcome.messages.append(await self._broadcast_prompt(flow))

    async def _typed(self, turn: StaffTurn, text: str) -> None:
        flow = await self.data.flow(turn.visitor.user_id)
        if flow is None:
            return
        if flow.flow == "workshop":
            error = self.flow.typed(flow.step, flow.data, text, self.store.now())
            if error is not None:
                self._say(turn, "⚠️ " + error)
                turn.outcome.messages.append(await self._workshop_prompt(flow))
                return
            await self._advance_workshop(turn, flow)
        elif flow.step == "text":
            text = text.strip()
            if not text or len(text) > BROADCAST_LIMIT:
                self._say(turn, "⚠️ " + self._("Please type a message of at most {count} characters.").format(
                    count=self.v.n(BROADCAST_LIMIT)))
                return
            flow.data["text"] = text
            flow.step = "preview"
            await self.data.save_flow(flow)
            turn.outcome.messages.append(await self._broadcast_prompt(flow))
        else:
            self._say(turn, self._("Please use the buttons."))

    async def _pressed(self, turn: StaffTurn, action: Action) -> None:
        stale = self._("This button no longer applies.")
        flow = await self.data.flow(turn.visitor.user_id)
        if action.question == "cancel":
            turn.outcome.source_closed = True
            await self._cancel(turn)
            return
        if flow is None:
            turn.outcome.toast = stale
            turn.outcome.source_closed = True
            return
        if flow.flow == "workshop":
            await self._workshop_button(turn, flow, action.question or "", action.value or "", stale)
        else:
            await self._broadcast_button(turn, flow, action.question or "", action.value or "", stale)

    async def _workshop_button(self, turn: StaffTurn, flow: Flow, step: str, value: str, stale: str) -> None:
        data = flow.data
        choices = {"topic": ("topics", self.flow.topics), "language": ("languages", self.flow.languages)}
        if step in choices and flow.step == choices[step][0] and value in dict(choices[step][1]):
            chosen: list[str] = data.setdefault(flow.step, [])
            if value in chosen:
                chosen.remove(value)
            else:
                chosen.append(value)
            await self.data.save_flow(flow)
            turn.outcome.source = await self._workshop_prompt(flow)  # the same message, ticks updated
            return
        if step in ("topics", "languages") and flow.step == step and value == "done":
            if not data.get(step):
                turn.outcome.toast = self._("Please choose at least one.")
                return
        elif step == "place" and flow.step == "place":
            if value == "online":
                data.update(online=True, district=None, address=None)
            elif value in dict(self.flow.districts):
                data.update(online=False, district=value)
            else:
                turn.outcome.toast = stale
                return
        elif step == "provider" and flow.step == "provider" and value in await self.catalog.partner_ids():
            data["provider"] = value
        elif step == "capacity" and flow.step == "capacity" and value == "none":
            data["capacity"] = None
        elif step == "cost" and flow.step == "cost" and value in ("free", "none"):
            data["cost"] = "0" if value == "free" else None
        elif step == "save" and flow.step == "preview":
            turn.outcome.source_closed = True
            await self._save_workshop(turn, flow)
            return
        else:
            turn.outcome.toast = stale
            return
        turn.outcome.source_closed = True
        await self._advance_workshop(turn, flow)

    async def _advance_workshop(self, turn: StaffTurn, flow: Flow) -> None:
        flow.step = self.flow.next_step(flow.step, flow.data)
        await self.data.save_flow(flow)
        turn.outcome.messages.append(await self._workshop_prompt(flow))

    async def _save_workshop(self, turn: StaffTurn, flow: Flow) -> None:
        workshop_id = await self._new_id(flow.data)
        try:
            workshop = self.flow.workshop(flow.data, workshop_id)
        except ValidationError as exc:
            problem = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            self._say(turn, "⚠️ " + self._("The workshop could not be saved: {problem}").format(problem=problem))
            flow.step = "title"
            await self.data.save_flow(flow)
            turn.outcome.messages.append(await self._workshop_prompt(flow))
            return
        await self.catalog.upsert_workshops([workshop], sample=False)
        await self.store.db.execute("UPDATE workshops SET source = 'chat' WHERE id = ?", (workshop.id,))
        await self.store.log_event("workshop_added", None, workshop=workshop.id, staff=turn.visitor.user_id)
        await self.data.end_flow(turn.visitor.user_id)

        async def push() -> None:
            pushed = await self.suggestions.offers_added([workshop.id])
            count = len(pushed)
            text = self.v.t.ngettext(
                "Saved. {count} association it fits will get a message.",
                "Saved. {count} associations it fits will get a message.", count).format(count=self.v.n(count))
            async with self.store.transaction():
                await self.outbox.enqueue(turn.chat_id, None, "staff", screen_payload(Screen(text=text)))
            self.digest.wake()
        turn.after.append(push)

    async def _new_id(self, data: dict[str, Any]) -> str:
        day = datetime.fromisoformat(data["start"]).strftime("%y%m%d")
        slug = re.sub(r"[^a-z0-9]+", "-", data["title"].lower().translate(_UMLAUTS)).strip("-")[:14].strip("-")
        base = f"w{day}-{slug or 'workshop'}"
        known = {w.id for w in await self.catalog.workshops()}
        candidate, n = base, 2
        while candidate in known:
            candidate = f"{base[:21]}-{n}"
            n += 1
        return candidate

    # -- broadcast --------------------------------------------------------------------------

    async def _audience(self, topic: str | None) -> list[int]:
        matching = self.engine.questionnaire.matching
        question = matching.needs.get(topic) if matching and topic else None
        if topic is not None and question is None:
            return []
        return await self.data.audience(question, list(BIG_LEVELS))

    async def _broadcast_prompt(self, flow: Flow) -> Screen:
        _ = self._
        cancel = [button("✖ " + _("Cancel"), "cancel", "x")]
        if flow.step == "audience":
            topics = [button(label, "aud", t) for t, label in self.flow.topics]
            return Screen(text=_("Broadcast: who should receive the message? Everyone, or the associations "
                                 "that rated a need big or urgent:"),
                          buttons=[[button(_("All associations"), "aud", "all")], *rows(topics), cancel])
        if flow.step == "text":
            return Screen(text=_("Type the message. It is sent as you write it, with a line in each "
                                 "association's language saying it comes from the integration office."),
                          buttons=[cancel], expects_text=True)
        recipients = await self._audience(flow.data.get("topic"))
        topic = flow.data.get("topic")
        audience = _("all associations") if topic is None else _("associations with a big or urgent need: "
                                                                    "{topic}").format(topic=self.v.topic(topic))
        text = "\n".join([
            _("Preview of the broadcast to {audience}:").format(audience=audience), "",
            self.survey.screens_for(self.v.t.code).broadcast_heading(), flow.data["text"], "",
            self.v.t.ngettext("It will go to {count} association (pushes on, bot not blocked).",
                              "It will go to {count} associations (pushes on, bot not blocked).",
                              len(recipients)).format(count=self.v.n(len(recipients))),
        ])
        send = self.v.t.ngettext("Send to {count} association", "Send to {count} associations",
                                 len(recipients)).format(count=self.v.n(len(recipients)))
        buttons = [[button("📣 " + send, "send", "yes")]] if recipients else []
        return Screen(text=text, buttons=[*buttons, cancel])

    async def _broadcast_button(self, turn: StaffTurn, flow: Flow, step: str, value: str, stale: str) -> None:
        if step == "aud" and flow.step == "audience" and (value == "all" or value in dict(self.flow.topics)):
            flow.data["topic"] = None if value == "all" else value
            flow.step = "text"
            await self.data.save_flow(flow)
            turn.outcome.source_closed = True
            turn.outcome.messages.append(await self._broadcast_prompt(flow))
            return
        if step == "send" and flow.step == "preview":
            turn.outcome.source_closed = True
            await self._send_broadcast(turn, flow)
            return
        turn.outcome.toast = stale

    async def _send_broadcast(self, turn: StaffTurn, flow: Flow) -> None:
        topic = flow.data.get("topic")
        recipients = await self._audience(topic)
        broadcast_id = await self.data.add_broadcast(turn.visitor.user_id, topic, flow.data["text"], len(recipients))
        send_at = quiet_hours_end(self.store.now(), self.v.tz, self.suggestions.quiet)
        for user_id in recipients:
            user = await self.store.user(user_id)
            heading = self.survey.screens_for(user.language if user else None).broadcast_heading()
            screen = Screen(text=f"{heading}\n\n{flow.data['text']}")
            await self.outbox.enqueue(user_id, user_id, "broadcast", screen_payload(screen), not_before=send_at,
                                      dedupe_key=f"broadcast:{broadcast_id}:{user_id}")
        await self.data.end_flow(turn.visitor.user_id)
        await self.store.log_event("broadcast_queued", None, broadcast=broadcast_id, recipients=len(recipients))
        self._say(turn, self.v.t.ngettext(
            "The message is queued for {count} association.", "The message is queued for {count} associations.",
            len(recipients)).format(count=self.v.n(len(recipients))))
        turn.after.append(self._wake)


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
