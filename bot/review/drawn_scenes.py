"""What the scripted users do not meet but a reader may: drawn with the bot's own screen classes
and texts, so the gallery shows every text an association can read (issue 30). The command menu
and the bot's profile; the apology after an error; the message when a partner organisation takes
up a contact request; an online workshop; every kind of partner organisation; every reason a
card can give; language names; the input hints this questionnaire does not reach; and every
plural form of every text with a number, one sample number per plural category of the language."""

from __future__ import annotations

import string
from typing import Any, get_args

from babel import Locale

from bot.catalog.model import PartnerKind
from bot.kernel.i18n import Translator
from bot.kernel.outcome import Screen
from bot.questionnaire.model import Question, QuestionType
from bot.review.stage import Stage
from bot.storage.catalog import CatalogStore
from bot.suggestions.matching.scoring import Reason, ReasonKind
from bot.survey.menu import APOLOGY, DESCRIPTION, SHORT_DESCRIPTION, USER_MENU

PERSON = "Anna Beispiel"  # a partner organisation's contact person, as staff typed the name
SAMPLE_COUNTS = range(1, 1001)  # numbers tried for a plural form (0 last: "0 questions" is rare)


async def drawn(s: Stage) -> None:
    menu(s)
    await cards(s)
    hints(s)
    plurals(s)


def menu(s: Stage) -> None:
    t = s.t
    s.keep("menu", "the chat's command menu (the / button), in the language chosen",
           "\n".join(f"/{name} — {t.gettext(description)}" for name, description in USER_MENU), drawn=True)
    s.keep("menu", "the bot's profile: what a person reads before tapping Start", t.gettext(DESCRIPTION), drawn=True)
    s.keep("menu", "the bot's short profile text (its page, and when it is shared)", t.gettext(SHORT_DESCRIPTION),
           drawn=True)
    s.keep("notice", "after an error the bot could not handle", t.gettext(APOLOGY), drawn=True)


async def cards(s: Stage) -> None:
    catalog = CatalogStore(s.services.store)
    partners, workshops = await catalog.partners(), await catalog.workshops()
    if not partners or not workshops:
        return
    c = s.cards
    first = partners[0]
    for kind in PartnerKind:
        partner = next((p for p in partners if p.kind is kind), first.model_copy(update={"kind": kind}))
        s.keep("partner_card", f"a partner organisation of kind “{kind.value}”", c.partner_text(partner), drawn=True)
    s.keep("suggestion_reply", "a partner organisation takes up the contact request the association sent it "
           "(when its contact answers “We will get in touch”)", c.partner_will_get_in_touch(first, PERSON), drawn=True)
    online = next((w for w in workshops if w.online), None)
    if online is not None:
        s.keep("workshop_card", "an online workshop", c.workshop_card(0, online, None, _reasons(s)[:2]), drawn=True)
    everyone = workshops[0].model_copy(update={"languages": s.services.catalogs.languages})
    s.keep("workshop_card", "a workshop in every language the bot speaks (the languages' names)",
           c.workshop_text(everyone, None), drawn=True)
    s.keep("workshop_card", "every reason a card can give (a real card shows the few that apply)",
           c.reasons(_reasons(s)), drawn=True)
    topic = _topic(s)
    s.keep("peer_card", "another association that fits, when it gave no district", c.peer_text(topic, None),
           drawn=True)
    s.keep("suggestions", "the heading above one suggestion", c.intro(1), drawn=True)


def _topic(s: Stage) -> str | None:
    matching = s.engine.questionnaire.matching
    options = s.engine.questionnaire.option_sets.get(matching.topics, []) if matching else []
    return options[0].id if options else None


def _reasons(s: Stage) -> list[Reason]:
    """One reason of each kind, and of each way a kind can read."""
    topic = _topic(s)
    scale = next(iter(s.engine.questionnaire.scales.values()), [])
    matching = s.engine.questionnaire.matching
    district = s.engine.question(matching.district) if matching and matching.district else None
    place = s.engine.choices(district)[0].id if district else None
    found = [Reason(kind="need", topic=topic, level=scale[-1].id if scale else None), Reason(kind="need", topic=topic)]
    for kind in get_args(ReasonKind):
        if kind == "need":
            continue
        if kind == "time":
            found += [Reason(kind="time", value=v) for v in ("weekends", "evenings", "daytime")]
        else:
            value = {"language": s.language, "district": place, "place": place, "kind": "welfare"}.get(kind)
            found.append(Reason(kind=kind, topic=topic, value=value))
    return found


def hints(s: Stage) -> None:
    """What a question says under it when the questionnaire's own questions do not show it."""
    screens = s.screens
    number = Question(id="hint_number", type=QuestionType.NUMBER, text="-")
    text = Question(id="hint_text", type=QuestionType.TEXT, text="-")
    multi = next((q for _section, q in s.engine.questionnaire.questions() if q.type is QuestionType.MULTI), None)
    s.keep("question", "under a number question without limits", screens.instruction(number), drawn=True)
    s.keep("question", "under a text question without a length limit", screens.instruction(text), drawn=True)
    if multi is not None:
        s.keep("answered", "a multiple choice answered with nothing ticked", screens.answered(multi, []), drawn=True)


class _Filled(string.Formatter):
    """A text's placeholders with sample values: the count as the language writes it, the rest
    as a short sample, so the sentence reads as it will."""

    def __init__(self, samples: dict[str, str]) -> None:
        self.samples = samples

    def get_value(self, key: int | str, args: Any, kwargs: Any) -> Any:
        return kwargs[key] if key in kwargs else self.samples.get(str(key), "…")


def plurals(s: Stage, t: Translator | None = None) -> None:
    """Every text with a number, once per plural form of the language, with a number of that form
    (`t`: another catalog's translator, the office's)."""
    t = t or s.t
    locale = Locale.parse(s.language)
    samples: dict[int, int] = {}  # plural form -> the smallest number that takes it
    for n in [*SAMPLE_COUNTS, 0]:
        samples.setdefault(t.plural_form(n), n)
    topic = _topic(s)
    fill = _Filled({"topic": s.cards.topic(topic), "title": "Workshop", "date": t.date(s.clock.now.date()),
                    "name": "Verein", "partner": "AWO", "days": t.number(30), "min": t.number(1),
                    "max": t.number(3)})
    numbers = [n for _form, n in sorted(samples.items())]
    forms = ", ".join(f"{locale.plural_form(n)} ({n})" for n in numbers)
    for msgid in t.plural_messages():
        texts = [fill.format(t.ngettext(msgid, msgid, n), count=t.number(n)) for n in numbers]
        s.keep("plural", f"{msgid[:60]}… in each plural form of the language, in order: {forms}",
               Screen(text="\n\n".join(texts)), drawn=True)


def files(s: Stage, title: str, content: bytes) -> None:
    s.keep("file", title, content.decode("utf-8").replace("\r\n", "\n"))

