"""The office's side of the bot: staff commands, their guided conversations, and the checks
that keep everyone else out.

Who is staff is configuration (MSOBOT_STAFF_IDS). Anyone else gets the same polite refusal
in their own language for every staff command, the attempt is logged, and nothing about
the data is revealed, not even whether the command exists. The commands themselves live in
`Reports`, `WorkshopSteps` and `Broadcast`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

from bot.digest.figures import FigureSource
from bot.digest.service import DigestService
from bot.kernel.actions import StaffTap, parse
from bot.kernel.i18n import N_
from bot.kernel.outcome import Outcome, Screen
from bot.kernel.settings import Settings
from bot.kernel.turns import TurnRunner
from bot.office.mail import OfficeMail
from bot.partners.service import PartnerService
from bot.questionnaire.engine import Engine
from bot.questionnaire.staff_voice import StaffVoice
from bot.staff.broadcast import Broadcast
from bot.staff.context import StaffContext, StaffTurn
from bot.staff.exports import sheet_title
from bot.staff.office import LINK_LIFE, OfficeAccess, OfficeDesk
from bot.staff.office_actions import OfficeActions
from bot.staff.reports import Reports
from bot.staff.workshop_flow import button
from bot.staff.workshops import WorkshopSteps
from bot.storage import Store, User
from bot.suggestions.service import SuggestionService
from bot.survey.rounds import RoundService
from bot.survey.service import SurveyService
from bot.survey.turns import Visitor

log = logging.getLogger(__name__)

# Shown only in staff members' chats; German by default (the staff catalog).
STAFF_MENU = [
    ("digest", N_("Digest of the last seven days")),
    ("stats", N_("Statistics")),
    ("export", N_("Export all submissions (CSV and Excel)")),
    ("report", N_("The needs report for the committee (PDF): /report or /report 2027")),
    ("msos", N_("Associations and their progress")),
    ("workshop", N_("Add a workshop")),
    ("broadcast", N_("Message to associations")),
    ("round", N_("Ask the associations again: /round 2027")),
    ("partner", N_("Partner contacts: /partner invite awo, /partner list")),
    ("office", N_("A sign-in link to the office's web view")),
    ("cancel", N_("Cancel the current step")),
]


class StaffService:
    def __init__(self, store: Store, engine: Engine, voice: StaffVoice, staff_ids: list[int],
                 digest: DigestService, figures: FigureSource, survey: SurveyService,
                 suggestions: SuggestionService, settings: Settings, rounds: RoundService,
                 partners: PartnerService, mail: OfficeMail) -> None:
        self.context = StaffContext(store, engine, voice, digest, figures, survey, suggestions, settings, rounds)
        self.runner = TurnRunner[User](store)
        self.store = store
        self.voice = voice
        self._ = voice.t.gettext
        self.staff_ids = set(staff_ids)
        self._background: set[asyncio.Task[None]] = set()
        self.survey = survey
        self.reports = Reports(self.context)
        self.workshops = WorkshopSteps(self.context)
        self.broadcast = Broadcast(self.context)
        self.partners = partners
        self.office = OfficeAccess(store, self.staff_ids, settings.office_url())
        self.desk = OfficeDesk(store, engine, figures)
        self.actions = OfficeActions(self.context, self.workshops, self._on_web, mail)

    def sheet_title(self) -> str:
        return sheet_title(self.voice)

    def is_staff(self, user_id: int) -> bool:
        return user_id in self.staff_ids

    # -- entry points (adapters) ------------------------------------------------------------

    async def _proposer(self, user_id: int) -> str | None:
        """The partner organisation of an active partner contact: it may propose workshops."""
        if not self.partners.knows(user_id):
            return None
        contact = await self.partners.data.contact(user_id)
        return contact.partner_id if contact is not None and contact.active else None

    async def command(self, visitor: Visitor, chat_id: int, name: str, argument: str = "") -> Outcome:
        """A staff command (the router lets only staff, and private-only ones only in a private
        chat, reach this)."""
        reports = self.reports
        handlers: dict[str, Callable[[StaffTurn], Awaitable[None]]] = {
            "digest": reports.digest, "stats": reports.stats, "export": reports.export, "msos": reports.msos,
            "report": functools.partial(reports.report, argument=argument),
            "workshop": self.workshops.start, "broadcast": self.broadcast.start, "cancel": self._cancel,
            "round": functools.partial(reports.open_round, argument=argument),
            "partner": functools.partial(self._partner, argument=argument),
            "office": self._office, "start": self._help, "help": self._help,
        }
        return await self._run(visitor, chat_id, handlers[name])

    async def _help(self, turn: StaffTurn) -> None:
        """Staff /start and /help: what they can do here and on the web view; the questionnaire
        only if they choose to try it."""
        _ = self._
        lines = [_("You are on the staff of the integration office. Your commands:")]
        lines += [f"/{name} – {_(text)}" for name, text in STAFF_MENU]
        lines += ["", _("At your desk: /office gives you a sign-in link to the office's web view (associations, "
                        "their answers, messages, tasks, the catalog)."),
                  _("To see the questionnaire as an association does, tap the button; your answers count like "
                    "an association's until you /delete them.")]
        turn.outcome.messages.append(Screen(text="\n".join(lines), buttons=[[
            button(_("Try the questionnaire"), "try", "go")]]))

    async def _office(self, turn: StaffTurn) -> None:
        """/office: a one-time link to the web view, for this staff member only."""
        if not self.context.settings.web_port:
            turn.say(self._("The office's web view is switched off here (MSOBOT_WEB_PORT is 0)."))
            return
        link = await self.office.issue(turn.visitor.user_id)
        minutes = int(LINK_LIFE.total_seconds() // 60)
        turn.say(self._("Your sign-in link to the office's web view (it works once, within {minutes} minutes, "
                        "and only for you; do not pass it on):\n{link}").format(minutes=self.voice.n(minutes),
                                                                                 link=link))

    async def _on_web(self, staff_id: int, step: Callable[[StaffTurn], Awaitable[None]]) -> Outcome:
        """A staff member's action on the web view (its session admits only staff): one turn,
        as in their private chat."""
        return await self._run(Visitor(staff_id), staff_id, step)

    async def _partner(self, turn: StaffTurn, argument: str) -> None:
        """/partner invite <id> · /partner list · /partner revoke <contact id> · /partner publish."""
        partners = self.partners
        s = partners.screens["en" if self.voice.t.code == "en" else "de"]
        verb, _space, rest = argument.strip().partition(" ")
        by = turn.visitor.user_id
        if verb == "invite" and rest.strip():
            turn.say(await partners.invite(rest.strip().lower(), by, s))
        elif verb == "list":
            turn.say(await partners.listing(s))
        elif verb == "revoke" and rest.strip():
            turn.say(await partners.revoke(rest.strip(), by, s))
        elif verb == "publish":
            turn.after.append(functools.partial(partners.figures.publish, "staff"))  # counted on the reader
            turn.say(s.published())
        else:
            turn.say(s.usage())

    async def press(self, visitor: Visitor, chat_id: int, data: str | None) -> Outcome:
        """A staff button (the router lets only staff reach this)."""
        tap = parse(data)
        if not isinstance(tap, StaffTap):
            return await self.stale(visitor)
        if tap.step == "try":  # chosen: the questionnaire, as an association starts it
            return await self.survey.start(visitor)
        return await self._run(visitor, chat_id, lambda turn: self._pressed(turn, tap))

    async def stale(self, _visitor: Visitor) -> Outcome:
        return Outcome(toast=self._("This button no longer applies."))

    async def private_only(self, visitor: Visitor, chat_id: int) -> Outcome:
        """A command or button that shows associations' data, used in the staff group."""
        return await self._run(visitor, chat_id, self._private_only)

    async def propose(self, visitor: Visitor, name: str) -> Outcome:
        """A partner contact's /workshop or /cancel (the router lets only active contacts, in
        their private chat, reach this): the workshop steps, ending in a proposal."""
        partner_id = await self._proposer(visitor.user_id)
        if partner_id is None:  # the contact ended between the role and now
            return await self.refuse(visitor, name)
        step = functools.partial(self.workshops.start, partner_id=partner_id) if name == "workshop" else self._cancel
        return await self._run(visitor, visitor.user_id, step)

    async def press_proposing(self, visitor: Visitor, data: str | None) -> Outcome:
        """A step button of a partner contact's proposal."""
        tap = parse(data)
        if not isinstance(tap, StaffTap):
            return await self.stale(visitor)
        return await self._run(visitor, visitor.user_id, lambda turn: self._pressed(turn, tap, proposing=True))

    async def has_flow(self, user_id: int) -> bool:
        return await self.context.data.flow(user_id) is not None

    async def text(self, visitor: Visitor, chat_id: int, text: str, proposing: bool = False) -> Outcome:
        """Typed input for a guided conversation (see has_flow); a proposing partner's only
        ever continues a workshop proposal."""
        return await self._run(visitor, chat_id, lambda turn: self._typed(turn, text, proposing))

    async def refuse(self, visitor: Visitor, what: str) -> Outcome:
        async def record(turn: StaffTurn) -> None:
            await self.store.log_event("staff_refused", None, command=what[:32])  # no id: nobody to trace

        async def begin(_actor: User | None) -> StaffTurn:
            return StaffTurn(visitor, visitor.user_id)

        turn, _outcome = await self.runner.run(visitor, begin, record)
        if turn is None:
            return Outcome()
        log.warning("user %s tried the staff command %s", visitor.user_id, what[:32])
        language = await self.survey.language_of(visitor)
        text = self.survey.screens_for(language).staff_only()
        return Outcome(toast=text, messages=[] if what == "button" else [Screen(text=text)])

    async def _run(self, visitor: Visitor, chat_id: int, step: Callable[[StaffTurn], Awaitable[None]]) -> Outcome:
        async def begin(_actor: User | None) -> StaffTurn:
            return StaffTurn(visitor, chat_id)

        turn, outcome = await self.runner.run(visitor, begin, step)
        if turn is None:
            return outcome
        for job in turn.background:
            task = asyncio.create_task(self._in_background(job))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return outcome

    @staticmethod
    async def _in_background(job: Callable[[], Awaitable[None]]) -> None:
        try:
            await job()
        except Exception:
            log.exception("background work of a staff command failed")

    async def settled(self) -> None:
        """Wait until the background work of the commands so far is done (the gallery, tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def close(self) -> None:
        """At shutdown: background work stops (an export not yet queued is asked for again)."""
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    async def _private_only(self, turn: StaffTurn) -> None:
        turn.say(self._("This command shows data about individual associations, so it works only in your "
                        "private chat with me, not in a group. Please send it to me there."))

    # -- guided conversations ---------------------------------------------------------------

    async def _cancel(self, turn: StaffTurn) -> None:
        data = self.context.data
        had = await data.flow(turn.visitor.user_id)
        await data.end_flow(turn.visitor.user_id)
        turn.say(self._("Cancelled. Nothing was saved or sent.") if had else self._("Nothing to cancel."))

    async def _typed(self, turn: StaffTurn, text: str, proposing: bool) -> None:
        flow = await self.context.data.flow(turn.visitor.user_id)
        if flow is None or (proposing and flow.flow != "workshop"):
            return
        if flow.flow == "workshop":
            await self.workshops.typed(turn, flow, text)
        elif flow.flow == "reject":
            await self.workshops.proposals.reason(turn, flow, text)
        else:
            await self.broadcast.typed(turn, flow, text)

    async def _pressed(self, turn: StaffTurn, tap: StaffTap, proposing: bool = False) -> None:
        stale = self._("This button no longer applies.")
        flow = await self.context.data.flow(turn.visitor.user_id)
        if tap.step == "cancel":
            turn.outcome.source_closed = True
            await self._cancel(turn)
            return
        if tap.step == "msos" and tap.value.isdigit():  # the next page of /msos
            turn.outcome.source_closed = True
            await self.reports.msos(turn, int(tap.value))
            return
        if tap.step == "proposal" and not proposing:
            await self.workshops.proposals.decide(turn, tap.value, self.workshops.new_id,
                                                  self.workshops.push_after_commit)
            return
        if flow is None or (proposing and flow.flow != "workshop"):
            turn.outcome.toast = stale
            turn.outcome.source_closed = True
            return
        if flow.flow == "workshop":
            await self.workshops.button(turn, flow, tap.step, tap.value, stale)
        else:
            await self.broadcast.button(turn, flow, tap.step, tap.value, stale)
