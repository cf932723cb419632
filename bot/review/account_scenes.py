"""The commands an association uses around its answers: /help, /privacy and its switches,
/mydata, /language, /answers, /delete; the consent declined; and what the bot says rarely."""

from __future__ import annotations

import logging

from bot.kernel.actions import Action, Kind
from bot.kernel.outcome import Outcome
from bot.questionnaire.model import QuestionType
from bot.review.drawn_scenes import files
from bot.review.plan import revealing_answers
from bot.review.stage import Stage, button, live

OFFICE_TEXT = "(the office's message, as staff typed it)"


async def account(s: Stage, user: int) -> None:
    visitor = s.visitor(user)
    s.keep("help", "/help", (await s.survey.help(visitor)).messages[0])
    await privacy(s, user)
    out = await s.services.association_command("mydata", visitor)
    for document in out.documents:
        s.keep("mydata", f"/mydata: the caption of the file ({document.filename}, everything stored, as JSON)",
               document.caption or "")
        files(s, f"inside the /mydata file ({document.filename})", document.content)
    out = await s.survey.choose_language(visitor)
    s.keep("language_picker", "/language: the picker again (the current language first)", out.messages[0])
    out = await s.press(user, Action.language(s.language).encode())
    s.keep("language_picker", "after choosing a language with /language", out.messages[0])
    await change_answer(s, user)
    out = await s.start(user)
    s.keep("resume", "/start after sending", out.messages[0])
    out = await s.survey.ask_delete(visitor)
    s.keep("delete", "/delete: asked first", out.messages[0])
    kept = await s.tap(user, out.messages[0], Kind.DELETE, "n")
    s.keep("delete", "after “No, keep”", kept.messages[0])
    staff_log = logging.getLogger("bot.staff.service")  # the attempt is logged for staff: not news here
    staff_log.disabled = True
    try:
        out = await s.services.staff.refuse(visitor, "/digest")
    finally:
        staff_log.disabled = False
    s.keep("notice", "an association types a staff command", out.messages[0] if out.messages else out.toast or "")
    s.keep("notice", "when a user sends a lot of messages at once", s.screens.slow_down())
    s.keep("notice", "a message from the office to all associations (/broadcast): the heading, then the text",
           f"{s.screens.broadcast_heading()}\n\n{OFFICE_TEXT}", drawn=True)


async def privacy(s: Stage, user: int) -> None:
    """/privacy and each switch (the association agreed with partner sharing on, networking off)."""
    out = await s.services.association_command("privacy", s.visitor(user))
    s.keep("privacy_choices", "/privacy: the choices made", out.messages[0])
    for value, title in (("n1", "after “Switch networking on”"), ("p0", "after “Switch partner sharing off”"),
                         ("n0", "after “Switch networking off”"), ("p1", "after “Switch partner sharing on”")):
        out = await s.press(user, Action(Kind.PRIVACY, value=value).encode())
        if value == "n1" and out.source is not None:
            s.keep("privacy_choices", "the /privacy message after a switch", out.source)
        for message in out.messages:
            s.keep("privacy_choices", title, message)
        if value == "p0" and out.source is not None:
            s.keep("privacy_choices", "the /privacy message with partner sharing off (and its button)", out.source)


async def change_answer(s: Stage, user: int) -> None:
    """/answers after sending: change the first answer, then “Done”."""
    out = await s.survey.show_answers(s.visitor(user))
    summary = live(out)
    s.keep("summary", "/answers after sending: a number changes that answer", summary)
    out = await s.press(user, button(summary, Kind.EDIT).action)
    question, screen = await s.question_on(user), live(out)
    s.keep("question", "changing an answer from /answers: the question with the current answer", screen)
    if question is not None and question.type in (QuestionType.TEXT, QuestionType.NUMBER):
        out = await s.type(user, str(revealing_answers(s.engine)[question.id]))
    else:
        out = await s.tap(user, screen, Kind.DONE if question and question.type is QuestionType.MULTI else Kind.KEEP)
    done = live(out)
    out = await s.press(user, button(done, Kind.CONFIRM).action)
    s.keep("thanks", "after changing an answer and “Done”", out.messages[0])


async def declined(s: Stage, user: int) -> None:
    """Someone who reads the notice, types instead of choosing, and then says no."""
    await s.start(user)
    out = await s.press(user, Action.language(s.language).encode())
    out = await s.type(user, "hello")
    s.keep("privacy_short", "typed text before agreeing (then the notice again)", out.messages[0])
    out = await s.press(user, Action.consent_data("n"))
    s.keep("privacy_short", "after “No, thanks”", out.messages[0])
    mine = await s.services.association_command("mydata", s.visitor(user))
    s.keep("mydata", "/mydata (or /delete) when nothing is stored", mine.messages[0])
    s.keep("privacy_short", "asked again after the privacy notice changed, with the choices made before",
           s.screens.consent(True, False, changed=True))


async def delete(s: Stage, user: int) -> Outcome:
    out = await s.survey.ask_delete(s.visitor(user))
    deleted = await s.tap(user, out.messages[0], Kind.DELETE, "y")
    s.keep("delete", "after “Yes, delete”", deleted.messages[0])
    return deleted
