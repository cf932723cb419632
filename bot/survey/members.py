"""An association, not a phone: its board members each use the bot from their own Telegram
account (issue 27). `/members` lists them (the day each joined; no names) and makes one-time
invitation links; opening one joins the association (asked first when the person answers for
another one); `/delete` asks whether to leave or to delete for everyone while others are
members; the last member cannot leave, only invite someone or delete.

The turn's user is the association: what one member does, every member sees. Only this part
knows the acting account (`turn.visitor.user_id`, their private chat), and nothing it writes
for the office names it: the events say that a member joined or left, not who."""

from __future__ import annotations

from bot.kernel.actions import Action
from bot.kernel.links import StartLinks, new_token, start_token, token_hash
from bot.outbox.parcels import screen_payload
from bot.storage.members import MemberInvite, MemberStore
from bot.storage.outbox import OutboxStore
from bot.survey.flow import SurveyFlow
from bot.survey.member_screens import MemberScreens
from bot.survey.turns import Turn

PREFIX = "m_"  # the /start parameter of an invitation to join an association's board
PREFIX_LENGTH = 20  # how much of the token's hash a joining button carries


def token_of(start_parameter: str) -> str | None:
    """The token of a /start parameter that is a board invitation, else None."""
    return start_token(start_parameter, PREFIX)


class Members:
    def __init__(self, flow: SurveyFlow, links: StartLinks) -> None:
        self.flow = flow
        self.store = flow.store
        self.data = MemberStore(flow.store)
        self.outbox = OutboxStore(flow.store)
        self.links = links

    def screens(self, turn: Turn) -> MemberScreens:
        return MemberScreens(turn.screens.t)

    def link(self, token: str) -> str:
        return self.links.link(f"{PREFIX}{token}")

    # -- /members ---------------------------------------------------------------------------

    async def show(self, turn: Turn) -> None:
        assert turn.user is not None
        members = await self.data.members(turn.user.id)
        invites = await self.data.open_invites(turn.user.id)
        me = turn.visitor.user_id
        turn.outcome.messages.append(self.screens(turn).members(
            [(m.joined_at, m.chat_id == me) for m in members], [(i.id, i.expires_at) for i in invites], self.flow.tz))

    async def press(self, turn: Turn, action: Action) -> None:
        value, s = action.value or "", self.screens(turn)
        if value.startswith("j"):
            await self.join(turn, value[1:])
            return
        if value == "n":
            turn.outcome.source_closed = True
            turn.outcome.messages.append(s.not_joined())
            return
        if turn.user is None or not turn.agreed:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        if value == "i":
            token = new_token()
            await self.data.add_invite(token_hash(token), turn.user.id)
            invite = await self.data.invite(token_hash(token))
            assert invite is not None
            await self.store.log_event("member_invited", turn.user.id)
            turn.outcome.messages.append(s.invitation(self.link(token), invite.expires_at, self.flow.tz))
        elif value.startswith("r") and value[1:].isdigit() and await self.data.revoke_invite(int(value[1:]),
                                                                                               turn.user.id):
            await self.store.log_event("member_invite_withdrawn", turn.user.id)
            turn.outcome.source_closed = True
            turn.outcome.toast = s.withdrawn()
            await self.show(turn)
        elif value == "l":
            await self.leave(turn)
        else:  # another association's link, or one withdrawn already
            turn.outcome.toast = turn.screens.no_longer_applies()

    # -- joining ----------------------------------------------------------------------------

    async def opened(self, turn: Turn, token: str | None) -> None:
        """Someone opened an invitation link (/start m_...)."""
        invite = await self.data.invite(token_hash(token)) if token else None
        s = self.screens(turn)
        if invite is None or not invite.open_at(self.store.now()):
            turn.outcome.messages.append(s.invalid_link())
            return
        if turn.user is not None and turn.user.id == invite.user_id:
            turn.outcome.messages.append(s.already_member())
            return
        switching, last = await self._now_answering(turn)
        # The privacy notice first (what is stored about a member is in it), then what joining means.
        turn.outcome.messages += [turn.screens.notice.full(),
                                  s.join_offer(invite.token_hash[:PREFIX_LENGTH], switching, last)]

    async def _now_answering(self, turn: Turn) -> tuple[bool, bool]:
        """Whether the person answers for an association with data now, and alone there."""
        if turn.user is None or await self.store.current_submission(turn.user.id) is None:
            return False, False
        return True, len(await self.data.members(turn.user.id)) <= 1

    async def join(self, turn: Turn, prefix: str) -> None:
        turn.outcome.source_closed = True
        s = self.screens(turn)
        invite = await self.data.invite_by_prefix(prefix)
        if invite is None or not invite.open_at(self.store.now()) or not await self.data.use_invite(invite.id):
            turn.outcome.messages.append(s.invalid_link())
            return
        if turn.user is not None and turn.user.id == invite.user_id:
            turn.outcome.messages.append(s.already_member())
            return
        if turn.user is not None:
            await self._leave_for_another(turn)
        await self._join(turn, invite)

    async def _leave_for_another(self, turn: Turn) -> None:
        """Joining another association: this one keeps its data with its other members; a
        board of one is deleted (the joining screen said so, and the button read "Delete and
        join"); an association with no questionnaire yet simply goes."""
        assert turn.user is not None
        if len(await self.data.members(turn.user.id)) > 1:
            await self._leave(turn)
            return
        await self.store.delete_user(turn.user.id)
        await self.store.log_event("user_deleted")
        turn.after.append(self.store.eraser.settle)

    async def _join(self, turn: Turn, invite: MemberInvite) -> None:
        language = turn.screens.t.code
        await self.store.join(turn.visitor.user_id, invite.user_id, language)
        await self.store.log_event("member_joined", invite.user_id)
        await self._tell_others(invite.user_id, turn.visitor.user_id, "joined")
        turn.user = await self.store.user(invite.user_id)
        turn.outcome.messages.append(turn.screens.language_picker(language, note=self.screens(turn).joined(),
                                                                  greet=False))

    # -- leaving ----------------------------------------------------------------------------

    async def others(self, turn: Turn) -> int:
        """How many other members the association has."""
        if turn.user is None:
            return 0
        return sum(m.chat_id != turn.visitor.user_id for m in await self.data.members(turn.user.id))

    async def leave(self, turn: Turn) -> None:
        turn.outcome.source_closed = True
        if await self.others(turn) == 0:
            turn.outcome.messages.append(self.screens(turn).last_member())
            return
        await self._leave(turn)
        turn.outcome.messages.append(self.screens(turn).left())

    async def _leave(self, turn: Turn) -> None:
        assert turn.user is not None
        await self.data.leave(turn.visitor.user_id)
        await self.store.log_event("member_left", turn.user.id)
        await self._tell_others(turn.user.id, turn.visitor.user_id, "left")

    async def delete_for_everyone(self, turn: Turn) -> None:
        """Before the association is deleted: each other member is told, in their language."""
        assert turn.user is not None
        await self._tell_others(turn.user.id, turn.visitor.user_id, "deleted")

    async def _tell_others(self, user_id: int, me: int, what: str) -> None:
        for member in await self.data.members(user_id):
            if member.chat_id == me:
                continue
            s = MemberScreens(self.flow.screens_for(member.language).t)
            screen = {"joined": s.another_joined, "left": s.another_left, "deleted": s.deleted_by_another}[what]()
            # To this member's chat alone (no association on the row: it outlives a deletion).
            await self.outbox.enqueue(member.chat_id, None, "members", screen_payload(screen),
                                      about_user=None if what == "deleted" else user_id)
