"""One user's phone against the stub Bot API: send, tap, and wait for the bot's answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.questionnaire import load
from tests.helpers.bot_api_stub import Call, StoredMessage, StubBotAPI
from tests.helpers.running import Processed

Expect = Callable[[Call], bool]


class Phone:
    def __init__(self, api: StubBotAPI, user_id: int, language_code: str | None = None,
                 processed: Processed | None = None) -> None:
        """With `processed`, each action waits until the bot has handled it completely;
        without (a bot in another process), until the expected call arrives."""
        self.api = api
        self.processed = processed
        self.user = api.user(user_id, language_code)
        self.user_id = user_id

    # -- what the chat shows -----------------------------------------------------------------

    def bot_messages(self) -> list[StoredMessage]:
        return [m for m in self.api.chat(self.user_id) if m.from_bot]

    def last(self) -> StoredMessage:
        return self.bot_messages()[-1]

    def prompt(self) -> StoredMessage:
        """The newest message with buttons: the one a user would tap."""
        with_buttons = [m for m in self.bot_messages() if m.reply_markup]
        assert with_buttons, "the bot has sent no buttons"
        return with_buttons[-1]

    # -- what the bot is expected to do ---------------------------------------------------------

    def sends_prompt(self) -> Expect:
        return lambda c: (c.method == "sendMessage" and int(c.params["chat_id"]) == self.user_id
                          and bool(c.params.get("reply_markup")))

    def sends_message(self) -> Expect:
        return lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == self.user_id

    def says(self, fragment: str, with_buttons: bool = False) -> Expect:
        return lambda c: (c.method == "sendMessage" and int(c.params["chat_id"]) == self.user_id
                          and fragment in str(c.params["text"])
                          and (not with_buttons or bool(c.params.get("reply_markup"))))

    def edits(self, message: StoredMessage) -> Expect:
        return lambda c: (c.method.startswith("editMessage")
                          and int(c.params["message_id"]) == message.message_id)

    def answers_callback(self) -> Expect:
        return lambda c: c.method == "answerCallbackQuery"

    # -- actions ----------------------------------------------------------------------------------

    async def send(self, text: str, expect: Expect | None = None) -> list[StoredMessage]:
        return await self._do(lambda: self.api.send_message(self.user, text), expect)

    async def send_content(self, expect: Expect | None = None, **content: Any) -> list[StoredMessage]:
        return await self._do(lambda: self.api.send_message(self.user, None, **content), expect)

    async def press(self, data: str, message: StoredMessage | None = None,
                    expect: Expect | None = None) -> list[StoredMessage]:
        message = message or self.prompt()
        return await self._do(lambda: self.api.tap(self.user, message, data), expect)

    async def tap(self, match: Callable[[str], bool], message: StoredMessage | None = None,
                  expect: Expect | None = None) -> list[StoredMessage]:
        """Tap the first button of the message whose callback data matches."""
        message = message or self.prompt()
        data = self.button_data(message, match)
        return await self.press(data, message, expect)

    @staticmethod
    def button_data(message: StoredMessage, match: Callable[[str], bool]) -> str:
        for button in message.buttons():
            if match(button["callback_data"]):
                return str(button["callback_data"])
        raise AssertionError(f"no such button in {[b['callback_data'] for b in message.buttons()]}")

    def button_label(self, message: StoredMessage, match: Callable[[str], bool]) -> str:
        for button in message.buttons():
            if match(button["callback_data"]):
                return str(button["text"])
        raise AssertionError("no such button")

    async def _do(self, act: Callable[[], Any], expect: Expect | None) -> list[StoredMessage]:
        since = len(self.api.calls)
        known = {m.message_id for m in self.bot_messages()}
        update_id = await act()
        if self.processed is not None:
            await self.processed.wait(update_id)
        if expect is not None or self.processed is None:
            await self.api.wait_for(expect or self.sends_message(), since=since)
        return [m for m in self.bot_messages() if m.message_id not in known]


def option(question: str, option_id: str) -> Callable[[str], bool]:
    return lambda data: data.split(":")[0] in ("A", "T") and data.endswith(f":{question}:{option_id}")


def role(kind: str, question: str | None = None) -> Callable[[str], bool]:
    return lambda data: data.startswith(f"{kind}:") and (question is None or data.endswith(f":{question}"))


Plan = dict[str, str | list[str] | None]


SUMMARY_TEXTS = [q.id for _s, q in load().questions() if q.at_summary]


def ticked_areas(plan: Plan | dict[str, Any]) -> list[str]:
    """The areas a plan rates a need for (need_<topic> other than "none"): what it ticks first."""
    return [q.removeprefix("need_") for q, v in plan.items()
            if q.startswith("need_") and q.count("_") == 1 and q != "need_areas" and v not in (None, "none")]


async def fill_in(phone: Phone, plan: Plan, first_answer: str) -> StoredMessage:
    """From the first question to the summary: the plan's answers (None skips), the areas it
    rates a need for, the first option (or skip) for anything else. Returns the summary."""
    await phone.send(first_answer)
    typed: set[str] = set()
    for _ in range(100):
        prompt = phone.prompt()
        datas = [b["callback_data"] for b in prompt.buttons()]
        if any(d.startswith("F:") for d in datas):
            offered = [q for q in SUMMARY_TEXTS if isinstance(plan.get(q), str) and q not in typed]
            if not offered:
                return prompt
            typed.add(offered[0])  # a text offered on the summary (at_summary) is typed there
            await phone.send(str(plan[offered[0]]))
            continue
        question = next(d.split(":")[2] for d in datas if d[0] in "ATBSD" and d.count(":") >= 2)
        wanted = plan.get(question, ticked_areas(plan) if question == "need_areas" else ...)
        skip = [d for d in datas if d.startswith("S:")]
        if wanted is None or (wanted is ... and skip):
            assert skip, f"{question} cannot be skipped"
            await phone.press(skip[0])
        elif any(d.startswith("A:") for d in datas):
            value = wanted if isinstance(wanted, str) else next(d.split(":")[3] for d in datas if d[0] == "A")
            await phone.tap(option(question, value))
        elif any(d.startswith("T:") for d in datas):
            ticked = [b["callback_data"].split(":")[3] for b in prompt.buttons()
                      if b["callback_data"].startswith("T:") and b["text"].startswith("☑")]
            first = [next(d.split(":")[3] for d in datas if d[0] == "T")]
            values = wanted if isinstance(wanted, list) else ticked or first  # pre-ticked: as it is
            for value in [v for v in dict.fromkeys([*ticked, *values]) if (v in ticked) != (v in values)]:
                await phone.tap(option(question, value))
            await phone.tap(role("D", question))
        else:
            assert isinstance(wanted, str), f"the plan has no text for {question}"
            await phone.send(wanted)
    raise AssertionError("the questionnaire did not end")


async def onboard(phone: Phone, language: str, *consent: str) -> None:
    """/start, the language, then the consent taps (default: agree, both optional purposes off)."""
    await phone.send("/start")
    await phone.tap(lambda d: d == f"L:{language}")
    for data in consent or ("C:y",):
        await phone.tap(lambda d, data=data: d == data)


async def in_group(bot_api: StubBotAPI, processed: Processed, group: dict[str, Any], user_id: int,
                   text: str) -> int:
    """A command a user sends in a group chat; returns its update id once it was handled."""
    command = text.split()[0]
    update = {"message": {"message_id": 900 + len(bot_api.calls), "date": 0, "chat": group,
                          "from": bot_api.user(user_id, "de"), "text": text,
                          "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}]}}
    update_id = await bot_api.push(update)
    await processed.wait(update_id)
    return update_id
