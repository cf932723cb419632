"""What staff do on the web view, through the same steps as in Telegram: each action is one
staff turn (one transaction, `StaffService._run`), its checks are the `/workshop` steps' and the
proposal cards', and whatever it sends goes through the outbox as theirs does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.catalog.model import Workshop
from bot.kernel.outcome import Outcome, Screen
from bot.kernel.text import isolated
from bot.office.mail import OfficeMail
from bot.outbox import screen_payload
from bot.staff.context import StaffContext, StaffTurn
from bot.staff.exports import ExportFiles, export_job
from bot.staff.workshops import WorkshopSteps
from bot.storage.partners import ProposalStore
from bot.storage.tasks import Task, TaskStore

Run = Callable[[int, Callable[[StaffTurn], Awaitable[None]]], Awaitable[Outcome]]
SWEEP_EVERY = timedelta(minutes=5)
TEXT_FIELDS = ("title", "start", "end", "address", "registration", "capacity", "cost")


@dataclass(frozen=True)
class PendingProposal:
    id: int
    partner: str
    preview: str


def said(outcome: Outcome) -> list[str]:
    """What a turn told the staff member, as lines for the page."""
    return [m.text for m in outcome.messages] + ([outcome.toast] if outcome.toast else [])


class OfficeActions:
    def __init__(self, context: StaffContext, workshops: WorkshopSteps, run: Run, mail: OfficeMail) -> None:
        self.context = context
        self.workshops = workshops
        self.run = run
        self.mail = mail
        self._swept_at: datetime | None = None

    # -- messages and tasks -----------------------------------------------------------------

    async def write(self, staff_id: int, user_id: int, text: str, language: str) -> bool:
        """A message from the office to the association, through the outbox; False when it
        cannot be sent (empty, too long, the association gone)."""
        sent: list[int] = []
        if not text.strip() or len(text) > 2000:
            return False

        async def step(turn: StaffTurn) -> None:
            found = await self.mail.send(staff_id, user_id, text, language)
            if found is not None:
                sent.append(found)
        await self.run(staff_id, step)
        return bool(sent)

    async def notify_reply(self, user_id: int) -> None:
        """In the association's transaction: every staff member hears that it replied."""
        c = self.context
        name = await c.store.organisation_name(user_id)
        text = "↩️ " + c._("“{name}” replied to the integration office. Read it on its page: {link}").format(
            name=isolated(name or c._("(no name yet)")), link=f"{c.settings.office_url()}/associations/{user_id}")
        for staff_id in c.settings.staff_ids:
            await c.outbox.enqueue(staff_id, None, "staff", screen_payload(Screen(text=text)), about_user=user_id)

    async def tasks(self, user_id: int | None = None) -> list[Task]:
        """The open tasks (of one association); open requests older than a week become tasks
        first (looked for at most every few minutes: a page view is no write)."""
        now = self.context.store.now()
        if self._swept_at is None or not now - SWEEP_EVERY < self._swept_at <= now:
            async with self.context.store.transaction():
                await TaskStore(self.context.store).sweep(now)
            self._swept_at = now
        return await TaskStore(self.context.store).listing("open", user_id)

    async def close_task(self, staff_id: int, task_id: int, take: bool = False) -> bool:
        """Done (or, with `take`, taken by this staff member as its owner)."""
        data = TaskStore(self.context.store)
        async with self.context.store.transaction():
            changed = await (data.take(task_id, staff_id) if take else data.done(task_id, staff_id))
            if changed:
                await self.context.store.log_event("task_taken" if take else "task_done", None, task=task_id,
                                                   staff=staff_id)
        return changed

    # -- proposals ------------------------------------------------------------------------

    async def proposals(self) -> list[PendingProposal]:
        data, partners = ProposalStore(self.context.store), await self.context.catalog.partners()
        found = []
        for proposal_id in await data.pending_ids():
            proposal = await data.get(proposal_id)
            if proposal is None:
                continue
            workshop = Workshop.model_validate_json(proposal.workshop)
            preview = self.workshops.flow.preview(self._form_data(workshop), partners)
            name = next((p.name for p in partners if p.id == proposal.partner_id), proposal.partner_id)
            found.append(PendingProposal(proposal.id, name, preview))
        return found

    async def approve(self, staff_id: int, proposal_id: int) -> list[str]:
        steps = self.workshops
        return said(await self.run(staff_id, lambda turn: steps.proposals.decide(
            turn, f"a{proposal_id}", steps.new_id, steps.push_after_commit)))

    async def reject(self, staff_id: int, proposal_id: int, reason: str) -> list[str]:
        async def step(turn: StaffTurn) -> None:
            await self.workshops.proposals.reject(turn, proposal_id, reason)
        return said(await self.run(staff_id, step))

    # -- workshops ------------------------------------------------------------------------

    async def save_workshop(self, staff_id: int, form: Mapping[str, Sequence[str]],
                            workshop_id: str | None = None) -> tuple[bool, list[str]]:
        """A workshop from the web form, checked as `/workshop` checks each step; a new one is
        saved and pushed like one added in Telegram, a changed one (`workshop_id`) saved.
        (saved, the problems or what the turn said)."""
        data, problems = self._checked(form)
        if problems:
            return False, problems

        async def save(turn: StaffTurn) -> None:
            await self.workshops.save_checked(turn, data, workshop_id)
        notes = said(await self.run(staff_id, save))
        return not any(note.startswith("⚠") for note in notes), notes

    async def cancel_workshop(self, staff_id: int, workshop_id: str) -> list[str]:
        async def step(turn: StaffTurn) -> None:
            await self.workshops.cancel(turn, workshop_id)
        return said(await self.run(staff_id, step))

    def _checked(self, form: Mapping[str, Sequence[str]]) -> tuple[dict[str, Any], list[str]]:
        flow, _ = self.workshops.flow, self.context._
        now = self.context.store.now()
        data: dict[str, Any] = {}
        problems: list[str] = []
        for step in TEXT_FIELDS:
            text = (form.get(step) or [""])[0].strip().replace("T", " ") if step in ("start", "end") \
                else (form.get(step) or [""])[0].strip()
            if step == "address" and (form.get("place") or [""])[0] == "online":
                continue
            if step in ("capacity", "cost") and not text:
                data[step] = None
                continue
            if step == "end" and "start" not in data:
                continue
            problem = flow.typed(step, data, text, now)
            if problem:
                problems.append(problem)
        chosen = {"topics": flow.topics, "languages": flow.languages}
        for step, allowed in chosen.items():
            data[step] = [v for v in form.get(step, []) if v in dict(allowed)]
            if not data[step]:
                problems.append(_("Please choose at least one."))
        place = (form.get("place") or [""])[0]
        if place == "online":
            data.update(online=True, district=None, address=None)
        elif place in dict(flow.districts):
            data.update(online=False, district=place)
        else:
            problems.append(_("Please choose a district, or online."))
        data["provider"] = (form.get("provider") or [""])[0]
        return data, problems

    async def form_of(self, workshop_id: str) -> dict[str, list[str]] | None:
        """The web form's fields of a workshop in the catalog, for changing it."""
        workshop = await self.context.catalog.workshop(workshop_id)
        if workshop is None:
            return None
        tz = self.context.voice.tz
        registration = workshop.registration.model_dump(mode="json", exclude_none=True)
        return {"title": [workshop.text("title", "de") or ""], "topics": workshop.topics,
                "languages": workshop.languages, "start": [workshop.start.astimezone(tz).strftime("%Y-%m-%dT%H:%M")],
                "end": [workshop.end.astimezone(tz).strftime("%Y-%m-%dT%H:%M")],
                "place": ["online" if workshop.online else workshop.district or ""],
                "address": [workshop.address or ""], "provider": [workshop.provider],
                "registration": [next(iter(registration.values()), "")],
                "capacity": [str(workshop.capacity) if workshop.capacity else ""],
                "cost": [str(workshop.cost) if workshop.cost is not None else ""]}

    @staticmethod
    def _form_data(workshop: Workshop) -> dict[str, Any]:
        return {"title": workshop.text("title", "de"), "topics": workshop.topics, "languages": workshop.languages,
                "start": workshop.start.isoformat(), "end": workshop.end.isoformat(), "online": workshop.online,
                "district": workshop.district, "address": workshop.address, "provider": workshop.provider,
                "registration": workshop.registration.model_dump(mode="json", exclude_none=True),
                "capacity": workshop.capacity, "cost": str(workshop.cost) if workshop.cost is not None else None}

    # -- exports --------------------------------------------------------------------------

    async def export(self, staff_id: int) -> ExportFiles:
        """The submissions as CSV and Excel, made in a process of their own as for /export."""
        files = await self.context.offload.run(export_job, self.context.settings)
        async with self.context.store.transaction():
            await self.context.store.log_event("office_export", None, staff=staff_id)
        return files
