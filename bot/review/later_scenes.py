"""What comes days later: coming back to an unfinished questionnaire, the reminders, and a new
survey round the office opens."""

from __future__ import annotations

from datetime import timedelta

from bot.kernel.actions import Action, Kind, OfficeReplyTap
from bot.kernel.outcome import Outcome, Screen
from bot.questionnaire.model import QuestionType
from bot.review.plan import revealing_answers
from bot.review.stage import Stage, buttons, live
from bot.review.survey_scenes import LIMIT, answer, onboard
from bot.storage.catalog import CatalogStore
from bot.suggestions.calendar import reminder_time

ROUND = "2027"


async def resume(s: Stage, user: int) -> None:
    """Two answers, then away: /answers, and /start on another day."""
    out = await onboard(s, user)
    plan = revealing_answers(s.engine)
    for _ in range(2):
        question = await s.question_on(user)
        if question is not None:
            out = await answer(s, user, live(out), question, plan.get(question.id))
    out = await s.survey.show_answers(s.visitor(user))
    s.keep("summary", "/answers with questions still open", live(out))
    out = await s.start(user)
    s.keep("resume", "/start on an unfinished questionnaire (then the open question)", out.messages[0])


async def reminders(s: Stage, unfinished: int, interested: int, workshop_id: str | None) -> None:
    """Days later: the one reminder for the unfinished questionnaire; the evening before the
    workshop the other association is interested in."""
    settings = s.services.settings
    s.set_clock(s.clock.now + timedelta(days=settings.reminder_days, hours=1))
    await s.services.reminders.queue_due()
    for parcel in await s.delivered(unfinished):
        if parcel.screen is not None:
            s.keep("reminder", f"{settings.reminder_days} days after an unfinished questionnaire was last "
                   "touched (once, never again)", parcel.screen)
    workshop = await CatalogStore(s.services.store).workshop(workshop_id) if workshop_id else None
    if workshop is None:
        return
    at = reminder_time(workshop.start, settings.tz)
    if at > s.clock.now:
        s.set_clock(at + timedelta(minutes=1))
    for parcel in await s.delivered(interested):
        if parcel.screen is not None:
            s.keep("reminder", "the evening before a workshop the association is interested in", parcel.screen)
    s.keep("reminder", "the office cancelled a workshop the association is interested in (the office's web view)",
           s.cards.workshop_cancelled(workshop))


async def new_round(s: Stage, user: int) -> None:
    """The office opens a round: the invitation, last time's answers offered, one need changed."""
    await s.services.rounds.open(ROUND)
    invitations = [p.screen for p in await s.delivered(user) if p.screen is not None and buttons(p.screen, Kind.ROUND)]
    if not invitations:
        return
    s.keep("round", "the office asks again (msobot round open): the invitation", invitations[0])
    out = await s.tap(user, invitations[0], Kind.ROUND)
    s.keep("round", "a question of the new round: last time's answer offered", live(out))
    out = await keep_all_but_one(s, user, out)
    heading = s.screens.changes_since_last_time([]).text.split("\n")[0]
    changes = s.t.gettext("What changed since last time:")
    for message in out.messages:
        if message.text.startswith((changes, heading)):
            s.keep("round", "after sending the new round: what changed since last time", message)
    s.keep("round", "after sending the new round, when nothing changed", s.screens.changes_since_last_time([]))
    await s.delivered(user)  # the suggestions of the new round: shown above already


async def keep_all_but_one(s: Stage, user: int, out: Outcome) -> Outcome:
    """Keep last time's answers, except a different need for the first rated topic; send."""
    matching = s.engine.questionnaire.matching
    needs = set(matching.needs.values()) if matching else set()
    changed = False
    for _ in range(LIMIT):
        screen: Screen = live(out)
        question = await s.question_on(user)
        if question is None:
            return await s.tap(user, screen, Kind.CONFIRM)
        if not changed and question.id in needs and question.type is QuestionType.SCALE:
            changed = True
            options = [o.id for o in s.engine.choices(question)]
            out = await s.tap(user, screen, Kind.ANSWER, options[0])
        elif buttons(screen, Kind.KEEP):
            out = await s.tap(user, screen, Kind.KEEP)
        elif question.type is QuestionType.MULTI:
            out = await s.tap(user, screen, Kind.DONE)
        else:
            out = await answer(s, user, screen, question, revealing_answers(s.engine).get(question.id))
    raise RuntimeError("the new round did not end")


async def office_message(s: Stage, user: int) -> None:
    """Staff write from the association's page on the web view; the association replies."""
    services = s.services
    async with services.store.transaction():
        message_id = await services.mail.send(1, user, "Guten Tag! Wir laden Sie herzlich zu unserer Sprechstunde am "
                                                       "Montag um 10 Uhr ein.", "de")
    if message_id is None:
        return
    for parcel in await s.delivered(user):
        if parcel.screen is not None:
            s.keep("office", "a message from the integration office (written on the web view), with “Reply”",
                   parcel.screen)
    out = await services.survey.press(s.visitor(user), OfficeReplyTap(message_id).encode())
    s.keep("office", "after “Reply”", out.messages[0])
    out = await services.survey.text(s.visitor(user), "x" * 2001)
    s.keep("office", "a reply longer than 2,000 characters", out.messages[0])
    out = await services.survey.text(s.visitor(user), "Danke, wir kommen gern.")
    s.keep("office", "the reply went to the office", out.messages[0])


async def contact_person(s: Stage, user: int) -> None:
    """The association's contact person for the office and the partners it asked: turned down on
    the card after sending, then given in /settings (each wrong input once), shown, removed."""
    if not any(shown.kind == "contact_person" for shown in s.shown):  # this association asked no partner
        partners = [p.name for p in await CatalogStore(s.services.store).partners()][:2]
        s.keep("contact_person", "after sending, when the association asked partner organisations for contact: "
               "a contact person for them and the office, optional", s.services.contact_persons.offer(s.t, partners),
               drawn=True)
    out = await s.press(user, Action(Kind.CONTACT, value="no").encode())
    for message in out.messages:
        s.keep("contact_person", "after “No, thanks” on the offer of a contact person", message)
    out = await s.services.association_command("settings", s.visitor(user))
    screen = out.messages[-1]
    s.keep("contact_person", "/settings: no contact person given", screen)
    steps = [("after “Add a contact person”", None), ("a name with no letter in it", "12"),
             ("the name or role typed: how to reach them", "Ayşe Demir"),
             ("neither a phone number nor an e-mail address", "morgen"),
             ("a phone number typed: saved", "+49 202 1234567")]
    for title, typed in steps:
        out = await (s.tap(user, screen, Kind.CONTACT, "add") if typed is None else s.type(user, typed))
        s.keep("contact_person", title, out.messages[-1])
    out = await s.services.association_command("settings", s.visitor(user))
    screen = out.messages[-1]
    s.keep("contact_person", "/settings: the contact person, to change or remove", screen)
    out = await s.tap(user, screen, Kind.CONTACT, "remove")
    s.keep("contact_person", "after “Remove the contact person”", out.messages[-1])
