"""`/workshop` as staff walk through it: the state in the database, step by step, then the
workshop saved to the catalog and pushed to the associations it fits (prompts and input
checks: `WorkshopFlow`)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from bot.catalog.model import Workshop
from bot.kernel.outcome import Screen
from bot.outbox import screen_payload
from bot.staff.context import StaffContext, StaffTurn
from bot.staff.proposals import Proposals
from bot.staff.workshop_flow import WorkshopFlow
from bot.storage.outbox import OutboxStore
from bot.storage.staff import Flow

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


class WorkshopSteps:
    def __init__(self, context: StaffContext) -> None:
        self.context = context
        self._ = context._
        self.flow = WorkshopFlow(context.voice, context.topics(), context.districts(), context.languages())
        self.proposals = Proposals(context, self.flow)

    async def start(self, turn: StaffTurn, partner_id: str | None = None) -> None:
        """Staff add a workshop; a partner contact (`partner_id`) proposes one, its own."""
        if not await self.context.catalog.partner_ids():
            turn.say(self._("The catalog has no partner organisations yet. Import them first "
                            "(msobot catalog import FILE); every workshop needs a provider."))
            return
        data: dict[str, Any] = {"provider": partner_id, "proposal": True} if partner_id else {}
        flow = Flow(user_id=turn.visitor.user_id, flow="workshop", step="title", data=data)
        await self.context.data.save_flow(flow)
        turn.outcome.messages.append(await self._prompt(flow))

    async def _prompt(self, flow: Flow) -> Screen:
        return self.flow.prompt(flow.step, flow.data, await self.context.catalog.partners())

    async def typed(self, turn: StaffTurn, flow: Flow, text: str) -> None:
        error = self.flow.typed(flow.step, flow.data, text, self.context.store.now())
        if error is not None:
            turn.say("⚠️ " + error)
            turn.outcome.messages.append(await self._prompt(flow))
            return
        await self._advance(turn, flow)

    async def button(self, turn: StaffTurn, flow: Flow, step: str, value: str, stale: str) -> None:
        data = flow.data
        choices = {"topic": ("topics", self.flow.topics), "language": ("languages", self.flow.languages)}
        if step in choices and flow.step == choices[step][0] and value in dict(choices[step][1]):
            chosen: list[str] = data.setdefault(flow.step, [])
            if value in chosen:
                chosen.remove(value)
            else:
                chosen.append(value)
            await self.context.data.save_flow(flow)
            turn.outcome.source = await self._prompt(flow)  # the same message, ticks updated
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
        elif step == "provider" and flow.step == "provider" and value in await self.context.catalog.partner_ids():
            data["provider"] = value
        elif step == "capacity" and flow.step == "capacity" and value == "none":
            data["capacity"] = None
        elif step == "cost" and flow.step == "cost" and value in ("free", "none"):
            data["cost"] = "0" if value == "free" else None
        elif step == "save" and flow.step == "preview":
            turn.outcome.source_closed = True
            await self._save(turn, flow)
            return
        else:
            turn.outcome.toast = stale
            return
        turn.outcome.source_closed = True
        await self._advance(turn, flow)

    async def _advance(self, turn: StaffTurn, flow: Flow) -> None:
        flow.step = self.flow.next_step(flow.step, flow.data)
        await self.context.data.save_flow(flow)
        turn.outcome.messages.append(await self._prompt(flow))

    async def _save(self, turn: StaffTurn, flow: Flow) -> None:
        c = self.context
        workshop_id = await self.new_id(flow.data)
        try:
            workshop = self.flow.workshop(flow.data, workshop_id)
        except ValidationError as exc:
            problem = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            turn.say("⚠️ " + self._("The workshop could not be saved: {problem}").format(problem=problem))
            flow.step = "title"
            await c.data.save_flow(flow)
            turn.outcome.messages.append(await self._prompt(flow))
            return
        if flow.data.get("proposal"):
            await self.proposals.submit(turn, flow, workshop)
            return
        await self._add(turn, workshop)
        await c.data.end_flow(turn.visitor.user_id)

    async def _add(self, turn: StaffTurn, workshop: Workshop) -> None:
        c = self.context
        await c.catalog.upsert_workshops([workshop], sample=False)
        await c.catalog.mark_source(workshop.id, "chat")
        await c.store.log_event("workshop_added", None, workshop=workshop.id, staff=turn.visitor.user_id)
        self.push_after_commit(turn, workshop.id)

    async def save_checked(self, turn: StaffTurn, data: dict[str, Any], workshop_id: str | None = None) -> None:
        """A workshop whose fields the steps' checks passed (the web view's form): a new one is
        saved and pushed; a changed one (`workshop_id`) keeps its other languages' texts, and its
        reminders move with it."""
        existing = await self.context.catalog.workshop(workshop_id) if workshop_id else None
        if data.get("provider") not in await self.context.catalog.partner_ids() or (workshop_id and existing is None):
            turn.say("⚠️ " + self._("Please choose the organisation that offers it."))
            return
        try:
            workshop = self.flow.workshop(data, workshop_id or await self.new_id(data))
        except ValidationError as exc:
            problem = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            turn.say("⚠️ " + self._("The workshop could not be saved: {problem}").format(problem=problem))
            return
        if existing is None:
            await self._add(turn, workshop)
            return
        changed = workshop.model_copy(update={"title": {**existing.title, **workshop.title},
                                              "description": existing.description})
        await self.context.catalog.upsert_workshops([changed], sample=False)
        await self.context.store.log_event("workshop_changed", None, workshop=changed.id,
                                           staff=turn.visitor.user_id)

        async def move_reminders() -> None:
            await self.context.suggestions.pushes.workshops_changed([changed.id])
        turn.after.append(move_reminders)

    async def cancel(self, turn: StaffTurn, workshop_id: str) -> None:
        """No longer offered; those interested are told in their language, through the outbox, and
        its pushes and reminders not yet sent are dropped."""
        c = self.context
        workshop = await c.catalog.workshop(workshop_id)
        if workshop is None or not await c.catalog.cancel(workshop_id):
            turn.say(self._("This workshop was cancelled already."))
            return
        await OutboxStore(c.store).drop_for_workshop(workshop_id)
        told = 0
        for user_id in await c.suggestions.context.suggestions.interested_users("workshop", workshop_id):
            user = await c.store.user(user_id)
            if user is None or user.blocked_at is not None:
                continue
            screen = c.suggestions.screens(user.language).workshop_cancelled(workshop)
            told += await c.outbox.enqueue(user_id, user_id, "reminder", screen_payload(screen),
                                           dedupe_key=f"cancelled:{user_id}:{workshop_id}") is not None
        await c.store.log_event("workshop_cancelled", None, workshop=workshop_id, staff=turn.visitor.user_id)
        turn.say(c.voice.t.ngettext("Cancelled. {count} interested association is told.",
                                    "Cancelled. {count} interested associations are told.", told).format(
            count=c.voice.n(told)))

    def push_after_commit(self, turn: StaffTurn, workshop_id: str) -> None:
        """Once the new workshop is committed: out to the associations it fits, and staff told how many."""
        c = self.context

        async def push() -> None:
            pushed = await c.suggestions.offers_added([workshop_id])
            count = len(pushed)
            text = c.voice.t.ngettext(
                "Saved. {count} association it fits will get a message.",
                "Saved. {count} associations it fits will get a message.", count).format(count=c.voice.n(count))
            async with c.store.transaction():
                await c.outbox.enqueue(turn.chat_id, None, "staff", screen_payload(Screen(text=text)))
        turn.after.append(push)

    async def new_id(self, data: dict[str, Any]) -> str:
        day = datetime.fromisoformat(data["start"]).strftime("%y%m%d")
        slug = re.sub(r"[^a-z0-9]+", "-", data["title"].lower().translate(_UMLAUTS)).strip("-")[:14].strip("-")
        base = f"w{day}-{slug or 'workshop'}"
        known = {w.id for w in await self.context.catalog.workshops()}
        candidate, n = base, 2
        while candidate in known:
            candidate = f"{base[:21]}-{n}"
            n += 1
        return candidate
