"""One screen of the gallery and the kinds a reviewer finds them under."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kernel.outcome import Screen

# Every kind of screen an association can be shown, in the order a conversation meets them.
# Stable ids: tests and reviewers' notes refer to them.
KINDS: tuple[str, ...] = (
    "menu",  # the chat's command menu and the bot's profile texts, read outside the conversation
    "language_picker",  # choosing the language, and what the bot says after a choice
    "privacy_short",  # the short privacy notice with the choices, agreeing, declining, a changed notice
    "privacy_full",  # the full privacy notice
    "start",  # the questionnaire's introduction
    "question",  # every question of the questionnaire, with its buttons
    "answered",  # a question's message once answered, one per kind of question
    "reask",  # a wrong kind of input: a polite note, then the question again
    "error",  # an answer the bot refuses, with the reason
    "toast",  # the short notice at the top of the chat after tapping an old button
    "summary",  # the answers before sending, with some still open, and after sending
    "thanks",  # after sending, and after changing an answer later
    "suggestions",  # the heading of the suggestions, or that nothing fits yet
    "workshop_card",  # a workshop that fits, with the reasons (also as a new offer)
    "partner_card",  # a partner organisation that fits
    "peer_card",  # another association, without its name
    "suggestion_reply",  # after "Interested" or "Not for us", and the calendar file
    "introduction",  # asking another association, its answer, the exchanged contacts
    "settings",  # /settings: messages about new offers
    "privacy_choices",  # /privacy, switching a purpose on or off
    "mydata",  # /mydata
    "help",  # /help
    "delete",  # /delete: the question, deleted, kept; leaving while others are members
    "members",  # /members: the board members, invitations, joining, the other members told
    "resume",  # coming back to an unfinished questionnaire, or to a finished one
    "reminder",  # the one reminder for an unfinished questionnaire, and the evening before a workshop
    "round",  # the office asks again: the invitation, last time's answers, what changed
    "office",  # a message from the integration office (its web view), "Reply", the reply sent
    "contact_person",  # the association's contact person for the office and partners: offered, given, removed
    "notice",  # everything else the bot may say: edited messages, too many messages, staff only, ...
    "file",  # what is inside the files the bot sends: the calendar file, /mydata
    "plural",  # every text with a number, once per plural form of the language
)


# What the office reads (`staff.po`, German and English): its own page per staff language.
OFFICE_KINDS: tuple[str, ...] = (
    "menu",
    "partner",  # a partner organisation's contact person: joining, /needs, contact requests, /mydata
    "staff",  # the office's staff: the digest, figures, associations, partner contacts, guided steps
    "web",  # the office's web view (/office): every page, its forms' answers and refusals, as text
    "document",  # the committee's needs report and the record of processing, as text
    "file",
    "plural",
)


@dataclass(frozen=True)
class Shown:
    """A screen as the user sees it (for right-to-left readers already directed), what kind it
    is, and a caption for the reviewer (in English: it is not shown to users)."""

    kind: str
    title: str
    screen: Screen
