"""The office's side of the gallery (issue 30): what a partner organisation's contact person and
the office's staff read, in the staff languages (German and English: `staff.po`). A staff member
invites a contact of the welfare association in the sample catalog; the contact joins, looks at
the needs, answers a contact request an association sends on completing the questionnaire, and
asks for its data; staff look at the digest, the figures, the associations, the partner
contacts, and start the guided steps of a workshop and a broadcast."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.kernel.actions import Action, Kind, StaffTap, parse
from bot.kernel.outcome import Button, Outcome
from bot.kernel.routes import Role
from bot.partners.service import PARTNER_MENU
from bot.review import desk_scenes, paper_scenes, staff_scenes
from bot.review.drawn_scenes import files, plurals
from bot.review.plan import revealing_answers
from bot.review.stage import Stage, buttons
from bot.review.survey_scenes import complete, onboard
from bot.staff.service import STAFF_MENU
from bot.survey.turns import Visitor

STAFF, CONTACT, ASKING = 201, 202, 203
STAFF_GROUP = -100_201  # the office's staff group
STEPS_AT_MOST = 20  # a guided conversation that has not ended by then is left
PARTNER = "awo"  # the sample catalog's welfare association
CONTACT_NAME = "Anna Beispiel"
_TOKEN = re.compile(r"p_[A-Za-z0-9_-]+")


async def office(s: Stage) -> None:
    staff, contact = Visitor(STAFF, s.language), Visitor(CONTACT, s.language)
    voice = s.services.staff.context.voice
    for who, menu in (("staff", STAFF_MENU), ("a partner contact", PARTNER_MENU)):
        s.keep("menu", f"the chat's command menu of {who}",
               "\n".join(f"/{name} — {voice.t.gettext(text)}" for name, text in menu))
    screens = s.services.partners.screens["en" if s.language == "en" else "de"]
    for title, text in (("an invitation link that has expired", screens.expired()),
                        ("an invitation link used before", screens.used()),
                        ("an invitation link that is not valid", screens.unknown()),
                        ("an invitation opened by an account that answers for an association", screens.taken_part()),
                        ("an invitation opened by a staff account", screens.staff_account()),
                        ("after “No” on an invitation", screens.declined()),
                        ("a contact types what is not for contacts", screens.not_for_partners())):
        s.keep("partner", title, text)
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
    await _staff(s, staff, "digest", "", "/digest of a week with two associations")
    await staff_scenes.crowd(s, {**revealing_answers(s.engine), **_asks_for(s)})
    await staff_scenes.answers(s, contact, CONTACT_NAME, _keep)
    await _then(s, staff, "a partner answered “Not our field”")
    await staff_scenes.second_round(s, staff, _staff)
    await s.delivered(contact.user_id)  # the crowd's requests again, with the new round's answers: shown above
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
            ("export", "", "/export: the submissions as files"),
            ("round", "", "/round without a name")):
        await _staff(s, staff, name, argument, title)
    # Each wrong input once, then the right one.
    await _guided(s, staff, "workshop", {
        "title": ["x", "Anmeldung: https://example.org", "Vereinsbuchhaltung kompakt"],
        "start": ["morgen", _day(s, -2), _day(s, 21)], "end": ["später", "17:00", "20:00"],
        "address": ["x", "Neumarkt 10, 42103 Wuppertal"], "registration": ["?", "kurs@example.org"],
        "capacity": ["viele", "20"], "cost": ["umsonst", "12,50"]})
    await _guided(s, staff, "broadcast", {"text": ["x" * 4000, "(the office's message, as staff typed it)"]})
    await staff_scenes.refusals(s, staff, _staff, _keep)
    pending = await _proposal(s, staff, contact)
    await staff_scenes.after_approval(s)
    await staff_scenes.withdraw(s)
    _keep(s, "partner", "/myworkshops with a workshop of the organisation",
          await partners.command(contact, "myworkshops"))
    await staff_scenes.named_interest(s, PARTNER)
    digest = await s.services.digest.build()  # what /digest and the weekly schedule send (and a chart)
    for number, text in enumerate(digest.texts, start=1):
        s.keep("staff", f"the weekly digest, message {number} of {len(digest.texts)} (the chart follows as a picture)",
               text)
    await _monthly(s, contact)
    await _staff(s, staff, "digest", "", "/digest a month later: needs no upcoming workshop covers")
    await desk_scenes.desk(s, STAFF, write_to=ASKING)
    await _then(s, staff, "what the web view's actions send staff")
    if pending is not None:
        out = await s.services.staff.press(staff, staff.user_id, pending)
        _keep(s, "staff", "approving a proposed workshop whose start has passed", out)
    await paper_scenes.documents(s)
    plurals(s, voice.t)
    await staff_scenes.contact_leaves(s, contact, CONTACT_NAME, _keep)
    await _staff(s, staff, "partner", "list", "/partner list with a contact request waiting")
    await _staff(s, staff, "partner", f"revoke {CONTACT}", "/partner revoke: a contact's access ends")
    await _staff(s, staff, "partner", "list", "/partner list after a contact's access ended")
    _keep(s, "partner", "any command once the access has ended", await partners.command(contact, "needs"))
    await staff_scenes.contact_deleted(s, contact, CONTACT_NAME, _keep)
    await _then(s, staff, "a contact deleted their data")


async def first_days(s: Stage) -> None:
    """The office before any association answered, with no catalog imported and the web view
    switched off in the bot (it is opened here by a link issued directly)."""
    staff = Visitor(STAFF, s.language)
    link = await s.services.staff.office.issue(STAFF)
    await desk_scenes.desk(s, STAFF, link=link, only="/")
    await staff_scenes.first_days(s, staff, _staff, _keep)
    await paper_scenes.empty_report(s)
    await _staff(s, staff, "report", "", "/report: the needs report for the committee")
    await desk_scenes.desk(s, STAFF, link=await s.services.staff.office.issue(STAFF))
    await _then(s, staff, "what the web view's actions send staff")


def _day(s: Stage, days: int) -> str:
    return (s.clock.now + timedelta(days=days)).strftime("%d.%m.%Y 18:00")


async def _proposal(s: Stage, staff: Visitor, contact: Visitor) -> str | None:
    """The contact proposes workshops: staff approve one (and tap the card again), reject one with
    a reason (a too short one first); three wait, for the web view and for later. Returns the
    approve button of the last one."""
    waiting: str | None = None
    for number, decision in enumerate(("✅", "✖", None, None, None)):
        mark = len(s.shown)
        await _guided(s, contact, "workshop", {
            "title": [f"Ehrenamt im Verein ({number + 1})"], "start": [_day(s, 28)], "end": ["20:00"],
            "address": ["Neumarkt 10, 42103 Wuppertal"], "registration": ["kurs@example.org"], "capacity": ["20"]},
            kind="partner")
        cards = [p.screen for p in await s.delivered(staff.user_id) if p.screen is not None]
        if decision is None:  # the same steps again
            del s.shown[mark:]
        for card in cards if number < 2 else []:
            s.keep("staff", "a partner organisation's proposed workshop, for staff to decide", card)
        choices = [b for card in cards for b in buttons(card, Kind.STAFF)]
        if decision is None:
            waiting = next((b.action for b in choices if b.label.startswith("✅")), waiting)
            continue
        choice = next((b for b in choices if b.label.startswith(decision)), None)
        if choice is None:
            return waiting
        out = await s.services.staff.press(staff, staff.user_id, choice.action)
        _keep(s, "staff", f"after “{choice.label}”", out)
        if decision == "✖":
            for reason in ("x", "Das Thema ist im Frühjahr schon belegt."):
                out = await s.services.staff.text(staff, staff.user_id, reason)
                _keep(s, "staff", f"after typing the reason “{reason}”", out)
        else:
            out = await s.services.staff.press(staff, staff.user_id, choice.action)
            _keep(s, "staff", f"“{choice.label}” tapped again on a proposal decided already", out)
        await _then(s, staff, f"after “{choice.label}”")
        for parcel in await s.delivered(contact.user_id):
            if parcel.screen is not None:
                s.keep("partner", f"the contact hears of the decision ({choice.label})", parcel.screen)
    return waiting


async def _monthly(s: Stage, contact: Visitor) -> None:
    """The first working day of the next month: the contact's monthly digest."""
    monthly = s.services.partners.monthly
    now = s.clock.now
    s.set_clock(now.replace(day=1, hour=12) + timedelta(days=32))
    while monthly.due() < s.clock.now.replace(day=1):
        s.set_clock(s.clock.now + timedelta(days=1))
    await monthly.send_due()
    for parcel in await s.delivered(contact.user_id):
        if parcel.screen is not None:
            s.keep("partner", "the monthly digest (first working day of the month)", parcel.screen)
    # A quiet month, drawn with the digest's own texts: every request answered, every topic covered.
    row, latest = await monthly.contacts.contact(contact.user_id), await monthly.published.latest()
    months = await monthly.figures({row.partner_id}, s.clock.now) if row is not None else {}
    if row is not None and latest is not None and row.partner_id in months:
        month = months[row.partner_id]
        quiet = replace(month, open_requests=0, waiting_long=0, covered=frozenset(month.partner.topics))
        for text in monthly.texts(monthly.screens(row), quiet, latest, monthly.due()):
            s.keep("partner", "the monthly digest of a quiet month (every request answered, every topic covered)",
                   text, drawn=True)


async def _guided(s: Stage, staff: Visitor, name: str, typed: dict[str, list[str]], kind: str = "staff") -> None:
    """A guided conversation to its end: on each step, the first choice (then “Done” where there
    is one), or what `typed` says to type for it (a wrong input first, where two are given)."""
    service, router = s.services.staff, s.services.router  # through the routing table, as Telegram's handlers
    role = Role.PARTNER if kind == "partner" else Role.STAFF
    out = await router.command(staff, role, staff.user_id, name) or Outcome()
    _keep(s, kind, f"/{name}: its first step", out)
    for number in range(2, STEPS_AT_MOST):
        screen = out.messages[-1] if out.messages else out.source
        if screen is None:
            return
        choices = [b for b in buttons(screen, Kind.STAFF) if _step(b) != ("cancel", "")]
        step = await service.context.data.flow(staff.user_id)
        if step is None:
            return
        if step.step in typed or (not choices and screen.expects_text):
            for text in typed.get(step.step, ["…"]):
                out = await router.text(staff, role, staff.user_id, text) or Outcome()
                shown = text if len(text) < 50 else f"{text[:20]}… ({len(text)} characters)"
                _keep(s, kind, f"/{name}, step {number} ({step.step}): after typing “{shown}”", out)
            continue
        if not choices:
            return
        done = [b for b in choices if _step(b)[1] == "done"]
        first = next((b for b in choices if b not in done and _step(b)[1] != "online"), choices[0])
        out = await router.press(staff, role, staff.user_id, first.action) or Outcome()
        _keep(s, kind, f"/{name}, step {number} ({step.step}): after tapping “{first.label}”", out)
        if kind == "staff":
            await _then(s, staff, f"/{name}: after “{first.label}”")
        if done:
            out = await router.press(staff, role, staff.user_id, done[0].action) or Outcome()
            _keep(s, kind, f"/{name}, step {number} ({step.step}): after “{done[0].label}”", out)


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
    # The association names a contact person after the card went out: the contact hears of it.
    await s.press(ASKING, Action(Kind.CONTACT, value="add").encode())
    await s.type(ASKING, "Vorsitzende Ayşe Demir")
    await s.type(ASKING, "+49 202 1234567")
    for parcel in await s.delivered(CONTACT):
        if parcel.screen is not None:
            s.keep("partner", "the association names a contact person after the card went out (then /needs lists it "
                   "with its open requests)", parcel.screen)
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
    s.set_clock(s.clock.now + timedelta(minutes=1))  # the digest counts what happened before it
    try:
        out = await s.services.staff.command(staff, staff.user_id, name, argument)
        await s.services.staff.settled()  # what it does in the background: the digest, files, a round
    finally:
        log.setLevel(level)
    _keep(s, "staff", title, out)
    await _then(s, staff, title)


async def _then(s: Stage, staff: Visitor, title: str) -> None:
    """What a staff action queues for later: the digest, files, "Saved. 3 associations …"."""
    for parcel in await s.delivered(staff.user_id):
        if parcel.screen is not None:
            s.keep("staff", f"{title}: then", parcel.screen)
        if parcel.document is not None and parcel.document.caption:
            s.keep("staff", f"{title}: then the file {parcel.document.filename}", parcel.document.caption)


def _keep(s: Stage, kind: str, title: str, out: Outcome) -> None:
    if out.source is not None:
        s.keep(kind, f"{title}: the message becomes", out.source)
    for message in out.messages:
        s.keep(kind, title, message)
    for document in out.documents:
        if document.caption:
            s.keep(kind, f"{title}: the caption of {document.filename}", document.caption)
    if out.toast:
        s.keep(kind, f"{title} (a notice at the top of the chat)", out.toast)


def _step(b: Button) -> tuple[str, str]:
    """A staff button's step and value ("", "" for anything else)."""
    tap = parse(b.action)
    return (tap.step, tap.value) if isinstance(tap, StaffTap) else ("", "")
