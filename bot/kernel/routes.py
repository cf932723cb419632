"""Who may do what: one table of every command and button kind, the capability that handles it,
and the roles allowed to use it.

The adapters decide a person's role once per update (`role_of`), look the update up here
(`find`) and hand it to the capability only when the table allows it; anything else gets the
polite refusal of its kind and changes nothing. A command or button that is not in the table is
refused for everyone, so a new route cannot exist without roles (`tests/test_routes.py` checks
every declared route from every role).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.kernel.actions import Kind, parse


class Role(StrEnum):
    ASSOCIATION = "association"  # anyone else in a private chat: a board member, or one about to be
    STAFF = "staff"  # a staff member (MSOBOT_STAFF_IDS) in their private chat with the bot
    STAFF_CHAT = "staff chat"  # a staff member in the configured staff group
    PARTNER = "partner"  # an active partner contact, in their private chat
    REVOKED = "revoked"  # a partner contact whose access ended, in their private chat
    STRANGER = "stranger"  # anyone in any other group, or someone not on the staff in the staff group


class Capability(StrEnum):
    SURVEY = "survey"  # the questionnaire and the association's own commands
    INVITATION = "invitation"  # /start with a partner invitation, and its Yes/No
    PARTNERS = "partners"  # a partner contact's commands and answers to contact requests
    STAFF = "staff"  # staff commands and guided conversations
    PROPOSALS = "proposals"  # a partner contact's /workshop steps: a proposal for staff to decide
    PRIVATE_ONLY = "private only"  # a staff command that shows associations' data, sent in the staff group


@dataclass(frozen=True)
class Route:
    key: str  # "/name" for a command, "button X" (X: the button kind) for a tap
    capability: Capability
    roles: frozenset[Role]


ALL_SURVEY = frozenset({Role.ASSOCIATION, Role.STAFF})  # staff may try the questionnaire
CONTACTS = frozenset({Role.PARTNER, Role.REVOKED})
STAFF_ONLY = frozenset({Role.STAFF, Role.STAFF_CHAT})
SURVEY_COMMANDS = ("start", "help", "answers", "suggestions", "myworkshops", "settings", "language", "delete",
                   "mydata", "privacy")
STAFF_OWN = ("start", "help")  # survey commands that staff get a version of their own of
PARTNER_COMMANDS = ("needs", "myworkshops")
STAFF_COMMANDS = ("digest", "stats", "export", "report", "msos", "workshop", "broadcast", "round", "partner",
                  "office", "cancel")
# Commands that show associations' data: in the staff group every member would read them.
PRIVATE_ONLY = ("export", "msos", "stats", "broadcast", "partner", "office")

_SURVEY_BUTTONS = [Kind.LANGUAGE, Kind.CONSENT, Kind.ANSWER, Kind.TOGGLE, Kind.DONE, Kind.BACK, Kind.SKIP,
                   Kind.KEEP, Kind.EDIT, Kind.CONFIRM, Kind.CONTINUE, Kind.DELETE, Kind.SUGGESTION, Kind.INTRO,
                   Kind.PUSHES, Kind.ROUND, Kind.PRIVACY]

ROUTES: tuple[Route, ...] = (
    # Staff get a /start and /help of their own: never the questionnaire unless they choose to try it
    # (a button on their /start; the other survey commands stay open to them for that).
    *(Route(f"/{name}", Capability.SURVEY, frozenset({Role.ASSOCIATION}) if name in STAFF_OWN else ALL_SURVEY)
      for name in SURVEY_COMMANDS),
    *(Route(f"/{name}", Capability.STAFF, frozenset({Role.STAFF})) for name in STAFF_OWN),
    *(Route(f"/{name}", Capability.PARTNERS, CONTACTS) for name in dict.fromkeys((*SURVEY_COMMANDS,
                                                                                   *PARTNER_COMMANDS))),
    # Anyone in a private chat may open an invitation link; the invitation service explains why
    # a staff account or an association that takes part cannot join.
    Route("/start invitation", Capability.INVITATION, frozenset({Role.ASSOCIATION, Role.STAFF, *CONTACTS})),
    *(Route(f"/{name}", Capability.STAFF, STAFF_ONLY if name not in PRIVATE_ONLY else frozenset({Role.STAFF}))
      for name in STAFF_COMMANDS),
    # ... and answer in the staff group that they are for private chats.
    *(Route(f"/{name}", Capability.PRIVATE_ONLY, frozenset({Role.STAFF_CHAT})) for name in PRIVATE_ONLY),
    # A partner contact proposes workshops through the staff's /workshop steps.
    Route("/workshop", Capability.PROPOSALS, frozenset({Role.PARTNER})),
    Route("/cancel", Capability.PROPOSALS, frozenset({Role.PARTNER})),
    *(Route(f"button {kind.value}", Capability.SURVEY, ALL_SURVEY) for kind in _SURVEY_BUTTONS),
    Route("button Z:msos", Capability.STAFF, frozenset({Role.STAFF})),  # the next page of /msos
    Route("button Z:msos", Capability.PRIVATE_ONLY, frozenset({Role.STAFF_CHAT})),
    Route("button Z:proposal", Capability.STAFF, STAFF_ONLY),  # approve or reject a proposal
    Route("button Z:step", Capability.STAFF, STAFF_ONLY),  # a step of /workshop, /broadcast; cancel
    Route("button Z:step", Capability.PROPOSALS, frozenset({Role.PARTNER})),
    Route("button Z:try", Capability.STAFF, frozenset({Role.STAFF})),  # staff try the questionnaire
    Route("button Q:join", Capability.INVITATION, frozenset({Role.ASSOCIATION, *CONTACTS})),  # never staff
    Route("button Q:answer", Capability.PARTNERS, frozenset({Role.PARTNER})),  # a contact request
    Route("button Q:delete", Capability.PARTNERS, CONTACTS),  # a contact's /delete: yes or keep
    # "Reply" under a message from the office: associations only (the survey's companion OfficeMail).
    Route("button M", Capability.SURVEY, frozenset({Role.ASSOCIATION})),
    # The association's contact person for the office and partners (add, no thanks, remove): whoever
    # answers the questionnaire, staff trying it included (the survey's companion ContactPersons).
    Route("button W", Capability.SURVEY, ALL_SURVEY),
)


def find(key: str, role: Role) -> Route | None:
    """The route for this key and role, or None: refuse."""
    return next((r for r in ROUTES if r.key == key and role in r.roles), None)


def role_of(*, private: bool, staff_chat: bool, staff: bool, contact: bool | None) -> Role:
    """`contact`: None for no partner contact, else whether their access is still open."""
    if not private:
        return Role.STAFF_CHAT if staff_chat and staff else Role.STRANGER
    if staff:
        return Role.STAFF
    if contact is not None:
        return Role.PARTNER if contact else Role.REVOKED
    return Role.ASSOCIATION


def button_key(data: str | None) -> str:
    """The table's key for a button's data; "button ?" (in no route) for anything malformed."""
    tap = parse(data)
    return "button ?" if tap is None else tap.route_key
