"""Workshop proposals: a partner contact walks through the same `/workshop` steps as staff; the
result waits for staff as a card with the preview and "Approve" / "Reject". Approved, it enters
the catalog with the partner as provider and goes out to the associations it fits, as a
workshop staff add; rejected, the partner is told the reason staff give."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.catalog.model import Workshop
from bot.kernel.actions import Kind, StaffTap
from bot.kernel.outcome import Button, Screen
from bot.kernel.text import clean_text, isolated
from bot.outbox import screen_payload
from bot.staff.context import StaffContext, StaffTurn
from bot.staff.workshop_flow import WorkshopFlow
from bot.storage.partners import ProposalStore
from bot.storage.staff import Flow


class Proposals:
    def __init__(self, context: StaffContext, flow: WorkshopFlow) -> None:
        self.context = context
        self._ = context._
        self.flow = flow
        self.data = ProposalStore(context.store)

    async def submit(self, turn: StaffTurn, flow: Flow, workshop: Workshop) -> None:
        """The partner's last step: the proposal is stored and every staff member gets its card."""
        c, _ = self.context, self._
        partner_id = str(flow.data["provider"])
        proposal_id = await self.data.add(partner_id, turn.visitor.user_id, workshop.model_dump_json())
        await c.store.log_event("proposal_submitted", None, partner=partner_id, proposal=proposal_id,
                                contact=turn.visitor.user_id)
        await c.data.end_flow(turn.visitor.user_id)
        preview = self.flow.preview(flow.data, await c.catalog.partners())
        card = Screen(text="📝 " + _("A workshop proposed by a partner organisation:") + "\n\n" + preview, buttons=[[
            Button(label="✅ " + _("Approve"), action=StaffTap("proposal", f"a{proposal_id}").encode(),
                   role=Kind.STAFF),
            Button(label="✖ " + _("Reject"), action=StaffTap("proposal", f"r{proposal_id}").encode(),
                   role=Kind.STAFF)]])
        for staff_id in c.settings.staff_ids:
            await c.outbox.enqueue(staff_id, None, "staff", screen_payload(card))
        turn.say("✅ " + _("Thank you. Your proposal went to the integration office; you will hear when it is "
                           "decided."))

    async def decide(self, turn: StaffTurn, value: str, new_id: Callable[[dict[str, Any]], Awaitable[str]],
                     push_after_commit: Callable[[StaffTurn, str], None]) -> None:
        """A staff member's "Approve" (the workshop is saved and pushed) or "Reject" (asks why)."""
        c, _ = self.context, self._
        turn.outcome.source_closed = True
        proposal = await self.data.get(int(value[1:])) if value[1:].isdigit() else None
        if proposal is None or proposal.state != "pending":
            turn.outcome.toast = _("This proposal was decided already.")
            return
        workshop = Workshop.model_validate_json(proposal.workshop)
        if value[0] == "r":
            await c.data.save_flow(Flow(user_id=turn.visitor.user_id, flow="reject", step="reason",
                                        data={"proposal": proposal.id}))
            turn.say(_("Why is it rejected? Please type the reason; the partner organisation receives it."))
            return
        if workshop.start <= c.store.now():
            turn.say(_("The proposed workshop would have started already; it cannot be approved. Please reject "
                       "it with a reason."))
            return
        workshop_id = await new_id({"start": workshop.start.isoformat(), "title": workshop.text("title", "de")})
        approved = workshop.model_copy(update={"id": workshop_id})
        await self.data.decide(proposal.id, "approved", turn.visitor.user_id, workshop_id=workshop_id)
        await c.catalog.upsert_workshops([approved], sample=False)
        await c.catalog.mark_source(workshop_id, "partner")
        await c.store.log_event("proposal_approved", None, proposal=proposal.id, workshop=workshop_id,
                                staff=turn.visitor.user_id)
        await self._tell(proposal.contact_id, "✅ " + _("Your proposed workshop “{title}” was approved and is now in "
                                                       "the catalog.").format(
            title=isolated(workshop.text("title", "de") or workshop.id)))
        push_after_commit(turn, workshop_id)

    async def reason(self, turn: StaffTurn, flow: Flow, text: str) -> None:
        if await self.reject(turn, int(flow.data.get("proposal", 0)), text):
            await self.context.data.end_flow(turn.visitor.user_id)

    async def reject(self, turn: StaffTurn, proposal_id: int, text: str) -> bool:
        """Rejected with the reason the partner is told; False when the reason is too short or long."""
        c, _ = self.context, self._
        reason = clean_text(text)
        if not 3 <= len(reason) <= 500:
            turn.say("⚠️ " + _("Please type a reason of 3 to 500 characters."))
            return False
        proposal = await self.data.get(proposal_id)
        if proposal is None or not await self.data.decide(proposal.id, "rejected", turn.visitor.user_id, reason):
            turn.say(_("This proposal was decided already."))
            return True
        title = Workshop.model_validate_json(proposal.workshop).text("title", "de")
        await c.store.log_event("proposal_rejected", None, proposal=proposal.id, staff=turn.visitor.user_id)
        await self._tell(proposal.contact_id, "✖ " + _("Your proposed workshop “{title}” was not accepted. The "
                                                      "integration office writes: {reason}").format(
            title=isolated(title or ""), reason=isolated(reason)))
        turn.say(_("Rejected; the partner organisation is told the reason."))
        return True

    async def _tell(self, contact_id: int, text: str) -> None:
        if not contact_id:  # the contact deleted their data meanwhile: nobody to tell
            return
        await self.context.outbox.enqueue(contact_id, None, "staff", screen_payload(Screen(text=text)))
