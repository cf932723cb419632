"""What staff read, in the office's language: the staff catalog for the office's own texts
and the main catalog for the questionnaire's labels. The digest, staff commands, exports, the
report and partner contacts' screens all speak with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from bot.kernel.i18n import STAFF_DOMAIN, Catalogs, Translator
from bot.kernel.settings import Settings
from bot.questionnaire.engine import Engine


@dataclass(frozen=True)
class StaffVoice:
    """The staff language twice: `t` for the office's own texts (staff catalog), `questions` for
    the questionnaire's labels (the main catalog), plus the office's time zone."""

    t: Translator
    questions: Translator
    engine: Engine
    tz: tzinfo

    def topic(self, topic: str) -> str:
        matching = self.engine.questionnaire.matching
        options = self.engine.questionnaire.option_sets.get(matching.topics if matching else "", [])
        label = next((o.label for o in options if o.id == topic), topic)
        return self.questions.gettext(label)

    def question(self, question_id: str) -> str:
        question = self.engine.question(question_id)
        return self.questions.gettext(question.text) if question else question_id

    def option(self, option_id: str) -> str:
        """Any option of the questionnaire (a district, a format, a need level) by its id."""
        q = self.engine.questionnaire
        for _section, question in q.questions():
            for option in q.choices(question):
                if option.id == option_id:
                    return self.questions.gettext(option.label)
        return option_id

    def language(self, code: str) -> str:
        """A language code as staff read it, e.g. tr -> Türkisch."""
        return str(self.t.locale.languages.get(code) or code)

    def n(self, value: int) -> str:
        return self.t.number(value)

    def signed(self, value: int) -> str:
        if value == 0:
            return "±0"
        return ("+" if value > 0 else "−") + self.t.number(abs(value))


def staff_voice(settings: Settings, engine: Engine, language: str | None = None) -> StaffVoice:
    """The office's voice as the settings give it (a job in its own process makes it again); in
    `language` for a partner contact who reads English."""
    code = language or settings.staff_language
    staff = Catalogs(settings.locales_dir, default="de", domain=STAFF_DOMAIN)
    main = Catalogs(settings.locales_dir, default=settings.default_language)
    return StaffVoice(staff.translator(code), main.translator(code), engine, settings.tz)
