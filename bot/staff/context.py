"""What every part of the staff side needs: the office's voice, the stores, the services it
drives, and the turn of one staff command (one transaction)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.digest.figures import FigureSource
from bot.digest.service import DigestService
from bot.kernel.outcome import Outcome, Screen
from bot.kernel.settings import Settings
from bot.outbox import screen_payload
from bot.questionnaire.engine import Engine
from bot.questionnaire.staff_voice import StaffVoice
from bot.storage import Store
from bot.storage.catalog import CatalogStore
from bot.storage.outbox import OutboxStore
from bot.storage.staff import StaffStore
from bot.suggestions.service import SuggestionService
from bot.survey.rounds import RoundService
from bot.survey.service import SurveyService
from bot.survey.turns import Visitor


@dataclass
class StaffTurn:
    visitor: Visitor
    chat_id: int
    outcome: Outcome = field(default_factory=Outcome)
    after: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Started once the reply is on its way, running as long as they take (an export, a digest):
    # the staff member hears first that it is coming, and can go on meanwhile.
    background: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.outcome.messages.append(Screen(text=text))

    @property
    def rtl(self) -> bool:
        return False  # the office reads German or English


class StaffContext:
    def __init__(self, store: Store, engine: Engine, voice: StaffVoice, digest: DigestService,
                 figures: FigureSource, survey: SurveyService, suggestions: SuggestionService,
                 settings: Settings, rounds: RoundService) -> None:
        self.store = store
        self.settings = settings  # a job in its own process opens the database and catalogs again
        self.offload = digest.offload
        self.engine = engine
        self.voice = voice
        self._ = voice.t.gettext
        self.digest = digest
        self.figures = figures
        self.survey = survey
        self.suggestions = suggestions
        self.data = StaffStore(store)
        self.catalog = CatalogStore(store)
        self.outbox = OutboxStore(store)
        self.rounds = rounds

    async def tell(self, chat_id: int, text: str) -> None:
        """A message to staff from background work, through the outbox."""
        async with self.store.transaction():
            await self.outbox.enqueue(chat_id, None, "staff", screen_payload(Screen(text=text)))

    # -- vocabulary from the questionnaire, in the staff language ---------------------------

    def topics(self) -> list[tuple[str, str]]:
        matching = self.engine.questionnaire.matching
        options = self.engine.questionnaire.option_sets.get(matching.topics if matching else "", [])
        return [(o.id, self.voice.questions.gettext(o.label)) for o in options]

    def districts(self) -> list[tuple[str, str]]:
        matching = self.engine.questionnaire.matching
        return self._choices(matching.district if matching else None)

    def languages(self) -> list[tuple[str, str]]:
        matching = self.engine.questionnaire.matching
        return self._choices(matching.languages if matching else None)

    def _choices(self, question_id: str | None) -> list[tuple[str, str]]:
        question = self.engine.question(question_id or "")
        if question is None:
            return []
        return [(o.id, self.voice.questions.gettext(o.label)) for o in self.engine.choices(question) if o.id != "other"]
