"""`msobot chat --as staff` and `--as partner awo` (issue 28): the other sides in a terminal,
routed through the same table as Telegram; staff get the web view in the same process."""

from __future__ import annotations

import asyncio
import io
import os
import re
import sys
from pathlib import Path

import aiohttp

from bot.cli.console_roles import role_for_console
from bot.console import ConsoleChat
from bot.kernel.routes import Role
from bot.kernel.settings import Settings
from bot.services import open_services
from tests.helpers.office import add_partner, free_port


async def chat(settings: Settings, as_role: list[str], typed: str) -> str:
    services = await open_services(settings)
    try:
        await add_partner(services)
        chosen = await role_for_console(services, as_role, 1)
        assert not isinstance(chosen, str), chosen
        role, user_id = chosen
        out = io.StringIO()
        await ConsoleChat(services, user_id=user_id, role=role, stdin=io.StringIO(typed), stdout=out).run()
        return out.getvalue()
    finally:
        await services.close()


async def test_as_staff_the_staff_commands_answer_and_the_questionnaire_waits(settings: Settings) -> None:
    shown = await chat(settings.model_copy(update={"web_port": 8081}), ["staff"], "/msos\n/office\n/quit\n")
    assert "/office" in shown and "Fragebogen ausprobieren" in shown  # the staff welcome, not the language picker
    assert "Vereine (0)" in shown  # /msos
    assert re.search(r"http://127\.0\.0\.1:8081/signin/[A-Za-z0-9_-]{22}", shown)


async def test_as_partner_needs_myworkshops_and_a_proposal_start(settings: Settings) -> None:
    shown = await chat(settings, ["partner", "awo"], "/needs\n/myworkshops\n/workshop\n/cancel\n/quit\n")
    assert "Es sind noch keine Zahlen veröffentlicht" in shown  # /needs before any publication
    assert "Im Katalog steht kein anstehender Workshop Ihrer Einrichtung" in shown  # /myworkshops
    assert "Neuer Workshop (1/11)" in shown and "Abgebrochen" in shown
    assert "Vereine (" not in shown


async def test_an_unknown_partner_is_named(settings: Settings) -> None:
    services = await open_services(settings)
    try:
        assert "no partner organisation 'caritas'" in str(await role_for_console(services, ["partner", "caritas"], 1))
        assert await role_for_console(services, [], 5) == (Role.ASSOCIATION, 5)
    finally:
        await services.close()


async def test_msobot_chat_as_staff_serves_the_web_view_so_the_link_opens(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
    env.update(MSOBOT_DATABASE=str(tmp_path / "db.sqlite3"), MSOBOT_WEB_PORT=str(port))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "chat", "--as", "staff", env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(b"/office\n")
        await process.stdin.drain()
        link = None
        while link is None:
            line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
            assert line, "the console ended before it printed the link"
            link = re.search(r"http://\S+/signin/\S+", line)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http, \
                http.post(link.group(0)) as signed:
            assert signed.status == 200 and "Übersicht" in await signed.text()
        process.stdin.write(b"/quit\n")
        await process.stdin.drain()
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
