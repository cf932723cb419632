"""The limits Telegram states in the Bot API's prose, and the errors it answers with.

Written by hand from core.telegram.org/bots/api (the version in `spec.json`) and from what the
real server answers: lengths count UTF-16 code units after entity parsing; `callback_data` is
1-64 bytes; a language code for the bot's own texts is empty or two letters (ISO 639-1).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

TEXT = 4096
CAPTION = 1024
CALLBACK_DATA = 64
CALLBACK_ANSWER = 200
COMMANDS = 100
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
COMMAND_DESCRIPTION = 256
DESCRIPTION = 512
SHORT_DESCRIPTION = 120
BUTTONS_PER_ROW = 8
BUTTONS = 100
DOCUMENT_BYTES = 50 * 1024 * 1024
PHOTO_BYTES = 10 * 1024 * 1024
PARSE_MODES = frozenset({"HTML", "MarkdownV2", "Markdown"})
# ISO 639-1: every two-letter code (Telegram takes these and nothing longer).
_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de "
    "dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id "
    "ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu "
    "lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu "
    "rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr "
    "ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu")
ISO_639_1 = frozenset(_CODES.split())
# Exactly one of these on an inline button.
BUTTON_ACTIONS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                  "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
                  "callback_game", "pay")


class LimitExceeded(Exception):
    """Its argument is what Telegram says after "Bad Request: "."""


def units(text: str) -> int:
    """Telegram's length: UTF-16 code units (a character outside the BMP, most emoji, counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def check(method: str, params: dict[str, Any]) -> None:
    checker = _CHECKS.get(method)
    if checker is not None:
        checker(params)


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text after entity parsing, or LimitExceeded when its entities do not parse."""
    if parse_mode is None:
        return text
    if parse_mode not in PARSE_MODES:
        raise LimitExceeded(f"unsupported parse_mode \"{parse_mode}\"")
    if parse_mode != "HTML":
        return text  # the bot writes no Markdown; counted as sent
    parser = _Entities()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise LimitExceeded("can't parse entities: can't find end tag corresponding to start tag "
                            f"\"{parser.open[-1]}\"")
    return "".join(parser.text)


def _message_text(params: dict[str, Any]) -> None:
    text = plain_text(str(params.get("text") or ""), params.get("parse_mode"))
    if not text.strip():
        raise LimitExceeded("message text is empty")
    if units(text) > TEXT:
        raise LimitExceeded("message is too long")
    _keyboard(params.get("reply_markup"))


def _caption(params: dict[str, Any]) -> None:
    caption = plain_text(str(params.get("caption") or ""), params.get("parse_mode"))
    if units(caption) > CAPTION:
        raise LimitExceeded("message caption is too long")


def _file(field: str, most: int) -> Any:
    def check(params: dict[str, Any]) -> None:
        _caption(params)
        _keyboard(params.get("reply_markup"))
        upload = params.get(field)
        if hasattr(upload, "file"):
            upload.file.seek(0, 2)
            size = upload.file.tell()
            upload.file.seek(0)
            if size == 0:
                raise LimitExceeded("file must be non-empty")
            if size > most:
                raise LimitExceeded("file is too big")
    return check


def _keyboard(markup: Any) -> None:
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    if sum(len(row) for row in rows) > BUTTONS or any(len(row) > BUTTONS_PER_ROW for row in rows):
        raise LimitExceeded("REPLY_MARKUP_TOO_LONG")
    for row in rows:
        for button in row:
            if not str(button.get("text", "")).strip():
                raise LimitExceeded("BUTTON_TEXT_EMPTY")
            if sum(1 for action in BUTTON_ACTIONS if action in button) != 1:
                raise LimitExceeded("BUTTON_TYPE_INVALID")
            if "callback_data" in button and not 1 <= len(str(button["callback_data"]).encode()) <= CALLBACK_DATA:
                raise LimitExceeded("BUTTON_DATA_INVALID")


def _language(params: dict[str, Any]) -> None:
    code = params.get("language_code") or ""
    if code and code not in ISO_639_1:
        raise LimitExceeded("invalid language code specified")


def _commands(params: dict[str, Any]) -> None:
    _language(params)
    commands = params.get("commands") or []
    if len(commands) > COMMANDS:
        raise LimitExceeded("too many commands specified")
    for command in commands:
        if not COMMAND_NAME.fullmatch(str(command.get("command", ""))):
            raise LimitExceeded("BOT_COMMAND_INVALID")
        if not 1 <= units(str(command.get("description", "")).strip()) <= COMMAND_DESCRIPTION:
            raise LimitExceeded("command description must be non-empty and at most 256 characters")


def _description(most: int) -> Any:
    def check(params: dict[str, Any]) -> None:
        _language(params)
        key = "description" if "description" in params else "short_description"
        if units(str(params.get(key) or "")) > most:
            raise LimitExceeded(f"{key} is too long")
    return check


def _callback_answer(params: dict[str, Any]) -> None:
    if units(str(params.get("text") or "")) > CALLBACK_ANSWER:
        raise LimitExceeded("MESSAGE_TOO_LONG")


def _edit_markup(params: dict[str, Any]) -> None:
    _keyboard(params.get("reply_markup"))


class _Entities(HTMLParser):
    ALLOWED = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
                         "tg-emoji", "code", "pre", "blockquote", "tg-time"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.ALLOWED:
            raise LimitExceeded(f"can't parse entities: unsupported start tag \"{tag}\"")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            raise LimitExceeded(f"can't parse entities: unexpected end tag \"{tag}\"")
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


_CHECKS = {
    "sendMessage": _message_text,
    "editMessageText": _message_text,
    "editMessageReplyMarkup": _edit_markup,
    "sendDocument": _file("document", DOCUMENT_BYTES),
    "sendPhoto": _file("photo", PHOTO_BYTES),
    "setMyCommands": _commands,
    "deleteMyCommands": _language,
    "getMyCommands": _language,
    "setMyDescription": _description(DESCRIPTION),
    "setMyShortDescription": _description(SHORT_DESCRIPTION),
    "answerCallbackQuery": _callback_answer,
}
