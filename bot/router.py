"""The one way in for every adapter: the routing table decides, the capability acts.

Telegram's handlers and the console both decide a person's role once (`routes.role_of`) and
hand what they did to this router; it looks the command or button up in the table
(`bot.kernel.routes`) and calls the capability the table names, or gives the polite refusal of
its kind. No capability checks roles itself: a capability is only ever reached through a route
that allowed the role. `None` means the bot says nothing (a stranger in a group).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.kernel.outcome import Outcome
from bot.kernel.routes import STAFF_COMMANDS, Capability, Role, button_key, find
from bot.kernel.turns import Visitor

if TYPE_CHECKING:
    from bot.partners.service import PartnerService
    from bot.staff.service import StaffService
    from bot.storage import Store
    from bot.survey.service import SurveyService

log = logging.getLogger(__name__)

AssociationCommand = Callable[[str, Visitor], Awaitable[Outcome]]
CONTACTS = (Role.PARTNER, Role.REVOKED)
TALKS = (Role.ASSOCIATION, Role.STAFF)  # private chats where typed text goes to the questionnaire


class Router:
    def __init__(self, store: Store, survey: SurveyService, staff: StaffService, partners: PartnerService,
                 association_command: AssociationCommand) -> None:
        self.store = store
        self.survey = survey
        self.staff = staff
        self.partners = partners
        self.association_command = association_command

    async def command(self, who: Visitor, role: Role, chat_id: int, name: str, argument: str = "") -> Outcome | None:
        """`/name argument`; a /start whose argument is a partner invitation has a route of its own."""
        from bot.partners.invites import PREFIX as INVITE_PREFIX

        invitation = name == "start" and argument.startswith(INVITE_PREFIX)
        route = find("/start invitation" if invitation else f"/{name}", role)
        if route is None:
            return await self._refuse_command(who, role, name)
        match route.capability:
            case Capability.INVITATION:
                return await self.partners.start(who, argument.split()[0], role is Role.STAFF,
                                                 await self._takes_part(who))
            case Capability.PARTNERS:
                return await self.partners.command(who, name)
            case Capability.STAFF:
                return await self.staff.command(who, chat_id, name, argument)
            case Capability.PRIVATE_ONLY:
                return await self.staff.private_only(who, chat_id)
            case Capability.PROPOSALS:
                return await self.staff.propose(who, name)
            case _:
                return await self.association_command(name, who)

    async def _refuse_command(self, who: Visitor, role: Role, name: str) -> Outcome | None:
        """A staff command from anyone else: the staff refusal (logged, no names); any other
        command a role has not: what an unknown command gets. Outside private chats and the
        staff group the bot says nothing."""
        log.info("refused /%s to a %s (update %s)", name, role, who.event_id)
        if role is Role.STRANGER:
            return None
        if name in STAFF_COMMANDS:
            return await self.staff.refuse(who, name)
        if role in CONTACTS:
            return await self.partners.command(who, "other")
        if role is Role.STAFF_CHAT:
            return None
        return await self.survey.help(who)

    async def press(self, who: Visitor, role: Role, chat_id: int, data: str | None, ref: str | None = None,
                    display_name: str | None = None) -> Outcome | None:
        """A button tap; `ref` the message it is under ("chat:message"), `display_name` the
        presser's name in Telegram (a partner contact's, when they join)."""
        if role is Role.STRANGER:
            log.info("refused a button to a stranger (update %s)", who.event_id)
            return None
        key = button_key(data)
        route = find(key, role)
        if route is None:
            return await self._refuse_button(who, role, key)
        match route.capability:
            case Capability.STAFF:
                return await self.staff.press(who, chat_id, data)
            case Capability.PRIVATE_ONLY:
                return await self.staff.private_only(who, chat_id)
            case Capability.PROPOSALS:
                return await self.staff.press_proposing(who, data)
            case Capability.PARTNERS:
                return await self.partners.press(who, data, display_name, False)
            case Capability.INVITATION:
                return await self.partners.press(who, data, display_name, await self._takes_part(who))
            case _:
                return await self.survey.press(who, data, ref)

    async def _refuse_button(self, who: Visitor, role: Role, key: str) -> Outcome:
        """A button this role may not press (old, forged or someone else's): a short notice on
        the button in the person's language, a staff button's refusal logged (without the id);
        nothing changes."""
        log.info("refused %s to a %s (update %s)", key, role, who.event_id)
        if key.startswith("button Z:") and role not in (Role.STAFF, Role.STAFF_CHAT):
            return await self.staff.refuse(who, "button")
        if role in CONTACTS:
            return await self.partners.press(who, None, None, False)
        if role in (Role.STAFF, Role.STAFF_CHAT):
            return await self.staff.stale(who)
        return await self.survey.press(who, None)

    async def forged(self, who: Visitor) -> Outcome:
        """A tap whose private chat is not the presser's: forged; a toast only."""
        return await self.survey.press(who, None)

    async def text(self, who: Visitor, role: Role, chat_id: int, text: str) -> Outcome | None:
        """Typed text: a step of a staff member's (or a proposing partner's) guided
        conversation, else the questionnaire's answer; a contact's text gets their help."""
        if role in (Role.STAFF, Role.STAFF_CHAT, Role.PARTNER) and await self.staff.has_flow(who.user_id):
            return await self.staff.text(who, chat_id, text, proposing=role is Role.PARTNER)
        if role in CONTACTS:
            return await self.partners.command(who, "other")
        if role in TALKS:
            return await self.survey.text(who, text)
        return None

    async def other(self, who: Visitor, role: Role) -> Outcome | None:
        """A sticker, photo, voice note ... in a private chat: a polite re-ask."""
        if role in CONTACTS:
            return await self.partners.command(who, "other")
        return await self.survey.unsupported(who) if role in TALKS else None

    async def edited(self, who: Visitor, role: Role) -> Outcome | None:
        """An edited message: a short note that edits are not read."""
        if role in CONTACTS:
            return await self.partners.command(who, "other")
        return await self.survey.edited(who) if role in TALKS else None

    async def _takes_part(self, who: Visitor) -> bool:
        return await self.store.current_submission(who.user_id) is not None
