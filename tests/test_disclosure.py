"""Statistical disclosure control for what partners see (issue 26): the rule itself, over tables
of counts (no hidden cell recomputed from any total, every figure rounded to 5), and the
differencing attack of the issue played by a curious partner contact against /needs."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog.model import Partner
from bot.kernel.i18n import STAFF_DOMAIN, Catalogs
from bot.kernel.settings import Settings
from bot.partners.disclosure import BASE, THRESHOLD, protect, protect_cube, rounded
from bot.partners.needs import count_needs, published
from bot.services import Services, open_services
from bot.storage.catalog import CatalogStore
from bot.storage.partners import PartnerStore
from bot.survey.turns import Visitor
from tests.helpers.fakes import Clock

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
CONTACT = 7001
DE = Catalogs(domain=STAFF_DOMAIN).translator("de")
# The six: three Turkish associations in Barmen rating funding "big", three Arabic ones in
# Vohwinkel rating it "urgent".
SIX = [("barmen", "tr", "big")] * 3 + [("vohwinkel", "ar", "urgent")] * 3


def test_small_cells_are_hidden_and_every_figure_is_rounded_to_five() -> None:
    assert [rounded(n) for n in (3, 4, 5, 7, 8, 12, 13)] == [5, 5, 5, 5, 10, 10, 15]
    assert protect({"a": 2}).total is None and protect({"a": 2}).cells == {}
    assert protect({"a": 3, "b": 4}) == protect({"a": 4, "b": 3})  # one more or less: the same figures
    table = protect({"a": 10, "b": 2, "c": 7, "d": 0})
    assert table.total == 20 and table.cells == {"a": 10}  # c hidden with b: 19 - 10 is not b alone
    assert protect({"x": 5, "y": 1, "z": 1}).cells == {}  # two hidden hold 2 < 3: x goes too


def _safe(line: dict[object, int], shown: set[object]) -> bool:
    """No hidden cell of this line recomputable from its total: hidden holders are none, or at
    least two holding at least THRESHOLD together."""
    holding = [n for k, n in line.items() if n > 0 and k not in shown]
    return not holding or (len(holding) >= 2 and sum(holding) >= THRESHOLD)


@given(st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 30), min_size=1))
def test_no_hidden_cell_of_a_table_can_be_recomputed(counts: dict[str, int]) -> None:
    table = protect(counts)
    if table.total is None:
        assert table.cells == {}
        return
    assert all(n >= THRESHOLD for k, n in counts.items() if k in table.cells)
    assert all(v % BASE == 0 and v == rounded(counts[k]) for k, v in table.cells.items())
    assert _safe(dict(counts), set(table.cells))


@given(st.dictionaries(st.tuples(st.sampled_from(["barmen", "vohwinkel", "elberfeld"]), st.sampled_from(["tr", "ar"]),
                                 st.sampled_from(["some", "big", "urgent"])), st.integers(0, 9), min_size=1))
def test_no_hidden_cell_of_district_by_language_by_level_can_be_recomputed(
        counts: dict[tuple[str, str, str], int]) -> None:
    shown = protect_cube(counts)  # type: ignore[arg-type]
    assert all(counts[k] >= THRESHOLD and v == rounded(counts[k]) for k, v in shown.items())  # type: ignore[index]
    for d in range(3):
        lines: dict[tuple[str, ...], dict[object, int]] = {}
        for key, n in counts.items():
            lines.setdefault(key[:d] + key[d + 1:], {})[key] = n
        for line in lines.values():
            assert not set(line) & set(shown) or _safe(line, set(shown)), (line, shown)


def figures_of(population: list[tuple[str, str, str]]) -> str:
    profiles = [json.dumps({"user_id": i, "needs": {"funding": 2 if level == "big" else 3},
                            "levels": {"funding": level}, "languages": [language], "district": district})
                for i, (district, language, level) in enumerate(population)]
    return published(count_needs(profiles, ["funding"])[0]).model_dump_json()


def test_one_more_association_in_any_district_language_and_level_changes_no_figure() -> None:
    """District x language x level: whatever the newcomer's district, language and need level,
    the published figures are those without it; the difference of two publications names none."""
    before = figures_of(SIX)
    assert '"total":5' in before and '"vohwinkel":5' in before and '"ar":5' in before
    for newcomer in itertools.product(["barmen", "vohwinkel"], ["tr", "ar"], ["big", "urgent"]):
        assert figures_of([*SIX, newcomer]) == before, newcomer


# -- the attack of the issue, through /needs ------------------------------------------------------------


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    opened = await open_services(settings)
    opened.store.clock = Clock(NOW)
    try:
        async with opened.store.transaction():
            await CatalogStore(opened.store).upsert_partners([Partner.model_validate({
                "id": "awo", "name": "AWO", "kind": "welfare", "topics": ["funding"], "languages": ["de"],
                "contact": {"email": "awo@example.org"}})], sample=False)
            await PartnerStore(opened.store).add_contact(CONTACT, "awo", "Anna", "de")
        await opened.partners.load()
        yield opened
    finally:
        await opened.close()


async def complete(services: Services, user_id: int, district: str, language: str, level: str,
                   sharing: bool) -> None:
    store, at = services.store, services.store.now().isoformat()
    answers = {"need_funding": level, "district": district, "workshop_languages": [language]}
    async with store.transaction():
        await store.db.modify("INSERT INTO users (id, language, consent_at, created_at, sharing) "
                              "VALUES (?, ?, ?, ?, ?)", (user_id, language, at, at, int(sharing)))
        made = await store.db.modify(
            "INSERT INTO submissions (user_id, questionnaire_id, questionnaire_version, started_at, completed_at) "
            "VALUES (?, 'mso-needs', '1', ?, ?)", (user_id, at, at))
        for question, value in answers.items():
            await store.db.modify("INSERT INTO answers (submission_id, question_id, value, answered_at) "
                                  "VALUES (?, ?, ?, ?)", (made.lastrowid, question, json.dumps(value), at))
        await services.suggestions.index.update(user_id, int(made.lastrowid or 0), answers)


async def needs(services: Services) -> str:
    """The funding block of /needs, without its date line."""
    text = (await services.partners.command(Visitor(CONTACT, "de"), "needs")).messages[0].text
    return text.split("\n\n", 1)[1]


async def test_a_curious_partner_learns_nothing_from_one_more_association(services: Services) -> None:
    clock = services.store.clock
    assert isinstance(clock, Clock)
    for n, (district, language, level) in enumerate(SIX):
        await complete(services, 1 + n, district, language, level, sharing=True)
    assert (await services.partners.command(Visitor(CONTACT, "de"), "needs")).messages[0].text == \
        DE.gettext("No figures have been published yet. The integration office publishes them on the first "
                   "working day of each month.")  # never live
    await services.partners.figures.publish("staff")
    first = await needs(services)
    assert "Vohwinkel 5" in first and "Barmen 5" in first and DE.gettext("{count} associations").format(count="5") \
        in first and "3" not in first.split("\n", 1)[1]

    # A seventh, Arabic in Vohwinkel, urgent, without the sharing consent: counted nowhere.
    await complete(services, 7, "vohwinkel", "ar", "urgent", sharing=False)
    assert await needs(services) == first  # the publication does not move
    clock.now += timedelta(hours=1)
    await services.partners.figures.publish("staff")
    assert await needs(services) == first

    # An eighth that agreed to sharing, a month later: 3 -> 4 reads 5 as before; the change is
    # the difference of two published totals.
    clock.now += timedelta(days=30)
    await complete(services, 8, "vohwinkel", "ar", "urgent", sharing=True)
    await services.partners.figures.publish("staff")
    later = await needs(services)
    assert later == first.replace(DE.gettext("{count} associations").format(count="5"), " ".join([
        DE.gettext("{count} associations").format(count="5"),
        DE.gettext("({change} since last month)").format(change="±0")]))
    assert "+1" not in later and "4" not in later
