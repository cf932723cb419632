"""`msobot check`: the questionnaire file, every catalog, and the change against the version
the database last ran with, with messages that say where."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.kernel.i18n import Catalogs
from bot.kernel.settings import Settings
from bot.questionnaire import Problem, Questionnaire, QuestionnaireError, default_path, load
from bot.questionnaire.check import translation_problems
from bot.questionnaire.deploy import Review, review
from bot.storage import open_store
from bot.storage.versions import VersionStore


def run_check(settings: Settings, file: Path | None) -> int:
    path = file or settings.questionnaire or default_path()
    try:
        questionnaire = load(path)
    except QuestionnaireError as exc:
        print(exc, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found.", file=sys.stderr)
        return 1
    catalogs = Catalogs(settings.locales_dir, default=settings.default_language)
    problems = translation_problems(questionnaire, catalogs, str(path))
    if settings.database.exists():
        result = asyncio.run(_review(settings, questionnaire))
        if result.previous is not None and result.changes:
            print(f"Changes since version {result.previous} in {settings.database}:")
            for change in result.changes:
                print(f"  {change}")
        problems += [Problem(str(path), None if c.question == "*" else c.question, c.what) for c in result.problems]
        if result.problems:
            print("Stored answers would become unreadable: the bot will not start with this file.", file=sys.stderr)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    count = sum(1 for _ in questionnaire.questions())
    print(f"OK: {path}: questionnaire '{questionnaire.id}' version {questionnaire.version}, "
          f"{count} questions; languages: {', '.join(catalogs.languages)}")
    return 0


async def _review(settings: Settings, questionnaire: Questionnaire) -> Review:
    """Against the database the bot runs on: the version it last ran with, the stored answers."""
    store = await open_store(settings.database)
    try:
        return await review(VersionStore(store), questionnaire)
    finally:
        await store.close()
