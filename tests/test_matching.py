"""Matching with hand-computed scores: every figure below is worked out in the comments."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.catalog.model import Partner, Workshop
from bot.outbox.schedule import quiet_hours_end
from bot.questionnaire import load
from bot.suggestions.calendar import reminder_time
from bot.suggestions.matching import NeedProfile, Scorer, build_profile, pick
from bot.suggestions.matching.scoring import Match, time_slot

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
QUESTIONNAIRE = load()
assert QUESTIONNAIRE.matching is not None
SCORER = Scorer(TZ, dict(QUESTIONNAIRE.matching.places))


def profile(**changes: object) -> NeedProfile:
    base = NeedProfile(user_id=1, needs={"bookkeeping": 3, "pr": 1}, levels={"bookkeeping": "urgent", "pr": "some"},
                       languages={"tr", "de"}, formats={"workshop"}, times={"weekends"}, district="barmen")
    return base.model_copy(update=changes)


def workshop(id: str, topics: list[str], languages: list[str], start: datetime, **extra: object) -> Workshop:
    data: dict[str, object] = {
        "id": id, "title": {"de": f"Kurs {id}"}, "topics": topics, "languages": languages,
        "start": start, "end": start.replace(hour=start.hour + 2), "provider": "vhs",
        "registration": {"email": "kurs@example.org"}, "address": "Werth 1", "district": "barmen"}
    data.update(extra)
    return Workshop.model_validate(data)


SATURDAY_10 = datetime(2027, 1, 16, 10, 0, tzinfo=TZ)
WEDNESDAY_19 = datetime(2027, 1, 20, 19, 0, tzinfo=TZ)
WEDNESDAY_10 = datetime(2027, 1, 20, 10, 0, tzinfo=TZ)


def test_time_slots_follow_the_local_clock() -> None:
    assert time_slot(SATURDAY_10, TZ) == "weekends"
    assert time_slot(WEDNESDAY_19, TZ) == "evenings"
    assert time_slot(WEDNESDAY_10, TZ) == "daytime"
    # 16:30 UTC in January is 17:30 in Wuppertal: an evening
    assert time_slot(datetime(2027, 1, 20, 16, 30, tzinfo=UTC), TZ) == "evenings"


def test_a_workshop_that_fits_in_every_way() -> None:
    match = SCORER.workshop(profile(), workshop("w1", ["bookkeeping"], ["tr", "de"], SATURDAY_10), NOW)
    assert match is not None
    # urgent bookkeeping 3×10 + Turkish 6 + in person as wished 4 + same district 4 + Saturday 4
    assert match.score == 48
    assert [(r.kind, r.topic or r.value, r.level) for r in match.reasons] == [
        ("need", "bookkeeping", "urgent"), ("language", "tr", None), ("district", "barmen", None),
        ("time", "weekends", None)]


def test_online_evening_workshop_on_a_small_need() -> None:
    match = SCORER.workshop(profile(), workshop("w2", ["pr", "digital"], ["de"], WEDNESDAY_19, online=True,
                                                address=None, district=None), NOW)
    assert match is not None
    # "some" PR need 1×10 (digital: no need, adds nothing) + German 6; online not wished, evening not wished
    assert match.score == 16
    assert [r.kind for r in match.reasons] == ["need", "language", "online"]


def test_distance_to_another_district_counts_less() -> None:
    match = SCORER.workshop(profile(), workshop("w6", ["bookkeeping", "pr"], ["de"], WEDNESDAY_10,
                                                district="elberfeld"), NOW)
    assert match is not None
    # Barmen (51.2720, 7.2000) to Elberfeld (51.2565, 7.1508): 1.72 km north-south, 3.42 km east-west,
    # about 3.83 km; closeness 1 - 3.83/10 = 0.617, so 4 × 0.617 = 2.47 points for the place.
    # urgent bookkeeping 30 + some PR 1×2 + German 6 + in person 4 + place 2.47 = 44.47; daytime not wished
    assert match.score == pytest.approx(44.47, abs=0.05)
    assert SCORER.closeness("barmen", "elberfeld") == pytest.approx(0.617, abs=0.005)
    assert ("place", "elberfeld") in [(r.kind, r.value) for r in match.reasons]


@pytest.mark.parametrize(("case", "item"), [
    ("no need in its topic", workshop("w3", ["law"], ["de"], SATURDAY_10)),
    ("a language they do not attend", workshop("w4", ["bookkeeping"], ["ar"], SATURDAY_10)),
    ("already over", workshop("w5", ["bookkeeping"], ["tr"], datetime(2026, 11, 28, 10, tzinfo=TZ))),
])
def test_workshops_that_do_not_fit(case: str, item: Workshop) -> None:
    assert SCORER.workshop(profile(), item, NOW) is None, case


def test_no_language_preference_means_no_language_filter() -> None:
    match = SCORER.workshop(profile(languages=set()), workshop("w4", ["bookkeeping"], ["ar"], SATURDAY_10), NOW)
    assert match is not None and match.score == 48 - 6  # no language points either


def test_variety_a_second_course_on_the_same_topic_counts_half() -> None:
    first = Match(kind="workshop", ref="a", topic="bookkeeping", score=48)
    same_topic = Match(kind="workshop", ref="b", topic="bookkeeping", score=44.47)
    other_topic = Match(kind="workshop", ref="c", topic="pr", score=25)
    # after "a", "b" counts 44.47 × 0.5 = 22.2 < 25
    assert [m.ref for m in pick([same_topic, other_topic, first], 2)] == ["a", "c"]
    weaker = other_topic.model_copy(update={"score": 16})
    assert [m.ref for m in pick([same_topic, weaker, first], 2)] == ["a", "b"]  # 22.2 > 16
    assert [m.ref for m in pick([same_topic, weaker, first], 5)] == ["a", "b", "c"]


def partner(**changes: object) -> Partner:
    data: dict[str, object] = {"id": "p1", "name": "Wohlfahrt", "kind": "welfare", "topics": ["bookkeeping", "law"],
                               "languages": ["de", "tr"], "district": "barmen", "contact": {"email": "p@example.org"}}
    data.update(changes)
    return Partner.model_validate(data)


def test_partner_scores() -> None:
    wanted = profile(partner_kinds={"welfare"}, advice_topics={"law"}, wants_professionals=True)
    match = SCORER.partner(wanted, partner())
    assert match is not None
    # urgent bookkeeping 30 + law asked for advice (counts as 1) × 2 + the kind asked for 5 + Turkish 6 + district 4
    assert match.score == 47
    assert [r.kind for r in match.reasons] == ["need", "kind", "language", "district"]
    assert SCORER.partner(profile(wants_professionals=False), partner()) is None
    advice_only = SCORER.partner(profile(needs={}, levels={}, advice_topics={"law"}), partner())
    assert advice_only is not None and advice_only.reasons[0].kind == "advice"
    assert advice_only.score == 10 + 6 + 4


def test_peer_associations() -> None:
    me = profile()
    peer = NeedProfile(user_id=2, strengths={"bookkeeping"}, networking=True, district="barmen", languages={"tr"})
    match = SCORER.peer(me, peer)
    assert match is not None and match.ref == "2"
    # urgent bookkeeping 30 + same district 4 + a shared language besides German 3
    assert match.score == 37
    assert [r.kind for r in match.reasons] == ["need", "strength", "district", "language"]
    assert SCORER.peer(me, peer.model_copy(update={"networking": False})) is None  # did not agree
    assert SCORER.peer(me, peer.model_copy(update={"strengths": {"rooms"}})) is None  # nothing we need
    assert SCORER.peer(me, me.model_copy(update={"networking": True, "strengths": {"bookkeeping"}})) is None


def test_profile_from_real_answers() -> None:
    assert QUESTIONNAIRE.matching is not None
    answers = {"need_bookkeeping": "urgent", "need_pr": "none", "need_bookkeeping_details": ["tax"],
               "workshop_languages": ["tr", "other"], "formats": ["online"], "times": ["evenings"],
               "district": "oberbarmen", "strengths": ["pr"], "network_msos": "yes", "peer_contact": "0202 1",
               "contact_professionals": "no", "professional_topics": None}
    built = build_profile(7, answers, QUESTIONNAIRE.matching)
    assert built.needs == {"bookkeeping": 3, "pr": 0}
    assert built.levels["bookkeeping"] == "urgent"
    assert built.details == {"bookkeeping": ["tax"]}
    assert built.languages == {"tr"}  # "other" is no language a course can be in
    assert built.networking and built.contact == "0202 1" and built.wants_professionals is False
    assert built.advice_topics == set()


def test_quiet_hours_and_reminder_times() -> None:
    evening = datetime(2027, 1, 15, 21, 30, tzinfo=TZ)
    assert quiet_hours_end(evening, TZ) == datetime(2027, 1, 16, 8, 0, tzinfo=TZ)
    early = datetime(2027, 1, 16, 6, 0, tzinfo=TZ)
    assert quiet_hours_end(early, TZ) == datetime(2027, 1, 16, 8, 0, tzinfo=TZ)
    day = datetime(2027, 1, 16, 12, 0, tzinfo=TZ)
    assert quiet_hours_end(day, TZ) == day
    assert reminder_time(SATURDAY_10, TZ) == datetime(2027, 1, 15, 18, 0, tzinfo=TZ)
