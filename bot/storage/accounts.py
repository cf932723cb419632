"""An association and the Telegram accounts of its board members (migration v22): the `users`
row is the association, whose `id` is the key every other table uses; each member's account (their
private chat with the bot) is a `members` row of it. `Store` reads and writes both through these."""

from __future__ import annotations

import json
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from bot.kernel.turns import ACTING
from bot.storage.unit import UnitOfWork


class User(BaseModel):
    id: int
    language: str
    consent_at: datetime | None
    created_at: datetime
    prompt_ref: str | None
    pushes: bool = True
    blocked_at: datetime | None = None
    awaiting: str | None = None
    notice_version: str | None = None  # the privacy notice they last agreed to
    networking: bool = False  # shown anonymously to other associations, may be asked for introductions
    sharing: bool = False  # the office may pass their name and needs on to partner organisations

    def agreed(self, version: str) -> bool:
        """Agreed to this version of the privacy notice (an older one: asked again first)."""
        return self.consent_at is not None and self.notice_version == version


# An association is its `users` row; each board member's Telegram account is a `members` row of
# it (migration v22). What belongs to one phone (the language read there, the live buttons) is
# the member's: a turn sees the association with the acting member's language and prompt.
MEMBER = ("SELECT u.*, m.language AS member_language, m.prompt_ref AS member_prompt, m.awaiting AS member_awaiting "
          "FROM members m JOIN users u ON u.id = m.user_id WHERE m.chat_id = ?")
# A users row with no member at all (written before members existed, or by hand) is its own
# account's association: it gets that member when it is first met.
ADOPT = ("INSERT INTO members (chat_id, user_id, language, joined_at, prompt_ref, awaiting, blocked_at) "
         "SELECT id, id, language, created_at, prompt_ref, awaiting, blocked_at FROM users u WHERE u.id = ?1 "
         "AND NOT EXISTS (SELECT 1 FROM members WHERE user_id = ?1) AND NOT EXISTS (SELECT 1 FROM members "
         "WHERE chat_id = ?1)")
# The member chat a message is being drawn for (the outbox worker sets it per recipient): `user`
# then reads the association in that member's language.
READER: ContextVar[int | None] = ContextVar("reader_chat", default=None)


def as_member(row: Any) -> dict[str, Any]:
    """An association row read through one member: their language and live prompt."""
    data = dict(row)
    language, prompt = data.pop("member_language"), data.pop("member_prompt")
    awaiting = data.pop("member_awaiting")
    if language is not None:  # read through a member: what belongs to their phone is theirs
        data["language"], data["awaiting"] = language, awaiting
    data["prompt_ref"] = prompt
    return data


class Accounts(UnitOfWork):
    """The association as one of its members' accounts reads it, and founding, joining and
    Telegram refusing an account."""

    async def user(self, user_id: int) -> User | None:
        """The association; while a message is drawn for one of its members (`READER`), in
        that member's language."""
        row = await self._one("SELECT u.*, m.language AS member_language, m.prompt_ref AS member_prompt, "
                              "m.awaiting AS member_awaiting "
                              "FROM users u LEFT JOIN members m ON m.user_id = u.id AND m.chat_id = ? "
                              "WHERE u.id = ?", READER.get(), user_id)
        if row is None:
            return None
        return User.model_validate(as_member(row))

    async def account(self, chat_id: int) -> User | None:
        """The association this Telegram account is a member of, in the member's language."""
        row = await self._one(MEMBER, chat_id)
        if row is None:  # not adopted yet (a users row without members): its own association
            row = await self._one("SELECT u.*, NULL AS member_language, u.prompt_ref AS member_prompt, "
                                  "NULL AS member_awaiting FROM users u "
                                  "WHERE u.id = ?1 AND NOT EXISTS (SELECT 1 FROM members WHERE user_id = ?1)", chat_id)
        return User.model_validate(as_member(row)) if row else None

    async def takes_part(self, chat_id: int) -> bool:
        """This Telegram account answers for an association that has a questionnaire."""
        row = await self._one("SELECT 1 FROM submissions WHERE user_id = COALESCE((SELECT user_id FROM members "
                              "WHERE chat_id = ?1), ?1) LIMIT 1", chat_id)
        return row is not None

    async def member_of(self, chat_id: int) -> int | None:
        """The association this Telegram account is a member of (its key)."""
        await self.write(ADOPT, chat_id)
        row = await self._one("SELECT user_id FROM members WHERE chat_id = ?", chat_id)
        return int(row["user_id"]) if row else None

    async def set_language(self, chat_id: int, language: str) -> int:
        """The language of this Telegram account; an account that is no member of an association
        yet founds one. Returns the association's key: the account's id when no association has
        it yet, else a new negative number. Telegram's user ids are positive, so a key given
        now never equals an account that later founds or joins, whichever key an association that
        an account left keeps."""
        key = await self.member_of(chat_id)
        if key is not None:
            await self.write("UPDATE members SET language = ? WHERE chat_id = ?", language, chat_id)
            # The association's language (of messages drawn once for every member) follows a
            # board of one, and with more members the longest-standing member's (`MemberStore.leave`).
            await self.write("UPDATE users SET language = ?1 WHERE id = ?2 AND ?3 = (SELECT chat_id FROM members "
                             "WHERE user_id = ?2 ORDER BY joined_at, chat_id LIMIT 1)", language, key, chat_id)
            return key
        return await self.found(chat_id, language)

    async def found(self, chat_id: int, language: str) -> int:
        """A new association with this account as its one member."""
        taken = await self._one("SELECT 1 FROM users WHERE id = ?", chat_id)
        if taken is None:
            key = chat_id
        else:
            row = await self._one("SELECT MIN(MIN(id), 0) - 1 AS key FROM users")
            key = int(row["key"]) if row else -1
        now = self._now()
        await self.write("INSERT INTO users (id, language, created_at) VALUES (?, ?, ?)", key, language, now)
        await self.join(chat_id, key, language)
        return key

    async def join(self, chat_id: int, user_id: int, language: str) -> None:
        await self.write("INSERT INTO members (chat_id, user_id, language, joined_at) VALUES (?, ?, ?, ?)",
                         chat_id, user_id, language, self._now())

    async def set_awaiting(self, user_id: int, awaiting: dict[str, Any] | None) -> None:
        """Typed input the bot expects: from the member whose turn this is (another member's
        next message is not taken for it); outside a turn, the association's."""
        value = json.dumps(awaiting) if awaiting is not None else None
        acting = ACTING.get()
        if acting is None:
            await self.write("UPDATE users SET awaiting = ? WHERE id = ?", value, user_id)
        else:
            await self.write("UPDATE members SET awaiting = ? WHERE chat_id = ? AND user_id = ?", value, acting,
                             user_id)

    async def account_blocked(self, chat_id: int) -> None:
        """This Telegram account blocked the bot: its membership is marked, and the association
        too once no member can be reached."""
        await self.set_member_blocked(chat_id, True)
        await self.write("UPDATE users SET blocked_at = ?1 WHERE id = (SELECT user_id FROM members WHERE chat_id = ?2) "
                         "AND NOT EXISTS (SELECT 1 FROM members WHERE user_id = users.id AND blocked_at IS NULL)",
                         self._now(), chat_id)

    async def set_member_blocked(self, chat_id: int, blocked: bool) -> None:
        """Telegram refused a message to this member's chat, or they wrote again."""
        await self.write("UPDATE members SET blocked_at = ? WHERE chat_id = ?", self._now() if blocked else None,
                         chat_id)
