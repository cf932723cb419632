"""A survey service on a temporary database, and an autopilot that answers whatever is asked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.kernel.actions import Kind
from bot.kernel.i18n import Catalogs
from bot.kernel.outcome import Button, Outcome, Screen
from bot.questionnaire import load
from bot.questionnaire.engine import Engine
from bot.storage import Store, connect
from bot.survey.service import SurveyService
from bot.survey.turns import CompletionHook, Visitor


async def make_service(path: Path, on_completed: Sequence[CompletionHook] = ()) -> SurveyService:
    store = Store(await connect(path))
    return SurveyService(store, Engine(load()), Catalogs(), ZoneInfo("Europe/Berlin"), on_completed=on_completed)


def live(outcome: Outcome) -> Screen:
    """The screen whose buttons the user would use next."""
    screens = [s for s in outcome.messages if s.prompt]
    if outcome.source is not None and outcome.source.prompt:
        screens.append(outcome.source)
    assert screens, f"no question shown: {[m.text[:50] for m in outcome.messages]}"
    return screens[-1]


def button(screen: Screen, role: Kind, index: int = 0) -> Button:
    found = [b for row in screen.buttons for b in row if b.role is role]
    assert found, f"no {role} button on {screen.text[:60]!r}"
    return found[index]


async def onboard(service: SurveyService, visitor: Visitor, language: str = "en") -> Outcome:
    await service.start(visitor)
    await service.press(visitor, f"L:{language}")
    return await service.press(visitor, "C:y")


async def answer_current(service: SurveyService, visitor: Visitor, screen: Screen) -> Outcome:
    """Give the first possible answer to the question on screen."""
    if screen.expects_text:
        return await service.text(visitor, "2000" if "number" in screen.text.lower() else "Verein")
    roles = {b.role for row in screen.buttons for b in row}
    if Kind.TOGGLE in roles:
        toggled = await service.press(visitor, button(screen, Kind.TOGGLE).action)
        return await service.press(visitor, button(live(toggled), Kind.DONE).action)
    return await service.press(visitor, button(screen, Kind.ANSWER).action)


async def answer_until_summary(service: SurveyService, visitor: Visitor, outcome: Outcome,
                               limit: int = 200) -> Screen:
    screen = live(outcome)
    for _ in range(limit):
        if any(b.role in (Kind.CONFIRM, Kind.CONTINUE) for row in screen.buttons for b in row):
            return screen
        screen = live(await answer_current(service, visitor, screen))
    raise AssertionError("the questionnaire did not end")
