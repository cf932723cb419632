"""An association's board members (/members): inviting one, withdrawing a link, someone opening
it (joining, not joining, too late, already a member, answering for another association), the
other members told, leaving, /delete's choice while others are members, and the last member."""

from __future__ import annotations

import re

from bot.kernel.actions import Action, Kind
from bot.kernel.outcome import Outcome
from bot.kernel.text import BIDI_CONTROLS
from bot.review.stage import Stage, buttons
from bot.survey.member_screens import MemberScreens


def _parameter(out: Outcome) -> str:
    text = "".join(c for c in "\n".join(m.text for m in out.messages) if c not in BIDI_CONTROLS)
    found = re.search(r"start=(m_[A-Za-z0-9_-]+)", text)
    if found is None:
        raise LookupError("no invitation link")
    return found.group(1)


async def _invite(s: Stage, user: int) -> tuple[Outcome, str]:
    out = await s.press(user, Action(Kind.MEMBERS, value="i").encode())
    return out, _parameter(out)


async def members(s: Stage, main: int, second: int, elsewhere: int) -> None:
    """`main`: an association with its answers sent; `second`: someone new to the bot;
    `elsewhere`: someone who answers for an association of their own, alone."""
    # Sending the members' notices sends what else is due: the script's other chats get it
    # where they did before (the office's note of a reply goes with the association's deletion).
    postbox = {chat: list(parcels) for chat, parcels in s.postbox.parcels.items()}
    try:
        await s.delivered(main)  # what was owed before: not the members' notices
        await _scenes(s, main, second, elsewhere)
    finally:
        s.postbox.parcels.clear()
        s.postbox.parcels.update(postbox)


async def _scenes(s: Stage, main: int, second: int, elsewhere: int) -> None:
    survey, v = s.survey, s.visitor
    out = await survey.members_list(v(main))
    s.keep("members", "/members: the board members in the bot (only you so far)", out.messages[0])
    out, _first = await _invite(s, main)
    s.keep("members", "after “Invite a board member”: the link to pass on", out.messages[0])
    out = await survey.members_list(v(main))
    s.keep("members", "/members with an invitation nobody has used yet", out.messages[0])
    withdraw = buttons(out.messages[0], Kind.MEMBERS)[-1]
    out = await s.press(main, withdraw.action)
    s.keep("toast", "after withdrawing an invitation link", out.toast or "")

    _out, parameter = await _invite(s, main)
    opened = await survey.invitation(v(second), parameter)
    s.keep("members", "someone new opens the invitation link: the full privacy notice, then this",
           opened.messages[-1])
    out = await s.press(second, Action(Kind.MEMBERS, value="n").encode())
    s.keep("members", "after “No, thanks”", out.messages[0])
    join = buttons(opened.messages[-1], Kind.MEMBERS)[0]
    out = await s.press(second, join.action)
    s.keep("members", "after “Join”: welcome, then the language picker", out.messages[0])
    for parcel in await s.delivered(main):
        if parcel.screen is not None:
            s.keep("members", "the other members are told that someone joined", parcel.screen)
    await s.delivered(second)
    out = await survey.invitation(v(elsewhere), parameter)
    s.keep("members", "a link that was used, withdrawn or is older than seven days", out.messages[0])
    out = await survey.members_list(v(second))
    s.keep("members", "/members with two members, as the one who joined sees it", out.messages[0])
    _out, again = await _invite(s, second)
    out = await survey.invitation(v(main), again)
    s.keep("members", "a member opens a link of their own association", out.messages[0])
    out = await survey.invitation(v(elsewhere), again)
    s.keep("members", "someone who answers alone for another association opens a link (after the notice)",
           out.messages[-1])
    prefix = "0" * 20
    s.keep("members", "someone who answers for another association with other members opens a link",
           MemberScreens(s.t).join_offer(prefix, True, False))

    out = await survey.ask_delete(v(second))
    s.keep("delete", "/delete while other board members use the bot: leave or delete for everyone",
           out.messages[0])
    out = await s.press(second, Action(Kind.DELETE, value="e").encode())
    s.keep("delete", "after “Delete for everyone”: asked once more, naming the others", out.messages[0])
    await s.press(second, Action(Kind.DELETE, value="n").encode())
    out = await s.press(second, Action(Kind.MEMBERS, value="l").encode())
    s.keep("delete", "after “Leave the association”", out.messages[0])
    for parcel in await s.delivered(main):
        if parcel.screen is not None:
            s.keep("members", "the other members are told that someone left", parcel.screen)
    s.keep("members", "the other members are told when one deleted the association for everyone",
           MemberScreens(s.t).deleted_by_another(), drawn=True)
    out = await s.press(main, Action(Kind.MEMBERS, value="l").encode())
    s.keep("members", "the last member in the bot tries to leave", out.messages[0])
