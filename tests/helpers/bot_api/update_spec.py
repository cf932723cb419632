"""Refresh `spec.json` from the public machine-readable Bot API description.

The stub Bot API (`tests/helpers/bot_api_stub.py`) checks every call against `spec.json`:
parameter names, types and which are required, for the methods the stub answers and every type
those parameters can hold. Telegram publishes the API as HTML; public projects scrape it into an
`api.json` (one well-kept one is PaulSonOfLars/telegram-bot-api-spec). To move to a newer Bot
API, download that `api.json` and run:

    python -m tests.helpers.bot_api.update_spec path/to/api.json

The methods kept are those listed in `METHODS` below (add one when the bot starts calling it);
the descriptions' prose is dropped, except the fixed values a field "must be" (a scope's `type`).
The limits Telegram states only in prose (text lengths, callback data bytes ...) live in
`tests/helpers/bot_api/limits.py`, written by hand from the same pages.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
METHODS = [
    "getMe", "getUpdates", "setWebhook", "deleteWebhook", "close", "logOut",
    "setMyCommands", "deleteMyCommands", "getMyCommands", "setMyDescription", "setMyShortDescription",
    "setChatMenuButton", "sendMessage", "sendDocument", "sendPhoto", "editMessageText",
    "editMessageReplyMarkup", "answerCallbackQuery", "deleteMessage",
]
_MUST_BE = re.compile(r"\bmust be (?:always )?[\"“]?([a-z_]+)[\"”]?\s*$")


def _field(raw: dict[str, Any]) -> dict[str, Any]:
    field: dict[str, Any] = {"name": raw["name"], "types": raw["types"], "required": raw["required"]}
    match = _MUST_BE.search(raw.get("description", ""))
    if match and raw["types"] == ["String"] and raw["name"] == "type":
        field["const"] = match.group(1)
    return field


def _named(types: list[str]) -> set[str]:
    names = set()
    for kind in types:
        while kind.startswith("Array of "):
            kind = kind[len("Array of "):]
        names.add(kind)
    return names


def subset(api: dict[str, Any]) -> dict[str, Any]:
    methods = {name: {"fields": [_field(f) for f in api["methods"][name].get("fields", [])]} for name in METHODS}
    wanted = {t for m in methods.values() for f in m["fields"] for t in _named(f["types"])}
    types: dict[str, Any] = {}
    while wanted:
        name = wanted.pop()
        if name in types or name not in api["types"]:
            continue
        raw = api["types"][name]
        entry: dict[str, Any] = {"fields": [_field(f) for f in raw.get("fields", [])]}
        if raw.get("subtypes"):
            entry["subtypes"] = raw["subtypes"]
            wanted.update(raw["subtypes"])
        types[name] = entry
        wanted.update(t for f in entry["fields"] for t in _named(f["types"]))
    return {"version": api["version"], "release_date": api["release_date"],
            "source": "scraped from core.telegram.org/bots/api (api.json)",
            "methods": methods, "types": dict(sorted(types.items()))}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.helpers.bot_api.update_spec path/to/api.json", file=sys.stderr)
        return 2
    api = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    data = subset(api)
    (HERE / "spec.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{data['version']}: {len(data['methods'])} methods, {len(data['types'])} types")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
