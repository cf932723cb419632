"""`/broadcast`: a message to all associations or to those with a big or urgent need in one
topic; audience, text, a preview with the recipient count, then queued in each recipient's
language, outside quiet hours."""

from __future__ import annotations

from bot.kernel.outcome import Screen
from bot.outbox import screen_payload
from bot.outbox.schedule import quiet_hours_end
from bot.staff.context import StaffContext, StaffTurn
from bot.staff.workshop_flow import button, rows
from bot.storage.staff import Flow

BROADCAST_LIMIT = 3000
BIG_LEVELS = ("big", "urgent")


class Broadcast:
    def __init__(self, context: StaffContext) -> None:
        self.c = context
        self._ = context._
        self.topics = context.topics()

    async def start(self, turn: StaffTurn) -> None:
        flow = Flow(user_id=turn.visitor.user_id, flow="broadcast", step="audience", data={})
        await self.c.data.save_flow(flow)
        turn.outcome.messages.append(await self._prompt(flow))

    async def typed(self, turn: StaffTurn, flow: Flow, text: str) -> None:
        if flow.step != "text":
            turn.say(self._("Please use the buttons."))
            return
        text = text.strip()
        if not text or len(text) > BROADCAST_LIMIT:
            turn.say("⚠️ " + self._("Please type a message of at most {count} characters.").format(
                count=self.c.v.n(BROADCAST_LIMIT)))
            return
        flow.data["text"] = text
        flow.step = "preview"
        await self.c.data.save_flow(flow)
        turn.outcome.messages.append(await self._prompt(flow))

    async def button(self, turn: StaffTurn, flow: Flow, step: str, value: str, stale: str) -> None:
        if step == "aud" and flow.step == "audience" and (value == "all" or value in dict(self.topics)):
            flow.data["topic"] = None if value == "all" else value
            flow.step = "text"
            await self.c.data.save_flow(flow)
            turn.outcome.source_closed = True
            turn.outcome.messages.append(await self._prompt(flow))
            return
        if step == "send" and flow.step == "preview":
            turn.outcome.source_closed = True
            await self._send(turn, flow)
            return
        turn.outcome.toast = stale

    async def _audience(self, topic: str | None) -> list[int]:
        matching = self.c.engine.questionnaire.matching
        question = matching.needs.get(topic) if matching and topic else None
        if topic is not None and question is None:
            return []
        return await self.c.data.audience(question, list(BIG_LEVELS))

    async def _prompt(self, flow: Flow) -> Screen:
        _, v = self._, self.c.v
        cancel = [button("✖ " + _("Cancel"), "cancel", "x")]
        if flow.step == "audience":
            topics = [button(label, "aud", t) for t, label in self.topics]
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
                                                                    "{topic}").format(topic=v.topic(topic))
        text = "\n".join([
            _("Preview of the broadcast to {audience}:").format(audience=audience), "",
            self.c.survey.screens_for(v.t.code).broadcast_heading(), flow.data["text"], "",
            v.t.ngettext("It will go to {count} association (pushes on, bot not blocked).",
                         "It will go to {count} associations (pushes on, bot not blocked).",
                         len(recipients)).format(count=v.n(len(recipients))),
        ])
        send = v.t.ngettext("Send to {count} association", "Send to {count} associations",
                            len(recipients)).format(count=v.n(len(recipients)))
        buttons = [[button("📣 " + send, "send", "yes")]] if recipients else []
        return Screen(text=text, buttons=[*buttons, cancel])

    async def _send(self, turn: StaffTurn, flow: Flow) -> None:
        c = self.c
        topic = flow.data.get("topic")
        recipients = await self._audience(topic)
        broadcast_id = await c.data.add_broadcast(turn.visitor.user_id, topic, flow.data["text"], len(recipients))
        send_at = quiet_hours_end(c.store.now(), c.v.tz, c.suggestions.quiet)
        for user_id in recipients:
            user = await c.store.user(user_id)
            heading = c.survey.screens_for(user.language if user else None).broadcast_heading()
            screen = Screen(text=f"{heading}\n\n{flow.data['text']}")
            await c.outbox.enqueue(user_id, user_id, "broadcast", screen_payload(screen), not_before=send_at,
                                   dedupe_key=f"broadcast:{broadcast_id}:{user_id}")
        await c.data.end_flow(turn.visitor.user_id)
        await c.store.log_event("broadcast_queued", None, broadcast=broadcast_id, recipients=len(recipients))
        turn.say(c.v.t.ngettext(
            "The message is queued for {count} association.", "The message is queued for {count} associations.",
            len(recipients)).format(count=c.v.n(len(recipients))))
        turn.after.append(c.ring)
