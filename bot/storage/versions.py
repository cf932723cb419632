"""The questionnaire versions the bot has run with, and what the stored answers use."""

from __future__ import annotations

import json
from collections import Counter

from bot.questionnaire.versions import Definition, Usage
from bot.storage.store import Store


class VersionStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def latest(self, questionnaire_id: str) -> Definition | None:
        """The version deployed last (by time; a version string says nothing about order)."""
        row = await self.store.fetch_one(
            "SELECT definition FROM questionnaire_versions WHERE questionnaire_id = ? "
            "ORDER BY deployed_at DESC, rowid DESC LIMIT 1", questionnaire_id)
        return Definition.model_validate_json(row["definition"]) if row else None

    async def get(self, questionnaire_id: str, version: str) -> Definition | None:
        row = await self.store.fetch_one(
            "SELECT definition FROM questionnaire_versions WHERE questionnaire_id = ? AND version = ?",
            questionnaire_id, version)
        return Definition.model_validate_json(row["definition"]) if row else None

    async def all(self, questionnaire_id: str) -> list[Definition]:
        """Every version deployed, oldest first."""
        rows = await self.store.fetch_all(
            "SELECT definition FROM questionnaire_versions WHERE questionnaire_id = ? "
            "ORDER BY deployed_at, rowid", questionnaire_id)
        return [Definition.model_validate_json(r["definition"]) for r in rows]

    async def record(self, definition: Definition) -> None:
        await self.store.write(
            "INSERT INTO questionnaire_versions (questionnaire_id, version, definition, deployed_at) "
            "VALUES (?, ?, ?, ?)", definition.id, definition.version, definition.model_dump_json(),
            self.store.now().isoformat())

    async def usage(self, questionnaire_id: str) -> Usage:
        """Stored answers per question id, and per option id of choice answers."""
        rows = await self.store.fetch_all(
            "SELECT a.question_id, a.value, COUNT(*) AS n FROM answers a JOIN submissions s "
            "ON s.id = a.submission_id WHERE s.questionnaire_id = ? AND a.value != 'null' "
            "GROUP BY a.question_id, a.value", questionnaire_id)
        answers: Counter[str] = Counter()
        options: dict[str, Counter[str]] = {}
        for row in rows:
            count = int(row["n"])
            answers[row["question_id"]] += count
            value = json.loads(row["value"])
            for option in value if isinstance(value, list) else [value]:
                if isinstance(option, str):
                    options.setdefault(row["question_id"], Counter())[option] += count
        return Usage(answers, options)
