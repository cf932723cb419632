"""`/delete`: a question first, then everything about the user is gone, the log file too."""

from __future__ import annotations

from bot.storage import Store
from bot.survey.turns import Turn


class Deletion:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def ask(self, turn: Turn) -> None:
        if turn.user is None:
            turn.outcome.messages.append(turn.screens.nothing_stored())
        else:
            turn.outcome.messages.append(turn.screens.delete_question())

    async def delete(self, turn: Turn, confirmed: bool) -> None:
        turn.outcome.source_closed = True
        if not confirmed:
            turn.outcome.messages.append(turn.screens.kept())
            return
        if turn.user is not None:
            await self.store.delete_user(turn.user.id)
            await self.store.log_event("user_deleted")
            turn.after.append(self.store.eraser.settle)  # erased rows leave the log file too (bot.storage.erasure)
        turn.outcome.messages.append(turn.screens.deleted())
