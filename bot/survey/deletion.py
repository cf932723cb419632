"""`/delete`: a question first, then everything about the user is gone, the log file too.
While other board members use the bot too, the question is whether to leave the association or
to delete it for everyone (they are told); see `bot.survey.members`."""

from __future__ import annotations

from bot.storage import Store
from bot.survey.members import Members
from bot.survey.turns import Turn


class Deletion:
    def __init__(self, store: Store, members: Members) -> None:
        self.store = store
        self.members = members

    async def ask(self, turn: Turn) -> None:
        if turn.user is None:
            turn.outcome.messages.append(turn.screens.nothing_stored())
        elif await self.members.others(turn):
            turn.outcome.messages.append(self.members.screens(turn).leave_or_delete())
        else:
            turn.outcome.messages.append(turn.screens.delete_question())

    async def delete(self, turn: Turn, value: str) -> None:
        """`value`: y (yes, a board of one), e (asks: for everyone?), a (yes, for everyone), n (keep)."""
        turn.outcome.source_closed = True
        if value not in ("y", "e", "a"):
            turn.outcome.messages.append(turn.screens.kept())
            return
        others = await self.members.others(turn)
        if others and value != "a":  # never for the others without saying so, even on an old button
            turn.outcome.messages.append(self.members.screens(turn).delete_for_everyone())
            return
        if value == "e":  # the others left meanwhile
            turn.outcome.messages.append(turn.screens.delete_question())
            return
        if turn.user is not None:
            if others:
                await self.members.delete_for_everyone(turn)
            await self.store.delete_user(turn.user.id)
            await self.store.log_event("user_deleted")
            turn.after.append(self.store.eraser.settle)  # erased rows leave the log file too (bot.storage.erasure)
        turn.outcome.messages.append(turn.screens.deleted())
