"""What a button does, in a compact text form that fits Telegram's 64-byte callback_data.

The console uses the same strings behind its numbered choices. Data from a client is never
trusted: `parse` returns None for anything malformed, and the survey re-checks every id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


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
    SUGGESTION = "G"  # number: suggestion id; value: i (interested) or n (not for us)
    INTRO = "I"  # number: introduction id; value: a (accept) or d (decline)
    PUSHES = "P"  # value: on or off
    STAFF = "Z"  # question: the staff flow's step; value: the choice
    ROUND = "O"  # value: the round id of an invitation to answer again
    PRIVACY = "V"  # value: n1/n0 networking on/off, p1/p0 partner sharing on/off, full, delete
    PARTNER = "Q"  # value: y<token hash prefix> (joining: yes) or n
    OFFICE = "M"  # value: r<message id>: reply to a message from the integration office
    CONTACT = "W"  # value: add, no, remove: the association's contact person for the office and partners


MAX_BYTES = 64
_PART = re.compile(r"^[a-z0-9_-]{1,24}$")


@dataclass(frozen=True)
class Action:
    kind: Kind
    submission: int | None = None
    question: str | None = None
    value: str | None = None

    def encode(self) -> str:
        parts: list[str] = [self.kind.value]
        if self.submission is not None:
            parts.append(str(self.submission))
        parts += [p for p in (self.question, self.value) if p is not None]
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"button data longer than {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def language(cls, code: str) -> Action:
        return cls(Kind.LANGUAGE, value=code)

    @classmethod
    def consent_data(cls, value: str) -> str:
        """A consent screen's button: agree, decline, the full text, or the choices shown anew."""
        return cls(Kind.CONSENT, value=value).encode()


# How many parts after the kind letter each action carries: submission, question, value.
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
    Kind.SUGGESTION: (True, False, True),
    Kind.INTRO: (True, False, True),
    Kind.PUSHES: (False, False, True),
    Kind.STAFF: (False, True, True),
    Kind.ROUND: (False, False, True),
    Kind.PRIVACY: (False, False, True),
    Kind.PARTNER: (False, False, True),
    Kind.OFFICE: (False, False, True),
    Kind.CONTACT: (False, False, True),
}


def parse(data: str | None) -> Action | None:
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    head, *rest = data.split(":")
    try:
        kind = Kind(head)
    except ValueError:
        return None
    has_submission, has_question, has_value = _SHAPES[kind]
    if len(rest) != has_submission + has_question + has_value:
        return None
    submission = None
    if has_submission:
        number = rest.pop(0)
        if not number.isdigit() or len(number) > 12:
            return None
        submission = int(number)
    if not all(_PART.match(p) for p in rest):
        return None
    question = rest.pop(0) if has_question else None
    value = rest.pop(0) if has_value else None
    return Action(kind, submission, question, value)
