"""The gallery's stage: the real services on a throw-away database, a clock the script moves, an
outbox that delivers into a postbox, and the screens kept as the users saw them."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from bot.kernel.actions import Kind, parse_action
from bot.kernel.bidi import directed_screen
from bot.kernel.outcome import Button, Outcome, Screen
from bot.outbox import OutboxWorker, Parcel
from bot.outbox.parcels import Unreachable
from bot.questionnaire.model import Question
from bot.review.shown import KINDS, OFFICE_KINDS, Shown
from bot.services import Services
from bot.survey.turns import Visitor


class Clock:
    """The database's clock: fixed, so the gallery is the same on every run, and moved forward
    for reminders."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Postbox:
    """The outbox's transport: what the bot would send, by chat."""

    def __init__(self) -> None:
        self.parcels: dict[int, list[Parcel]] = defaultdict(list)
        self.blocked: set[int] = set()  # chats whose user blocked the bot: Telegram refuses

    async def send(self, chat_id: int, parcel: Parcel) -> None:
        if chat_id in self.blocked:
            raise Unreachable("Forbidden: bot was blocked by the user")
        self.parcels[chat_id].append(parcel)


class Stage:
    def __init__(self, services: Services, clock: Clock, language: str) -> None:
        self.services = services
        self.survey = services.survey
        self.engine = services.engine
        self.clock = clock
        self.language = language
        self.t = services.catalogs.translator(language)
        self.screens = self.survey.screens_for(language)
        self.cards = services.suggestions.screens(language)
        self.shown: list[Shown] = []
        self.postbox = Postbox()
        self.worker = OutboxWorker(services.store, self.postbox, services.composers.compose,
                                   chat_interval=0.0, rate=1000.0)

    def visitor(self, user_id: int) -> Visitor:
        return Visitor(user_id, self.language)

    def keep(self, kind: str, title: str, screen: Screen | str, drawn: bool = False) -> None:
        """A screen for the gallery, exactly as the reader gets it: replies and outbox messages
        come through the bot's own exits, which lay out right-to-left text (nothing is added
        to them here, so the gallery shows what a reader would see wrong). `drawn`: a screen
        drawn with a screen class directly, for one the bot sends through the outbox worker:
        it gets the worker's pass."""
        assert kind in KINDS or kind in OFFICE_KINDS, kind
        if isinstance(screen, str):
            screen = Screen(text=screen)
        if drawn and self.t.rtl:
            screen = directed_screen(screen)
        self.shown.append(Shown(kind, title, screen))

    # -- acting as a user ------------------------------------------------------------------

    async def start(self, user_id: int) -> Outcome:
        return await self.survey.start(self.visitor(user_id))

    async def press(self, user_id: int, data: str) -> Outcome:
        return await self.survey.press(self.visitor(user_id), data)

    async def tap(self, user_id: int, screen: Screen, role: Kind, value: str | None = None,
                  index: int = 0) -> Outcome:
        return await self.press(user_id, button(screen, role, value, index).action)

    async def type(self, user_id: int, text: str) -> Outcome:
        return await self.survey.text(self.visitor(user_id), text)

    async def delivered(self, user_id: int) -> list[Parcel]:
        """What the outbox sends this user now (everything due is sent; others' is kept)."""
        await self.worker.drain()
        return self.postbox.parcels.pop(user_id, [])

    async def question_on(self, user_id: int) -> Question | None:
        """The question the user's live screen asks; None on the summary."""
        submission = await self.services.store.current_submission(user_id)
        cursor = submission.cursor if submission is not None else None
        return self.engine.question(cursor) if cursor else None

    def set_clock(self, now: datetime) -> None:
        self.clock.now = now


def live(outcome: Outcome) -> Screen:
    """The screen whose buttons the user would use next."""
    screens = [s for s in outcome.messages if s.prompt]
    if outcome.source is not None and outcome.source.prompt:
        screens.append(outcome.source)
    if not screens:
        raise LookupError(f"no live screen among {[m.text[:40] for m in outcome.messages]}")
    return screens[-1]


def buttons(screen: Screen, role: Kind) -> list[Button]:
    return [b for row in screen.buttons for b in row if b.role is role]


def button(screen: Screen, role: Kind, value: str | None = None, index: int = 0) -> Button:
    found = [b for b in buttons(screen, role) if value is None or _value(b) == value]
    if len(found) <= index:
        raise LookupError(f"no {role.name} button {value or ''} on {screen.text[:40]!r}")
    return found[index]


def _value(b: Button) -> str | None:
    """The value of a questionnaire's or settings' button (None for any other)."""
    action = parse_action(b.action)
    return action.value if action else None
