"""The office's rarer screens in the gallery (issue 30): what needs more associations than the
main script has (figures above the small-number threshold, a second round to compare with), the
refusals and mistakes of the staff commands and the partner contact's commands, and the office
on its first day, before any association has answered.

As everywhere in the gallery the scripted people go through the real services; a text is drawn
directly only where no script can reach it (a background job failing)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from bot.kernel.actions import Action, ContactDeleteTap, Kind, StaffTap, SuggestionTap, parse
from bot.kernel.outcome import Outcome
from bot.kernel.routes import Role
from bot.review.later_scenes import keep_all_but_one
from bot.review.plan import revealing_answers, skipped
from bot.review.stage import Stage, buttons
from bot.review.survey_scenes import complete, onboard
from bot.staff.reports import FAILED
from bot.storage.catalog import CatalogStore
from bot.survey.turns import Visitor

CROWD = (211, 212, 213)  # three more associations: figures above the threshold, a trend, recurring words
STARTED = 51  # associations that only started, on the office's first days: /msos and the web view page
FIRST_STARTED = 301

# The office scenes' ways of keeping a screen: a staff command with what it sends later; an outcome.
KeepCommand = Callable[[Stage, Visitor, str, str, str], Awaitable[None]]
Keep = Callable[[Stage, str, str, Outcome], None]


@contextmanager
def quiet() -> Iterator[None]:
    """Staff commands and refusals are logged; not news in the gallery."""
    logs = [logging.getLogger(name) for name in ("bot.staff.service", "bot.partners.service")]
    levels = [log.level for log in logs]
    for log in logs:
        log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for log, level in zip(logs, levels, strict=True):
            log.setLevel(level)


async def crowd(s: Stage, plan: dict[str, Any]) -> None:
    """Three associations complete the questionnaire with the same areas of need, rated
    considerable by some and urgent by others (the partners' figures split too thin to show),
    and ask the welfare association for contact. The first skips an optional question and
    marks every suggestion it gets (workshops, another association); the second later switches
    partner sharing off (its request is withdrawn). What they are shown is the associations'
    gallery's."""
    mark = len(s.shown)
    matching = s.engine.questionnaire.matching
    big = sorted(matching.intensity, key=lambda level: -matching.intensity[level])[:2] if matching else []
    needs = list(matching.needs.values()) if matching else []  # every other area: split between two levels
    for number, user in enumerate(CROWD):
        own = {**plan, **{q: big[number % len(big)] for q in needs[::2] if q in plan}} if big else dict(plan)
        if number == 0:
            contact = matching.contact if matching else None
            own.update({q: None for q in skipped(s.engine) if q != contact})  # asked for when it is needed
        out = await onboard(s, user, consent="y11")
        await complete(s, user, out, own)
        if number == 0:
            await interested(s, user)
        await s.delivered(user)
    del s.shown[mark:]


async def interested(s: Stage, user: int) -> None:
    """“Interested” on every suggestion the association has been sent."""
    for parcel in await s.delivered(user):
        for found in buttons(parcel.screen, Kind.SUGGESTION) if parcel.screen is not None else []:
            tap = parse(found.action)
            if isinstance(tap, SuggestionTap) and tap.choice == "i":
                await s.press(user, found.action)


async def after_approval(s: Stage) -> None:
    """Two of the crowd look at their suggestions again and mark the workshops, the organisation's
    new ones too; the third has blocked the bot meanwhile: a message from the office to it is
    refused by Telegram, and the bot notes it."""
    mark = len(s.shown)
    for user in CROWD[:-1]:
        await interested(s, user)
    s.postbox.blocked.add(CROWD[-1])
    async with s.services.store.transaction():
        await s.services.mail.send(1, CROWD[-1], "Guten Tag! Haben Sie unsere Einladung erhalten?", "de")
    await s.delivered(CROWD[-1])
    del s.shown[mark:]


async def withdraw(s: Stage) -> None:
    """The second of the crowd switches partner sharing off: its contact request is withdrawn."""
    await s.press(CROWD[1], Action(Kind.PRIVACY, value="p0").encode())
    await s.delivered(CROWD[1])


async def second_round(s: Stage, staff: Visitor, keep_command: KeepCommand) -> None:
    """/round for a name used before, then a new round the crowd answers again, one need lower."""
    await keep_command(s, staff, "round", "2027", "/round with the name of a round that exists")
    await keep_command(s, staff, "round", "2028", "/round 2028: a new survey round")
    await keep_command(s, staff, "digest", "", "/digest just after a new round opened")
    mark = len(s.shown)
    for user in CROWD:
        invitations = [p.screen for p in await s.delivered(user) if p.screen is not None
                       and buttons(p.screen, Kind.ROUND)]
        if invitations:
            await keep_all_but_one(s, user, await s.tap(user, invitations[0], Kind.ROUND))
        await s.delivered(user)
    del s.shown[mark:]


async def answers(s: Stage, contact: Visitor, name: str, keep: Keep) -> None:
    """The contact's cards from the crowd: “Not our field” on one (and the same button again),
    one left open."""
    cards = [p.screen for p in await s.delivered(contact.user_id) if p.screen is not None]
    partners = s.services.partners
    if not cards:
        return
    declined = buttons(cards[0], Kind.PARTNER)[-1]
    out = await partners.press(contact, declined.action, name, False)
    keep(s, "partner", f"after “{declined.label}” on a contact request", out)
    out = await partners.press(contact, declined.action, name, False)
    keep(s, "partner", "a contact request answered already (another contact of the organisation was quicker)", out)


async def refusals(s: Stage, staff: Visitor, keep_command: KeepCommand, keep: Keep) -> None:
    """Staff's mistakes and the commands' other answers."""
    service = s.services.staff
    with quiet():
        for name, argument, title in (
                ("help", "", "/help (and /start) of a staff member"),
                ("cancel", "", "/cancel with nothing to cancel"),
                ("partner", "invite nobody", "/partner invite with an id the catalog does not know"),
                ("partner", "revoke 999", "/partner revoke with an id that is no contact"),
                ("report", "1999", "/report for a round that does not exist")):
            await keep_command(s, staff, name, argument, title)
        await service.settled()
        keep(s, "staff", "after a moment", await _sent(s, staff))
        router = s.services.router  # who may do what where: the routing table, as in Telegram
        group = s.services.settings.staff_chat_id
        if group is not None:
            keep(s, "staff", "/stats in the office's staff group (it names associations)",
                 await router.command(staff, Role.STAFF_CHAT, group, "stats") or Outcome())
        keep(s, "staff", "an old button of a guided step that has ended",
             await router.press(staff, Role.STAFF, staff.user_id, StaffTap(step="aud", value="all").encode())
             or Outcome())
    out = await service.command(staff, staff.user_id, "broadcast")
    keep(s, "staff", "/broadcast again", out)
    keep(s, "staff", "/broadcast: typing where a button is asked for", await service.text(staff, staff.user_id, "x"))
    topic = next((b for b in buttons(out.messages[-1], Kind.STAFF)[1:2]), None) if out.messages else None
    if topic is not None:
        keep(s, "staff", f"/broadcast: after “{topic.label}”", await service.press(staff, staff.user_id, topic.action))
        keep(s, "staff", "/broadcast: the preview to the associations with a need in that area",
             await service.text(staff, staff.user_id, "(the office's message)"))
    await keep_command(s, staff, "cancel", "", "/cancel during a guided step")
    s.keep("staff", "when a digest, an export or the report could not be made (a background job failed)",
           s.services.staff.context.voice.t.gettext(FAILED), drawn=True)


async def _sent(s: Stage, staff: Visitor) -> Outcome:
    """What the outbox sends the staff member now, as one outcome."""
    out = Outcome()
    for parcel in await s.delivered(staff.user_id):
        if parcel.screen is not None:
            out.messages.append(parcel.screen)
    return out


async def contact_leaves(s: Stage, contact: Visitor, name: str, keep: Keep) -> None:
    """/delete, “No, keep”; later, once the access ended, /delete and “Yes, delete”."""
    partners = s.services.partners
    out = await partners.command(contact, "delete")
    keep(s, "partner", "/delete of a contact", out)
    no = next((b for b in buttons(out.messages[0], Kind.PARTNER) if _deletes(b.action) is False), None) \
        if out.messages else None
    if no is not None:
        keep(s, "partner", f"after “{no.label}”", await partners.press(contact, no.action, name, False))


async def contact_deleted(s: Stage, contact: Visitor, name: str, keep: Keep) -> None:
    partners = s.services.partners
    out = await partners.command(contact, "delete")
    yes = next((b for b in buttons(out.messages[0], Kind.PARTNER) if _deletes(b.action) is True), None) \
        if out.messages else None
    if yes is not None:
        keep(s, "partner", f"/delete once the access ended, then “{yes.label}”",
             await partners.press(contact, yes.action, name, False))


def _deletes(action: str) -> bool | None:
    """A contact's /delete button: True for “Yes, delete”, False for “No, keep”; None for others."""
    tap = parse(action)
    return tap.confirm if isinstance(tap, ContactDeleteTap) else None


async def first_days(s: Stage, staff: Visitor, keep_command: KeepCommand, keep: Keep) -> None:
    """The office before any association answered and with no catalog imported; then many
    associations that only started."""
    with quiet():
        for name, argument, title in (
                ("msos", "", "/msos before any association started"),
                ("digest", "", "/digest of a week without answers"),
                ("workshop", "", "/workshop before a catalog is imported"),
                ("office", "", "/office where the web view is switched off")):
            await keep_command(s, staff, name, argument, title)
        await s.services.staff.settled()
        keep(s, "staff", "/digest of a week without answers: the digest", await _sent(s, staff))
    mark = len(s.shown)
    for user in range(FIRST_STARTED, FIRST_STARTED + STARTED):
        out = await onboard(s, user, consent="y00")
        if user < FIRST_STARTED + 2:  # two complete: needs no organisation in the catalog works on
            await complete(s, user, out, revealing_answers(s.engine))
            await s.delivered(user)
    del s.shown[mark:]
    s.set_clock(s.clock.now + timedelta(days=1))  # the digest counts whole days
    with quiet():
        await keep_command(s, staff, "digest", "", "/digest of needs no organisation in the catalog works on")
    with quiet():
        await keep_command(s, staff, "msos", "", f"/msos with {STARTED} associations: the first page")
        more = next((b for shown in reversed(s.shown) for b in buttons(shown.screen, Kind.STAFF)), None)
        if more is not None:
            keep(s, "staff", f"/msos: after “{more.label}”", await s.services.staff.press(staff, staff.user_id,
                                                                                         more.action))


async def named_interest(s: Stage, partner_id: str) -> None:
    """/myworkshops when associations that agreed to sharing marked the organisation's workshop,
    drawn with its screens (the script's associations are sent other suggestions first)."""
    catalog = CatalogStore(s.services.store)
    workshop = next((w for w in await catalog.workshops(upcoming_after=s.clock.now) if w.provider == partner_id), None)
    names = [name for user in CROWD[:2] if (name := await s.services.store.organisation_name(user))]
    if workshop is None or not names:
        return
    screens = s.services.partners.screens["en" if s.language == "en" else "de"]
    s.keep("partner", "/myworkshops when associations that agreed to pass their name on are interested",
           screens.my_workshops([screens.my_workshop(workshop, len(names), names)]), drawn=True)
