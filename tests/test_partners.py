"""The partner side's domain core: counting needs without showing anyone, and invitations that
expire (issue 19)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.catalog.importer import SAMPLE
from bot.consent.notice import NOTICE_VERSION
from bot.kernel.settings import Settings
from bot.partners.invites import token_of
from bot.partners.needs import count_needs, published
from bot.services import open_services
from bot.staff.catalog_import import import_file
from bot.storage.consents import ConsentStore
from bot.storage.partners import RequestStore
from bot.survey.turns import Visitor
from tests.helpers.fakes import Clock

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def profile(user_id: int, **needs: int) -> str:
    levels = {1: "some", 2: "big", 3: "urgent"}
    return json.dumps({"user_id": user_id, "needs": needs, "levels": {t: levels[n] for t, n in needs.items()},
                       "languages": ["tr"], "formats": ["workshop"], "times": ["evenings"],
                       "district": "barmen" if user_id < 4 else "vohwinkel"})


def test_needs_are_counted_per_topic_and_small_groups_stay_hidden() -> None:
    profiles = [profile(1, funding=3), profile(2, funding=1), profile(3, funding=2),
                profile(4, funding=3, volunteers=1)]
    funding, volunteers = count_needs(profiles, ["funding", "volunteers"])
    assert funding.total == 4  # counted exactly, never shown so
    assert funding.levels == {"urgent": 2, "some": 1, "big": 1}
    shown = published(funding)
    # Vohwinkel's one association is hidden, and Barmen's three with it: 4 - 3 would give it away.
    assert (shown.total, shown.districts) == (5, {})
    assert published(count_needs([*profiles, profile(5, funding=2)], ["funding"])[0]).districts == {}  # 3 + 2
    more = [*profiles, profile(5, funding=2), profile(6, funding=2)]
    assert published(count_needs(more, ["funding"])[0]).districts == {"barmen": 5, "vohwinkel": 5}
    assert shown.levels == {}  # no level has three associations
    assert published(volunteers).total is None and published(volunteers).districts == {}


def test_only_partner_invitations_are_taken_from_start() -> None:
    assert token_of("p_" + "A" * 22) == "A" * 22
    assert token_of("answers") is None and token_of("p_short") is None and token_of("p_" + "x;" * 11) is None


async def test_an_invitation_expires_after_fourteen_days(settings: Settings) -> None:
    services = await open_services(settings)
    try:
        await import_file(services.suggestions, SAMPLE)
        clock = Clock(NOW)
        services.store.clock = clock
        partners = services.partners
        async with services.store.transaction():
            text = await partners.invite("awo", None, partners.screens["en"])
        parameter = text.rsplit("start=", 1)[1]
        visitor = Visitor(9001, "en")
        clock.now = NOW + timedelta(days=13, hours=23)
        still = await partners.start(visitor, parameter, is_staff=False, takes_part=False)
        assert still.messages[0].buttons  # "Are you with …?"
        clock.now = NOW + timedelta(days=14, minutes=1)
        late = await partners.start(visitor, parameter, is_staff=False, takes_part=False)
        assert late.messages[0].text == partners.screens["en"].expired()
        assert not partners.knows(9001)
    finally:
        await services.close()


async def test_taking_the_sharing_consent_back_withdraws_open_requests_at_once(settings: Settings) -> None:
    services = await open_services(settings)
    try:
        store = services.store
        async with store.transaction():
            await store.set_language(5, "tr")
            await ConsentStore(store).agree(5, NOTICE_VERSION, {"partners": True})
            submission = await store.create_submission(5, "mso-needs", "1")
            requests = RequestStore(store)
            open_one = await requests.add(5, submission.id, "awo", ["bookkeeping"])
            answered = await requests.add(5, submission.id, "caritas", ["bookkeeping"])
            assert open_one is not None and answered is not None
            await requests.answer(answered, "accepted", 7001)
        async with store.transaction():
            await ConsentStore(store).change(5, "partners", False, NOTICE_VERSION)
        assert [(r.partner_id, r.state) for r in [await requests.get(open_one), await requests.get(answered)]
                if r] == [("awo", "withdrawn"), ("caritas", "accepted")]
    finally:
        await services.close()
