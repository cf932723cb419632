from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.kernel.settings import Settings
from tests.helpers.bot_api_stub import StubBotAPI


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read a developer's MSOBOT_* variables or .env file."""
    import os
    for name in list(os.environ):
        if name.startswith("MSOBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def bot_api() -> AsyncIterator[StubBotAPI]:
    api = StubBotAPI()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Scripted phones answer far faster than any person: the flood limit is the flood test's.
    return Settings(telegram_token="123456:TEST-TOKEN", database=tmp_path / "msobot.sqlite3",
                    throttle_burst=10_000, _env_file=None)  # type: ignore[call-arg]
