"""What a button does, in a compact text form that fits Telegram's 64-byte callback_data.

One small codec per kind of button: the questionnaire's own buttons (`Action`: the submission,
the question, the value), a suggestion card's (`SuggestionTap`), an introduction's
(`IntroTap`), a staff step's (`StaffTap`), a partner contact's (`JoinTap`, `RequestAnswerTap`,
`ContactDeleteTap`) and the reply under a message from the office (`OfficeReplyTap`); each
names its own fields and says which route of the table it is (`route_key`). The strings are
what buttons already sent in chats carry, so old messages keep working.

The console uses the same strings behind its numbered choices. Data from a client is never
trusted: `parse` returns None for anything malformed, and the capabilities re-check every id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar


class Kind(StrEnum):
    LANGUAGE = "L"
    CONSENT = "C"
    ANSWER = "A"
    TOGGLE = "T"
    DONE = "D"
    BACK = "B"
    SKIP = "S"
    KEEP = "K"
    EDIT = "E"
    CONFIRM = "F"
    CONTINUE = "N"
    DELETE = "X"
    SUGGESTION = "G"  # SuggestionTap
    INTRO = "I"  # IntroTap
    PUSHES = "P"  # value: on or off
    STAFF = "Z"  # StaffTap
    ROUND = "O"  # value: the round id of an invitation to answer again
    PRIVACY = "V"  # value: n1/n0 networking on/off, p1/p0 partner sharing on/off, full, delete
    PARTNER = "Q"  # JoinTap, RequestAnswerTap, ContactDeleteTap
    OFFICE = "M"  # OfficeReplyTap
    CONTACT = "W"  # value: add, no, remove: the association's contact person for the office and partners


MAX_BYTES = 64
_PART = re.compile(r"^[a-z0-9_-]{1,24}$")


@dataclass(frozen=True)
class Action:
    """The questionnaire's buttons and the association's settings: which submission, which
    question, which value (each kind carries the parts `_SHAPES` lists)."""

    kind: Kind
    submission: int | None = None
    question: str | None = None
    value: str | None = None

    def encode(self) -> str:
        parts: list[str] = [self.kind.value]
        if self.submission is not None:
            parts.append(str(self.submission))
        parts += [p for p in (self.question, self.value) if p is not None]
        return _fits(":".join(parts))

    @property
    def route_key(self) -> str:
        return f"button {self.kind.value}"

    @classmethod
    def language(cls, code: str) -> Action:
        return cls(Kind.LANGUAGE, value=code)

    @classmethod
    def consent_data(cls, value: str) -> str:
        """A consent screen's button: agree, decline, the full text, or the choices shown anew."""
        return cls(Kind.CONSENT, value=value).encode()


def _fits(data: str) -> str:
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"button data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 12 else None


@dataclass(frozen=True)
class SuggestionTap:
    """`G:<suggestion id>:<choice>`: a suggestion card's Interested (i) / Not for us (n), or a
    workshop of /myworkshops: its calendar file again (c), no longer interested (u)."""

    suggestion_id: int
    choice: str
    kind: ClassVar[Kind] = Kind.SUGGESTION
    CHOICES: ClassVar[frozenset[str]] = frozenset({"i", "n", "c", "u"})
    route_key: ClassVar[str] = "button G"

    def encode(self) -> str:
        return _fits(f"G:{self.suggestion_id}:{self.choice}")

    @classmethod
    def decode(cls, parts: list[str]) -> SuggestionTap | None:
        if len(parts) != 2 or parts[1] not in cls.CHOICES:
            return None
        number = _number(parts[0])
        return cls(number, parts[1]) if number is not None else None


@dataclass(frozen=True)
class IntroTap:
    """`I:<introduction id>:a|d`: an association accepts or declines an introduction."""

    introduction_id: int
    accept: bool
    kind: ClassVar[Kind] = Kind.INTRO
    route_key: ClassVar[str] = "button I"

    def encode(self) -> str:
        return _fits(f"I:{self.introduction_id}:{'a' if self.accept else 'd'}")

    @classmethod
    def decode(cls, parts: list[str]) -> IntroTap | None:
        if len(parts) != 2 or parts[1] not in ("a", "d"):
            return None
        number = _number(parts[0])
        return cls(number, parts[1] == "a") if number is not None else None


@dataclass(frozen=True)
class StaffTap:
    """`Z:<step>:<value>`: a step of a staff member's guided conversation (/workshop,
    /broadcast, a partner's proposal), and three buttons of their own: the next page of /msos
    (`msos`, the page), deciding a proposal (`proposal`, a<id> or r<id>) and trying the
    questionnaire (`try`)."""

    step: str
    value: str
    kind: ClassVar[Kind] = Kind.STAFF
    OWN_ROUTES: ClassVar[tuple[str, ...]] = ("msos", "proposal", "try")

    def encode(self) -> str:
        return _fits(f"Z:{self.step}:{self.value}")

    @property
    def route_key(self) -> str:
        return f"button Z:{self.step if self.step in self.OWN_ROUTES else 'step'}"

    @classmethod
    def decode(cls, parts: list[str]) -> StaffTap | None:
        if len(parts) != 2 or not all(_PART.match(p) for p in parts):
            return None
        return cls(parts[0], parts[1])


@dataclass(frozen=True)
class JoinTap:
    """`Q:y<token hash prefix>` (yes, I am with this organisation) or `Q:n`: the answer to a
    partner invitation."""

    token_prefix: str | None  # None: no
    kind: ClassVar[Kind] = Kind.PARTNER
    route_key: ClassVar[str] = "button Q:join"

    def encode(self) -> str:
        return _fits(f"Q:y{self.token_prefix}" if self.token_prefix is not None else "Q:n")


@dataclass(frozen=True)
class RequestAnswerTap:
    """`Q:a<request id>` (we will get in touch) or `Q:d<request id>` (not our field)."""

    request_id: int
    accept: bool
    kind: ClassVar[Kind] = Kind.PARTNER
    route_key: ClassVar[str] = "button Q:answer"

    def encode(self) -> str:
        return _fits(f"Q:{'a' if self.accept else 'd'}{self.request_id}")


@dataclass(frozen=True)
class ContactDeleteTap:
    """`Q:x` (yes, delete my access and data) or `Q:k` (keep): a partner contact's /delete."""

    confirm: bool
    kind: ClassVar[Kind] = Kind.PARTNER
    route_key: ClassVar[str] = "button Q:delete"

    def encode(self) -> str:
        return "Q:x" if self.confirm else "Q:k"


PartnerTap = JoinTap | RequestAnswerTap | ContactDeleteTap


def _partner(parts: list[str]) -> PartnerTap | None:
    if len(parts) != 1 or not _PART.match(parts[0]):
        return None
    value = parts[0]
    if value in ("x", "k"):
        return ContactDeleteTap(value == "x")
    if value == "n":
        return JoinTap(None)
    number = _number(value[1:])
    if value[0] in "ad" and number is not None:
        return RequestAnswerTap(number, value[0] == "a")
    if value[0] == "y" and len(value) > 1:
        return JoinTap(value[1:])
    return None


@dataclass(frozen=True)
class OfficeReplyTap:
    """`M:r<message id>`: "Reply" under a message from the integration office."""

    message_id: int
    kind: ClassVar[Kind] = Kind.OFFICE
    route_key: ClassVar[str] = "button M"

    def encode(self) -> str:
        return _fits(f"M:r{self.message_id}")

    @classmethod
    def decode(cls, parts: list[str]) -> OfficeReplyTap | None:
        if len(parts) != 1 or not parts[0].startswith("r"):
            return None
        number = _number(parts[0][1:])
        return cls(number) if number is not None else None


Tap = Action | SuggestionTap | IntroTap | StaffTap | JoinTap | RequestAnswerTap | ContactDeleteTap | OfficeReplyTap

# How many parts after the kind letter each of the questionnaire's buttons carries: submission,
# question, value.
_SHAPES: dict[Kind, tuple[bool, bool, bool]] = {
    Kind.LANGUAGE: (False, False, True),
    Kind.CONSENT: (False, False, True),
    Kind.ANSWER: (True, True, True),
    Kind.TOGGLE: (True, True, True),
    Kind.DONE: (True, True, False),
    Kind.BACK: (True, True, False),
    Kind.SKIP: (True, True, False),
    Kind.KEEP: (True, True, False),
    Kind.EDIT: (True, True, False),
    Kind.CONFIRM: (True, False, False),
    Kind.CONTINUE: (True, False, False),
    Kind.DELETE: (False, False, True),
    Kind.PUSHES: (False, False, True),
    Kind.ROUND: (False, False, True),
    Kind.PRIVACY: (False, False, True),
    Kind.CONTACT: (False, False, True),
}
_CODECS = {Kind.SUGGESTION: SuggestionTap.decode, Kind.INTRO: IntroTap.decode, Kind.STAFF: StaffTap.decode,
           Kind.PARTNER: _partner, Kind.OFFICE: OfficeReplyTap.decode}


def parse(data: str | None) -> Tap | None:
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    head, *rest = data.split(":")
    try:
        kind = Kind(head)
    except ValueError:
        return None
    if kind in _CODECS:
        return _CODECS[kind](rest)
    return _action(kind, rest)


def parse_action(data: str | None) -> Action | None:
    """Only the questionnaire's and the settings' buttons (`Action`), else None."""
    tap = parse(data)
    return tap if isinstance(tap, Action) else None


def _action(kind: Kind, rest: list[str]) -> Action | None:
    has_submission, has_question, has_value = _SHAPES[kind]
    if len(rest) != has_submission + has_question + has_value:
        return None
    submission = None
    if has_submission:
        submission = _number(rest.pop(0))
        if submission is None:
            return None
    if not all(_PART.match(p) for p in rest):
        return None
    question = rest.pop(0) if has_question else None
    value = rest.pop(0) if has_value else None
    return Action(kind, submission, question, value)
