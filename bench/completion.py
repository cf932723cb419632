"""Part 5: does completing the questionnaire get slower as the city's database grows?

Completing is the heaviest answer: the association's need profile goes into the index, it is
matched against the catalog and against the other networking associations, and its
suggestion cards are queued, all in the transaction of the tap. For each size, a database of
that many associations is generated; then `members` new board members fill in the
questionnaire one after another through the real Application, and the latency of each one's
completing tap is recorded.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.answers import user_language
from bench.bot_api import TOKEN, StubRequest
from bench.dataset import city
from bench.harness import Latencies, Member, Updates, running_application, step
from bot.kernel.i18n import Catalogs
from bot.kernel.settings import Settings


@dataclass
class CompletionResult:
    msos: int
    completions: dict[str, float]  # Latencies.summary() of the completing taps
    others: dict[str, float]  # of every other update meanwhile


async def run(msos: int, members: int, workshops: int, seed: int = 20261201) -> CompletionResult:
    with tempfile.TemporaryDirectory(prefix="msobot-bench-") as tmp:
        settings = Settings(telegram_token=TOKEN, database=Path(tmp) / "city.sqlite3", quiet_hours="",
                            _env_file=None)
        await city(settings, msos, msos * 20, workshops, seed)
        request = StubRequest()
        completions, others = Latencies(), Latencies()
        async with running_application(settings, request) as application:
            engine = application.bot_data["services"].engine
            offered = Catalogs().languages
            updates = Updates()
            rng = random.Random(seed)
            for n in range(members):
                member = Member(3_000_000 + n, user_language(rng, offered), "de", random.Random(seed + n), engine)
                while not member.finished:
                    timed = Latencies()
                    await step(application, request, updates, member, timed)
                    (completions if member.finished else others).seconds += timed.seconds
    return CompletionResult(msos=msos, completions=completions.summary(), others=others.summary())
