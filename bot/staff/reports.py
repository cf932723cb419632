"""What staff read: the digest on demand, statistics, the export files, the list of
associations, and opening a new survey round."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_date

from bot.digest.render import messages, sections
from bot.kernel.text import isolated
from bot.staff.context import StaffContext, StaffTurn
from bot.staff.exports import documents, table
from bot.survey.rounds import round_name


class Reports:
    def __init__(self, context: StaffContext) -> None:
        self.c = context
        self._ = context._

    async def digest(self, turn: StaffTurn) -> None:
        c = self.c

        async def send() -> None:
            digest = await c.digest.build(title=self._("Digest of the last seven days"))
            async with c.store.transaction():
                await c.digest.queue(turn.chat_id, digest, None)
            c.digest.wake()
        turn.say(self._("The digest of the last seven days is on its way."))
        turn.after.append(send)

    async def stats(self, turn: StaffTurn) -> None:
        figures = await self.c.figures.compute(self.c.store.now())
        blocks = sections(self.c.v, figures, title=self._("Statistics"))
        for text in messages([blocks[0], blocks[1], blocks[2], blocks[3]]):
            turn.say(text)

    async def export(self, turn: StaffTurn) -> None:
        rows = await table(self.c.store, self.c.v)
        for document in documents(self.c.v, rows, self.c.store.now()):
            await self.c.outbox.enqueue(turn.chat_id, None, "export", document.payload())
        turn.after.append(self.c.ring)

    async def msos(self, turn: StaffTurn) -> None:
        _, v = self._, self.c.v
        found = await self.c.data.msos()
        total = len([q for _s, q in self.c.engine.questionnaire.questions()])
        now = self.c.store.now()
        lines = [_("Associations ({count})").format(count=v.n(len(found)))]
        for i, row in enumerate(found, 1):
            name = isolated(row.name) if row.name else _("(no name yet)")
            language = v.language(row.language)
            if row.completed_at:
                state = _("completed on {date}").format(date=self._date(row.completed_at))
            elif datetime.fromisoformat(row.last_activity) + timedelta(days=7) <= now:
                state = _("abandoned, last answer on {date}").format(date=self._date(row.last_activity))
            else:
                state = _("in progress: {count} of {total} answers").format(
                    count=v.n(row.answered), total=v.n(total))
            lines.append(f"{i}. {name} ({language}): {state}")
        if not found:
            lines.append(_("No association has started the questionnaire yet."))
        for text in messages(["\n".join(lines)]):
            turn.say(text)

    def _date(self, value: str) -> str:
        v = self.c.v
        return format_date(datetime.fromisoformat(value).astimezone(v.tz), "medium", locale=v.t.locale)

    async def open_round(self, turn: StaffTurn, argument: str) -> None:
        name = round_name(argument)
        if name is None:
            turn.say(self._("Send /round with the name of the new round (at most 40 characters), e.g. /round 2027."))
            return
        rounds = self.c.rounds
        assert rounds is not None
        opened = await rounds.open_here(name)
        if opened is None:
            turn.say(self._("A round named “{name}” exists already; nobody was invited again.").format(name=name))
            return
        turn.after.append(rounds.ring)
        turn.say(self.c.v.t.ngettext(
            "Round “{name}” is open: {count} association will be invited to answer again.",
            "Round “{name}” is open: {count} associations will be invited to answer again.",
            opened.invited).format(name=name, count=self.c.v.n(opened.invited)))
