"""The report's figures, counted from `ReportData` and protected before anything words them.

Every count of associations goes through the partners' disclosure rule
(`bot.partners.disclosure`: fewer than three hidden, secondary suppression, rounding to five),
so no table or chart of the report can show, or let a reader recompute, one association's
answers. Keys are ids (topics, options, language codes); `content` words them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from bot.partners.disclosure import THRESHOLD, protect, protect_cube, rounded
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import Matching
from bot.report.data import Association, ReportData

BIG = 2  # intensity: big or urgent, as the digest counts a need
AGE_BANDS = ((0, 4, "0-4"), (5, 9, "5-9"), (10, 19, "10-19"), (20, 29, "20-29"), (30, 999, "30+"))
FREE_TEXTS = ("comments", "communities_other")  # what associations wrote in their own words
THEMES_SHOWN = 10
WORD = re.compile(r"[^\W\d_]{4,}")
STOPWORDS = frozenset(str.split("""aber alle allem allen aller alles also auch bitte dass dein deine denn der des
dem den die diese dieser dieses doch dort durch eine einem einen einer eines etwas euch fuer für gibt haben hat hier
ihre ihren immer jetzt kann keine mehr mich mit nach nicht noch nur oder sehr sein seine sich sind über uns unser
unsere unseren unserem unserer viel vom von vor wäre wären war waren warum was weil wenn werden wie wir wird
with this that have from they their there what when your about would could also just more been were will
bir için çok daha gibi olarak ama veya"""))


@dataclass(frozen=True)
class Column:
    """One protected table of counts: `cells` by key in display order (None: not shown)."""

    cells: dict[str, int | None]
    total: int | None


@dataclass(frozen=True)
class Grid:
    """A protected table of two dimensions; `row_totals` as published (None: not shown)."""

    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], int | None]
    row_totals: dict[str, int | None]


def column(counts: Mapping[str, int], keys: Iterable[str], total: int | None = None) -> Column:
    """`keys` in order, each shown only as the disclosure rule allows."""
    order = list(keys)
    full = {k: counts.get(k, 0) for k in order}
    shown = protect(full, total)
    return Column({k: shown.cells.get(k) for k in order}, shown.total)


def grid(counts: Mapping[tuple[str, str], int], rows: list[str], columns: list[str],
         row_totals: Mapping[str, int] | None = None) -> Grid:
    """Every cell of rows x columns (zeros included, which are hidden like small ones)."""
    full: dict[tuple[Hashable, ...], int] = {(r, c): counts.get((r, c), 0) for r in rows for c in columns}
    shown = protect_cube(full) if full else {}
    cells: dict[tuple[str, str], int | None] = {(r, c): shown.get((r, c)) for r in rows for c in columns}
    totals: dict[str, int | None] = {}
    for r in rows:
        total = row_totals.get(r, 0) if row_totals is not None else sum(counts.get((r, c), 0) for c in columns)
        visible = any(cells[(r, c)] is not None for c in columns)
        totals[r] = rounded(total) if total >= THRESHOLD and visible else None
    return Grid(rows, columns, cells, totals)


class Tables:
    """The report's figures for one `ReportData`; each property is computed on demand."""

    def __init__(self, data: ReportData, engine: Engine) -> None:
        matching = engine.matching()
        self.data = data
        self.engine = engine
        self.matching: Matching = matching
        q = engine.questionnaire
        self.topics = [o.id for o in q.option_sets.get(matching.topics, [])]
        self.levels = list(matching.intensity)
        self.n = len(data.associations)

    def options(self, question_id: str) -> list[str]:
        question = self.engine.question(question_id)
        return [o.id for o in self.engine.choices(question)] if question else []

    def level(self, a: Association, topic: str) -> str | None:
        value = a.answers.get(self.matching.needs[topic])
        return value if isinstance(value, str) else None

    def big(self, a: Association, topic: str) -> bool:
        return self.matching.intensity.get(self.level(a, topic) or "", 0) >= BIG

    # Method: who answered
    def started(self) -> Column:
        return column(self.data.started, sorted(self.data.started))

    def completed(self) -> Column:
        counts = Counter(a.language for a in self.data.associations)
        return column(counts, sorted(self.data.started))

    # The associations
    def single(self, question_id: str) -> Column:
        counts = Counter(str(a.answers.get(question_id)) for a in self.data.associations)
        return column(counts, self.options(question_id), self.n)

    def multi(self, question_id: str) -> Column:
        counts: Counter[str] = Counter()
        for a in self.data.associations:
            value = a.answers.get(question_id)
            counts.update(value if isinstance(value, list) else [])
        return column(counts, self.options(question_id), self.n)

    def ages(self) -> Column:
        year = self.data.period_end.year
        counts: Counter[str] = Counter()
        for a in self.data.associations:
            founded = a.answers.get("founded")
            if isinstance(founded, int):
                age = max(0, year - founded)
                counts.update(label for low, high, label in AGE_BANDS if low <= age <= high)
        return column(counts, [label for _l, _h, label in AGE_BANDS], self.n)

    # Needs
    def needs(self) -> Grid:
        counts: Counter[tuple[str, str]] = Counter()
        answered: Counter[str] = Counter()
        for a in self.data.associations:
            for topic in self.topics:
                level = self.level(a, topic)
                if level in self.matching.intensity:
                    counts[(topic, level)] += 1
                    answered[topic] += 1
        return grid(counts, self.topics, self.levels, answered)

    def big_needs(self, associations: list[Association] | None = None) -> Column:
        """Per topic: associations rating it big or urgent (overlapping; the total is all)."""
        found = self.data.associations if associations is None else associations
        counts = Counter(t for a in found for t in self.topics if self.big(a, t))
        return column(counts, self.topics, len(found))

    def details(self, topic: str) -> Column:
        question = self.matching.details.get(topic)
        if question is None:
            return Column({}, None)
        counts: Counter[str] = Counter()
        needing = [a for a in self.data.associations if self.big(a, topic)]
        for a in needing:
            value = a.answers.get(question)
            counts.update(value if isinstance(value, list) else [])
        return column(counts, self.options(question), len(needing))

    def ranked_details(self) -> list[tuple[str, str, int]]:
        """(topic, detail, associations) of every detail shown, most first."""
        found = [(topic, detail, n) for topic in self.topics
                 for detail, n in self.details(topic).cells.items() if n]
        return sorted(found, key=lambda f: (-f[2], self.topics.index(f[0]), f[1]))

    def by(self, question_id: str) -> Grid:
        """Big or urgent needs per topic, by the answer to `question_id` (district, communities)."""
        keys = self.options(question_id)
        counts: Counter[tuple[str, str]] = Counter()
        for a in self.data.associations:
            value = a.answers.get(question_id)
            for key in value if isinstance(value, list) else [value]:
                counts.update((str(key), t) for t in self.topics if self.big(a, t))
        return grid(counts, keys, self.topics)

    def any_big_by_district(self) -> Column:
        district = self.matching.district or "district"
        counts = Counter(str(a.answers.get(district)) for a in self.data.associations
                         if any(self.big(a, t) for t in self.topics))
        return column(counts, self.options(district))

    # Change against the previous round
    def transitions(self) -> Grid | None:
        """Per topic, of the associations that answered both rounds: need lower, same, higher."""
        if self.data.previous is None:
            return None
        before = {a.user: a for a in self.data.previous}
        counts: Counter[tuple[str, str]] = Counter()
        for a in self.data.associations:
            earlier = before.get(a.user)
            if earlier is None:
                continue
            for topic in self.topics:
                was, now = self.level(earlier, topic), self.level(a, topic)
                if was is None or now is None:
                    continue
                was_n, now_n = self.matching.intensity.get(was, 0), self.matching.intensity.get(now, 0)
                counts[(topic, "improved" if now_n < was_n else "worse" if now_n > was_n else "same")] += 1
        return grid(counts, self.topics, ["improved", "same", "worse"])

    # Free text: recurring words, never a quotation
    def themes(self) -> dict[str, list[tuple[str, int]]]:
        """Language -> (word, associations using it) for words at least THRESHOLD associations
        wrote, protected and rounded like every count; most first."""
        by_language: dict[str, Counter[str]] = {}
        writers: Counter[str] = Counter()
        for a in self.data.associations:
            words: set[str] = set()
            for question in FREE_TEXTS:
                text = a.answers.get(question)
                if isinstance(text, str):
                    words |= {w for w in WORD.findall(text.casefold()) if w not in STOPWORDS}
            if words:
                writers[a.language] += 1
                by_language.setdefault(a.language, Counter()).update(words)
        found = {}
        for language in sorted(by_language):
            shown = protect(by_language[language], writers[language]).cells
            kept = sorted(shown.items(), key=lambda kv: (-kv[1], kv[0]))[:THEMES_SHOWN]
            if kept:
                found[language] = kept
        return found

    def writers(self) -> Column:
        counts = Counter(a.language for a in self.data.associations
                         if any(isinstance(a.answers.get(q), str) and a.answers.get(q) for q in FREE_TEXTS))
        return column(counts, sorted(counts), sum(counts.values()))

    # What was offered
    def offers(self) -> dict[str, tuple[int, int, int]]:
        """Topic -> (workshops, places, marks of interest): about offers, not associations, except
        the interest, which is protected per topic."""
        workshops: Counter[str] = Counter()
        places: Counter[str] = Counter()
        interest: Counter[str] = Counter()
        for w in self.data.workshops:
            for topic in w.topics:
                workshops[topic] += 1
                places[topic] += w.capacity or 0
                interest[topic] += w.interested
        shown = column(interest, self.topics).cells
        return {t: (workshops[t], places[t], shown[t] or 0) for t in self.topics if workshops[t]}

    def interest_shown(self) -> Column:
        interest: Counter[str] = Counter()
        for w in self.data.workshops:
            interest.update(dict.fromkeys(w.topics, w.interested))
        return column(interest, self.topics)

    def introductions(self) -> Column:
        return column(self.data.introductions, ["requested", "accepted", "declined"])

    def requests(self) -> Grid:
        states = ["accepted", "declined", "pending", "withdrawn"]
        partners = sorted(self.data.requests)
        counts = {(p, s): n for p, found in self.data.requests.items() for s, n in found.items()}
        return grid(counts, partners, states)

    def uncovered(self) -> list[tuple[str, int]]:
        """Topics that at least THRESHOLD associations rate big or urgent (as published) and
        that no workshop of the period, or of the weeks after it, answers."""
        covered = {t for w in self.data.workshops for t in w.topics}
        shown = self.big_needs().cells
        return [(t, n) for t in self.topics if (n := shown.get(t)) and t not in covered]

    def covering(self, topic: str) -> list[str]:
        return [name for name, topics in self.data.partners.values() if topic in topics]
