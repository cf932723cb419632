"""`/broadcast`: a message to all associations or to those with a big or urgent need in one
topic; audience, text, a preview with the recipient count, then queued in each recipient's
language, outside quiet hours.

Sending it is one small write in the staff member's unit of work (the broadcast, the end of the
conversation); the recipients are read on a snapshot after the commit and the messages queued in
the background, CHUNK to a transaction (`bot.outbox.fan_out`), so that thousands of them never
hold up an association's answer. A stop in between is made good at the next start (`resume`)."""

from __future__ import annotations

from bot.kernel.outcome import Button, Screen
from bot.outbox import screen_payload
from bot.outbox.fan_out import Message, queue_in_chunks
from bot.outbox.schedule import quiet_hours_end
from bot.staff.context import StaffContext, StaffTurn
from bot.staff.workshop_flow import button, rows
from bot.storage.staff import BroadcastRow, Flow, StaffStore

BROADCAST_LIMIT = 3000
BIG_LEVELS = ("big", "urgent")


class Broadcast:
    def __init__(self, context: StaffContext) -> None:
        self.context = context
        self._ = context._
        self.topics = context.topics()

    async def start(self, turn: StaffTurn) -> None:
        flow = Flow(user_id=turn.visitor.user_id, flow="broadcast", step="audience", data={})
        await self.context.data.save_flow(flow)
        turn.outcome.messages.append(await self._prompt(flow))

    async def typed(self, turn: StaffTurn, flow: Flow, text: str) -> None:
        if flow.step != "text":
            turn.say(self._("Please use the buttons."))
            return
        text = text.strip()
        if not text or len(text) > BROADCAST_LIMIT:
            turn.say("⚠️ " + self._("Please type a message of at most {count} characters.").format(
                count=self.context.voice.n(BROADCAST_LIMIT)))
            return
        flow.data["text"] = text
        flow.step = "preview"
        await self.context.data.save_flow(flow)

        async def preview() -> None:  # counted after the commit, on a snapshot: nobody waits for it
            turn.outcome.messages.append(await self._preview(flow))
        turn.after.append(preview)

    async def button(self, turn: StaffTurn, flow: Flow, step: str, value: str, stale: str) -> None:
        if step == "aud" and flow.step == "audience" and (value == "all" or value in dict(self.topics)):
            flow.data["topic"] = None if value == "all" else value
            flow.step = "text"
            await self.context.data.save_flow(flow)
            turn.outcome.source_closed = True
            turn.outcome.messages.append(await self._prompt(flow))
            return
        if step == "send" and flow.step == "preview":
            turn.outcome.source_closed = True
            await self._send(turn, flow)
            return
        turn.outcome.toast = stale

    async def _audience(self, topic: str | None, existing_at: BroadcastRow | None = None) -> list[tuple[int, str]]:
        """(user, language) of the recipients, read on a snapshot beside the writer; with
        `existing_at`, those there when that broadcast was sent."""
        matching = self.context.engine.questionnaire.matching
        question = matching.needs.get(topic) if matching and topic else None
        if topic is not None and question is None:
            return []
        async with self.context.store.snapshot() as reader:
            return await StaffStore(reader).audience(question, list(BIG_LEVELS),
                                                     existing_at.created_at if existing_at else None)

    async def _prompt(self, flow: Flow) -> Screen:
        _ = self._
        if flow.step == "audience":
            topics = [button(label, "aud", t) for t, label in self.topics]
            return Screen(text=_("Broadcast: who should receive the message? Everyone, or the associations "
                                 "that rated a need big or urgent:"),
                          buttons=[[button(_("All associations"), "aud", "all")], *rows(topics), self._cancel()])
        return Screen(text=_("Type the message. It is sent as you write it, with a line in each "
                             "association's language saying it comes from the integration office."),
                      buttons=[self._cancel()], expects_text=True)

    def _cancel(self) -> list[Button]:
        return [button("✖ " + self._("Cancel"), "cancel", "x")]

    async def _preview(self, flow: Flow) -> Screen:
        _, v = self._, self.context.voice
        recipients = await self._audience(flow.data.get("topic"))
        topic = flow.data.get("topic")
        # “Preview of the broadcast to …:” names the audience: no second colon inside it.
        audience = _("all associations") if topic is None else _("associations with a big or urgent need in "
                                                                    "“{topic}”").format(topic=v.topic(topic))
        text = "\n".join([
            _("Preview of the broadcast to {audience}:").format(audience=audience), "",
            self.context.survey.screens_for(v.t.code).broadcast_heading(), flow.data["text"], "",
            v.t.ngettext("It will go to {count} association (pushes on, bot not blocked).",
                         "It will go to {count} associations (pushes on, bot not blocked).",
                         len(recipients)).format(count=v.n(len(recipients))),
        ])
        send = v.t.ngettext("Send to {count} association", "Send to {count} associations",
                            len(recipients)).format(count=v.n(len(recipients)))
        buttons = [[button("📣 " + send, "send", "yes")]] if recipients else []
        return Screen(text=text, buttons=[*buttons, self._cancel()])

    async def _send(self, turn: StaffTurn, flow: Flow) -> None:
        c = self.context
        broadcast = await c.data.add_broadcast(turn.visitor.user_id, flow.data.get("topic"), flow.data["text"])
        await c.data.end_flow(turn.visitor.user_id)

        async def queue() -> None:  # after the commit: counted on a snapshot, queued in the background
            recipients = await self._audience(broadcast.topic, existing_at=broadcast)
            turn.say(c.voice.t.ngettext(
                "The message is queued for {count} association.", "The message is queued for {count} associations.",
                len(recipients)).format(count=c.voice.n(len(recipients))))

            async def fan_out() -> None:
                await self.fan_out(broadcast, recipients)
            turn.background.append(fan_out)
        turn.after.append(queue)

    async def fan_out(self, broadcast: BroadcastRow, recipients: list[tuple[int, str]] | None = None) -> None:
        """Queue the broadcast for every recipient, each in their language (those an interrupted
        run queued already are kept as they are), then mark it done."""
        c = self.context
        if recipients is None:
            recipients = await self._audience(broadcast.topic, existing_at=broadcast)

        def message(recipient: tuple[int, str]) -> Message:
            user_id, language = recipient
            heading = c.survey.screens_for(language).broadcast_heading()
            screen = Screen(text=f"{heading}\n\n{broadcast.text}")
            return user_id, user_id, screen_payload(screen), f"broadcast:{broadcast.id}:{user_id}"

        send_at = quiet_hours_end(c.store.now(), c.voice.tz, c.suggestions.quiet)
        await queue_in_chunks(c.store, "broadcast", recipients, message, send_at)
        async with c.store.transaction():
            await c.data.broadcast_fanned_out(broadcast.id, len(recipients))
            await c.store.log_event("broadcast_queued", None, broadcast=broadcast.id, recipients=len(recipients))

    async def resume(self) -> None:
        """At the bot's start: the rest of a broadcast whose queuing a stop interrupted."""
        async with self.context.store.snapshot() as reader:
            unfinished = await StaffStore(reader).broadcasts_not_fanned_out()
        for broadcast in unfinished:
            await self.fan_out(broadcast)
