"""The office's side of the gallery (issue 30): what a partner organisation's contact person and
the office's staff read, in the staff languages (German and English: `staff.po`). A staff member
invites a contact of the welfare association in the sample catalog; the contact joins, looks at
the needs, answers a contact request an association sends on completing the questionnaire, and
asks for its data; staff look at the digest, the figures, the associations, the partner
contacts, and start the guided steps of a workshop and a broadcast."""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.kernel.actions import Kind
from bot.kernel.outcome import Outcome
from bot.review.drawn_scenes import files
from bot.review.plan import revealing_answers
from bot.review.stage import Stage, buttons
from bot.review.survey_scenes import complete, onboard
from bot.survey.turns import Visitor

STAFF, CONTACT, ASKING = 201, 202, 203
PARTNER = "awo"  # the sample catalog's welfare association
CONTACT_NAME = "Anna Beispiel"
_TOKEN = re.compile(r"p_[A-Za-z0-9_-]+")


async def office(s: Stage) -> None:
    staff, contact = Visitor(STAFF, s.language), Visitor(CONTACT, s.language)
    await _staff(s, staff, "partner", f"invite {PARTNER}", "/partner invite: the invitation link for a contact")
    invitation = s.shown[-1].screen.text if s.shown else ""
    token = _TOKEN.search(invitation)
    if token is None:
        return
    partners = s.services.partners
    out = await partners.start(contact, token.group(0), False, False)
    _keep(s, "partner", "the contact opens the invitation link: which organisation, and how long data is kept", out)
    confirm = next((b for b in buttons(out.messages[0], Kind.PARTNER) if b.action.endswith(tuple("0123456789abcdef"))),
                   None) if out.messages else None
    if confirm is None:
        return
    out = await partners.press(contact, confirm.action, CONTACT_NAME, False)
    _keep(s, "partner", "after “Yes, I am with …”: the contact's welcome and commands", out)
    for name, title in (("help", "/help of a contact"), ("needs", "/needs before figures are published")):
        _keep(s, "partner", title, await partners.command(contact, name))
    await _request(s, contact)
    await _staff(s, staff, "partner", "publish", "/partner publish: the month's figures for partners, now")
    _keep(s, "partner", "/needs once figures are published", await partners.command(contact, "needs"))
    _keep(s, "partner", "/myworkshops: the organisation's upcoming workshops",
          await partners.command(contact, "myworkshops"))
    out = await partners.command(contact, "mydata")
    _keep(s, "partner", "/mydata of a contact", out)
    for document in out.documents:
        files(s, f"inside a contact's /mydata file ({document.filename})", document.content)
    for name, argument, title in (
            ("digest", "", "/digest: the digest of the last seven days"),
            ("stats", "", "/stats"),
            ("msos", "", "/msos: the associations and their state"),
            ("partner", "list", "/partner list"),
            ("partner", "", "/partner without what to do"),
            ("workshop", "", "/workshop: the first of its steps"),
            ("cancel", "", "/cancel"),
            ("broadcast", "", "/broadcast: the first of its steps"),
            ("cancel", "", "/cancel")):
        await _staff(s, staff, name, argument, title)
    digest = await s.services.digest.build()  # what /digest and the weekly schedule send (and a chart)
    for number, text in enumerate(digest.texts, start=1):
        s.keep("staff", f"the weekly digest, message {number} of {len(digest.texts)} (the chart follows as a picture)",
               text)


async def _request(s: Stage, contact: Visitor) -> None:
    """An association that asked for contact with the organisation's kind and topics completes the
    questionnaire: the contact's card, and its answer."""
    plan: dict[str, Any] = {**revealing_answers(s.engine), **_asks_for(s)}
    out = await onboard(s, ASKING, consent="y01")
    await complete(s, ASKING, out, plan)
    cards = [p.screen for p in await s.delivered(CONTACT) if p.screen is not None]
    for card in cards:
        s.keep("partner", "an association asks the organisation for contact (sent when it completes the "
               "questionnaire)", card)
    answer = next((b for card in cards for b in buttons(card, Kind.PARTNER)), None)
    if answer is not None:
        out = await s.services.partners.press(contact, answer.action, CONTACT_NAME, False)
        _keep(s, "partner", "after “We will get in touch”", out)
    await s.delivered(ASKING)


def _asks_for(s: Stage) -> dict[str, Any]:
    """The answers that ask the sample welfare association for contact: its kind, one of its topics."""
    matching = s.engine.questionnaire.matching
    if matching is None or not (matching.professionals and matching.partner_kinds and matching.advice_topics):
        return {}
    return {matching.professionals: "yes", matching.partner_kinds: ["welfare"], matching.advice_topics: ["organising"]}


async def _staff(s: Stage, staff: Visitor, name: str, argument: str, title: str) -> None:
    log = logging.getLogger("bot.staff.service")  # staff commands are logged: not news here
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        out = await s.services.staff.command(staff, staff.user_id, name, argument)
    finally:
        log.setLevel(level)
    _keep(s, "staff", title, out)
    for parcel in await s.delivered(staff.user_id):  # what the command queues: the digest, its chart
        if parcel.screen is not None:
            s.keep("staff", f"{title}: then", parcel.screen)
        if parcel.document is not None and parcel.document.caption:
            s.keep("staff", f"{title}: then the file {parcel.document.filename}", parcel.document.caption)


def _keep(s: Stage, kind: str, title: str, out: Outcome) -> None:
    for message in out.messages:
        s.keep(kind, title, message)
    for document in out.documents:
        if document.caption:
            s.keep(kind, f"{title}: the caption of {document.filename}", document.caption)
    if out.toast:
        s.keep(kind, f"{title} (a notice at the top of the chat)", out.toast)
