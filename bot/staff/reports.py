"""What staff read: the digest on demand, statistics, the export files, the list of
associations, and opening a new survey round."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.digest.render import messages, sections
from bot.digest.service import REBUILDS
from bot.kernel.i18n import N_
from bot.kernel.outcome import Document, Screen
from bot.kernel.text import isolated
from bot.report.data import Scope
from bot.report.job import PDF_TYPE, ReportRequest, report_job
from bot.staff.context import StaffContext, StaffTurn
from bot.staff.exports import export_job
from bot.staff.workshop_flow import button
from bot.storage.staff import MsoRow, StaffStore
from bot.survey.rounds import round_name

log = logging.getLogger(__name__)

MSOS_PER_PAGE = 40  # lines a page: one message, never hundreds
FAILED = N_("Sorry, that did not work this time; nothing was lost. Please try again in a few minutes; if it "
            "fails again, the bot's log says why.")


class Reports:
    def __init__(self, context: StaffContext) -> None:
        self.context = context
        self._ = context._

    async def digest(self, turn: StaffTurn) -> None:
        c = self.context

        async def send() -> None:
            for _attempt in range(REBUILDS):  # built again when an association deleted its data meanwhile
                try:
                    digest = await c.digest.build(title=self._("Digest of the last seven days"))
                except Exception:
                    log.exception("the digest on demand failed")
                    await c.tell(turn.chat_id, self._(FAILED))
                    return
                async with c.store.transaction():
                    if await c.digest.current(digest):
                        await c.digest.queue(turn.chat_id, digest, None)
                        break
            else:
                await c.tell(turn.chat_id, self._(FAILED))
                return
        turn.say(self._("The digest of the last seven days is on its way."))
        turn.background.append(send)

    async def stats(self, turn: StaffTurn) -> None:
        async def compute() -> None:  # after the commit, on the read connection: nobody waits
            figures = await self.context.figures.compute(self.context.store.now())
            blocks = sections(self.context.voice, figures, title=self._("Statistics"))
            for text in messages([blocks[0], blocks[1], blocks[2], blocks[3]]):
                turn.say(text)
        turn.after.append(compute)

    async def export(self, turn: StaffTurn) -> None:
        c = self.context

        async def prepare() -> None:  # read, built and written in a process of its own; queued in short writes
            for _attempt in range(REBUILDS):  # built again when an association deleted its data meanwhile
                try:
                    made = await c.offload.run(export_job, c.settings)
                except Exception:
                    log.exception("the export failed")
                    await c.tell(turn.chat_id, self._(FAILED))
                    return
                if made.erasures != await c.store.erasures():
                    continue
                # One short transaction a file (megabytes at city scale). A file built before an
                # erasure that comes meanwhile is dropped when it is due (`OutboxStore.stale`),
                # and both are built again.
                for document in made.documents(c.voice, c.store.now()):
                    async with c.store.transaction():
                        await c.outbox.enqueue_file(turn.chat_id, None, "export", document, built_on=made.erasures)
                if made.erasures == await c.store.erasures():
                    break
            else:
                await c.tell(turn.chat_id, self._(FAILED))
                return
        turn.say(self._("The export is being prepared; the two files follow in a moment."))
        turn.background.append(prepare)

    async def report(self, turn: StaffTurn, argument: str = "") -> None:
        """The committee's report as a PDF: made in a process of its own (seconds of CPU at
        city scale, none of it the bot's), then queued in one short write."""
        c = self.context
        request = ReportRequest(Scope(round=argument.strip() or None), language=c.voice.t.code)

        async def prepare() -> None:
            now = c.store.now()
            try:
                content = await c.offload.run(report_job, c.settings, request, now)
            except ValueError:
                await c.tell(turn.chat_id, self._("There is no round named “{name}”.").format(name=argument.strip()))
                return
            except Exception:
                log.exception("the report failed")
                await c.tell(turn.chat_id, self._(FAILED))
                return
            stamp = now.astimezone(c.voice.tz).strftime("%Y-%m-%d")
            document = Document(filename=f"mso-bedarfsbericht-{stamp}.pdf", content=content, mime_type=PDF_TYPE,
                                 caption=self._("The needs report for the committee"))
            async with c.store.transaction():
                await c.outbox.enqueue_file(turn.chat_id, None, "export", document)
        turn.say(self._("The report is being prepared; the PDF follows in a moment."))
        turn.background.append(prepare)

    async def msos(self, turn: StaffTurn, page: int = 1) -> None:
        """The associations, newest activity first, a page at a time with a button for more."""
        async def show() -> None:
            async with self.context.store.snapshot() as reader:
                store = StaffStore(reader)
                count = await store.mso_count()
                shown = min(max(1, page), max(1, -(-count // MSOS_PER_PAGE)))
                found = await store.msos(MSOS_PER_PAGE, (shown - 1) * MSOS_PER_PAGE)
            turn.outcome.messages.append(self._msos_page(count, found, shown))
        turn.after.append(show)

    def _msos_page(self, count: int, found: list[MsoRow], page: int) -> Screen:
        """Page `page` (from 1) of `count` associations: `found`, the rows on it."""
        _, v = self._, self.context.voice
        total = len([q for _s, q in self.context.engine.questionnaire.questions()])
        now = self.context.store.now()
        pages = max(1, -(-count // MSOS_PER_PAGE))
        lines = [_("Associations ({count})").format(count=v.n(count))]
        for i, row in enumerate(found, (page - 1) * MSOS_PER_PAGE + 1):
            name = isolated(row.name) if row.name else _("(no name yet)")
            language = v.language(row.language)
            if row.completed_at:
                state = _("completed on {date}").format(date=self._date(row.completed_at))
            elif datetime.fromisoformat(row.last_activity) + timedelta(days=7) <= now:
                state = _("abandoned, last answer on {date}").format(date=self._date(row.last_activity))
            else:
                state = _("in progress: {count} of {total} answers").format(
                    count=v.n(row.answered), total=v.n(total))
            lines.append(f"{v.n(i)}. {name} ({language}): {state}")
        if not found:
            lines.append(_("No association has started the questionnaire yet."))
        buttons = [[button(_("More ({page} of {pages})").format(page=v.n(page + 1), pages=v.n(pages)),
                           "msos", str(page + 1))]] if page < pages else []
        return Screen(text="\n".join(lines), buttons=buttons)

    def _date(self, value: str) -> str:
        v = self.context.voice
        return v.t.date(datetime.fromisoformat(value).astimezone(v.tz).date())

    async def open_round(self, turn: StaffTurn, argument: str) -> None:
        name = round_name(argument)
        if name is None:
            turn.say(self._("Send /round with the name of the new round (at most 40 characters), e.g. /round 2027."))
            return
        rounds = self.context.rounds
        assert rounds is not None
        opened = await rounds.open_here(name)
        if opened is None:
            turn.say(self._("A round named “{name}” exists already; nobody was invited again.").format(name=name))
            return

        async def invite() -> None:  # after the commit: counted on a snapshot, queued in the background
            invitees = await rounds.invitees(opened)
            turn.say(self.context.voice.t.ngettext(
                "Round “{name}” is open: {count} association will be invited to answer again.",
                "Round “{name}” is open: {count} associations will be invited to answer again.",
                len(invitees)).format(name=name, count=self.context.voice.n(len(invitees))))

            async def fan_out() -> None:
                await rounds.fan_out(opened, invitees)
            turn.background.append(fan_out)
        turn.after.append(invite)
