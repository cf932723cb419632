"""Start-up reads the questionnaire and the catalogs once (issue 24: it read them three times)."""

from __future__ import annotations

from typing import Any

import pytest

import bot.services
from bot.kernel.settings import Settings
from bot.services import load_domain, open_services
from conversations.app import build_application


async def test_the_bot_loads_the_domain_once_and_hands_it_on(settings: Settings,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[Any] = []
    original = bot.services.load

    def counted(path: Any) -> Any:
        loads.append(path)
        return original(path)

    monkeypatch.setattr(bot.services, "load", counted)
    domain = load_domain(settings)
    services = await open_services(settings, domain)
    try:
        application = build_application(settings, domain=domain)
        application.bot_data["services"] = services
    finally:
        await services.close()
    assert len(loads) == 1
