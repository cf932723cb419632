"""The office's web view in the gallery (issue 30): the real tornado server on the gallery's
database, opened by a staff member with the sign-in link of /office, every page read over HTTP
in the staff language, every form sent once right and once wrong, and each refusal met. A page
is kept as the text a browser shows of it (with the labels of its links, buttons and fields),
in reading order."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from bot.kernel.actions import Kind
from bot.review.stage import Stage
from bot.survey.turns import Visitor
from bot.web.server import OfficeServer

# Where a line ends when a browser lays the page out.
_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "li", "tr", "table", "section", "header", "main", "nav",
                     "form", "fieldset", "legend", "dl", "dt", "dd", "br", "ul", "ol", "caption", "figure",
                     "figcaption", "label", "title", "textarea", "select", "option", "button"})
_SKIPPED = frozenset({"style", "script"})
_SIGN_IN = re.compile(r"/signin/[A-Za-z0-9_-]+")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_ASSOCIATION = re.compile(r'href="/associations/([0-9]+)"')
_WORKSHOP = re.compile(r'href="/catalog/([A-Za-z0-9_-]+)"')
_PROPOSAL = re.compile(r'name="proposal" value="([0-9]+)"')
_TASK = re.compile(r'name="task" value="([0-9]+)"')
_CANCEL = re.compile(r'name="cancel" value="([A-Za-z0-9_-]+)"')


class _Reader(HTMLParser):
    """The words of a page as a reader meets them, labels of controls included."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        if tag in _BLOCKS:
            self.lines.append("")
        elif tag in ("td", "th") and self.lines[-1].strip():
            self._add(" | ")
        values = dict(attrs)
        for name in ("aria-label", "alt", "placeholder", "title"):
            if values.get(name):
                self._add(f"[{values[name]}] ")
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self._add(f"[{values['value']}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        if tag in _BLOCKS:
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._add(data)

    def _add(self, text: str) -> None:
        self.lines[-1] += text

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in self.lines)
        return "\n".join(line for line in lines if line)


def page_text(html: str) -> str:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.text()


class Browser:
    """A staff member's browser on the web view, in the staff language: tornado's own HTTP
    client (the bot's dependency), keeping the session cookie and following redirects."""

    def __init__(self, s: Stage, url: str) -> None:
        self.s, self.url = s, url
        self.client = AsyncHTTPClient(force_instance=True)
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    async def open(self, path: str, title: str, keep: bool = True) -> str:
        status, body = await self.fetch("GET", path)
        return self._seen(body.decode("utf-8"), f"{title} ({path}, HTTP {status})", keep)

    async def send(self, path: str, form: dict[str, Any], title: str, csrf: bool = True, keep: bool = True) -> str:
        fields = [("csrf", self.csrf)] if csrf else []
        fields += [(name, str(one)) for name, value in form.items()
                   for one in (value if isinstance(value, list) else [value])]
        status, body = await self.fetch("POST", path, urlencode(fields))
        return self._seen(body.decode("utf-8"), f"{title} (sent to {path}, HTTP {status})", keep)

    async def fetch(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Accept-Language": self.s.language}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        request = HTTPRequest(self.url + path, method=method, headers=headers, body=body, follow_redirects=False)
        response = await self.client.fetch(request, raise_error=False)
        for header in response.headers.get_list("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:  # cleared: signed out
                    self.cookies.pop(name, None)
        location = response.headers.get("Location")
        if response.code in (301, 302, 303) and location:
            return await self.fetch("GET", location)
        return response.code, response.body or b""

    def close(self) -> None:
        self.client.close()

    def _seen(self, html: str, title: str, keep: bool) -> str:
        found = _CSRF.search(html)
        if found:
            self.csrf = found.group(1)
        if keep:
            self.s.keep("web", f"the web view: {title}", page_text(html))
        return html


async def desk(s: Stage, staff_id: int, link: str | None = None, write_to: int | None = None,
               only: str | None = None) -> None:
    """Every page of the web view, its forms' answers and its refusals; `link`: the sign-in link
    (by default the one /office gives); `write_to`: the association the office writes to (by
    default the first listed); `only`: that page alone, after signing in."""
    server = OfficeServer(s.services, s.services.settings, port=0)
    await server.start()
    browser = Browser(s, f"http://127.0.0.1:{server.port}")
    try:
        given = _SIGN_IN.search(link or "")
        link = given.group(0) if given else await _link(s, staff_id)
        if only is None:
            await _pages(s, browser, link, write_to)
        else:
            await browser.send(link, {}, "after “Sign in”", csrf=False, keep=False)
            await browser.open(only, "a page")
    finally:
        browser.close()
        await server.stop()


async def _link(s: Stage, staff_id: int) -> str:
    out = await s.services.staff.command(Visitor(staff_id, s.language), staff_id, "office")
    found = _SIGN_IN.search(out.messages[0].text) if out.messages else None
    if found is None:
        raise LookupError("/office gave no sign-in link")
    s.keep("staff", "/office: a sign-in link to the web view", out.messages[0])
    return found.group(0)


PAGES_AT_MOST = 10  # associations' pages opened
WORKSHOP = {"title": "Buchhaltung für Vereine", "start": "T18:00", "end": "T20:00", "place": "online",
            "registration": "https://example.org/kurs", "capacity": "", "cost": "0"}


async def _pages(s: Stage, b: Browser, link: str, write_to: int | None) -> None:
    await b.open("/", "a page opened without signing in")
    await b.open(link, "the sign-in link opened: one button")
    await b.send(link, {}, "after “Sign in”: the overview", csrf=False)
    await b.send(link, {}, "the same sign-in link used again", csrf=False)
    listing = await b.open("/associations", "the associations")
    await b.open("/associations?name=zzz&progress=completed&consent=networking",
                 "the associations, filtered so that none is left")
    if 'rel="next"' in listing:
        await b.open("/associations?page=2", "the associations, the second page")
    for user_id in list(dict.fromkeys(_ASSOCIATION.findall(listing)))[:PAGES_AT_MOST]:
        await b.open(f"/associations/{user_id}", "an association's page")
    first = str(write_to) if write_to is not None else next(iter(_ASSOCIATION.findall(listing)), None)
    if first is not None:
        path = f"/associations/{first}/message"
        await b.send(path, {"text": "", "language": "de"}, "a message to the association left empty")
        await b.send(path, {"text": "Guten Tag! Können Sie uns kurz zurückrufen?", "language": "de"},
                     "a message to the association sent")
        if await _reply(s, int(first)):
            await b.open(f"/associations/{first}", "an association's page with its reply")
    tasks = await b.open("/tasks", "the office's open tasks")
    found = _TASK.findall(tasks)
    if found:
        await b.send("/tasks", {"task": found[0], "do": "take"}, "after “Take it”")
        await b.send("/tasks", {"task": found[0], "do": "done"}, "after “Mark as done”")
        await b.send("/tasks", {"task": found[0], "do": "done"}, "a task someone closed already")
    await b.send("/tasks", {"task": "x", "do": "done"}, "a form the server cannot read: the error page")
    await b.send("/tasks", {"task": "1", "do": "done"}, "a form without its security token", csrf=False)
    catalog = await b.open("/catalog", "the catalog: upcoming workshops, adding one, partners and contacts")
    day = (s.clock.now + timedelta(days=20)).date().isoformat()
    form = {**WORKSHOP, "start": day + WORKSHOP["start"], "end": day + WORKSHOP["end"]}
    topics = re.findall(r'name="topics" value="([^"]+)"', catalog)[:1]
    languages = re.findall(r'name="languages" value="([^"]+)"', catalog)[:1]
    providers = re.findall(r'<option value="([^"]+)"', catalog.split('name="provider"', 1)[-1])[:1]
    await b.send("/catalog", {"title": "x", "start": "morgen"}, "adding a workshop with mistakes")
    await b.send("/catalog", {**form, "topics": topics, "languages": languages, "provider": "nobody"},
                 "adding a workshop without an organisation that offers it")
    await b.send("/catalog", {**form, "topics": topics, "languages": languages, "provider": providers,
                              "place": "", "address": "Neumarkt 10, 42103 Wuppertal"},
                 "adding a workshop in person without its district")
    await b.send("/catalog", {**form, "topics": topics, "languages": languages, "provider": providers},
                 "adding a workshop")
    catalog = await b.open("/catalog", "the catalog with the workshop added", keep=False)
    workshop = next(iter(_WORKSHOP.findall(catalog)), None)
    if workshop is not None:
        await b.open(f"/catalog/{workshop}", "changing a workshop")
        await b.send(f"/catalog/{workshop}", {"title": ""}, "changing a workshop, with mistakes")
    cancel = next(iter(_CANCEL.findall(catalog)), None)
    if cancel is not None:
        await b.send("/catalog", {"cancel": cancel}, "after “Cancel and tell those interested”")
        await b.send("/catalog", {"cancel": cancel}, "cancelling a workshop cancelled already")
    proposals = await b.open("/proposals", "workshops proposed by partner organisations")
    waiting = _PROPOSAL.findall(proposals)
    if waiting:
        await b.send("/proposals", {"proposal": waiting[0], "decision": "approve"}, "after approving a proposal")
    if len(waiting) > 1:
        await b.send("/proposals", {"proposal": waiting[1], "decision": "reject", "reason": ""},
                     "rejecting a proposal without a reason")
        await b.send("/proposals", {"proposal": waiting[1], "decision": "reject",
                                    "reason": "Das Thema ist schon belegt."}, "after rejecting a proposal")
    await b.open("/exports", "the exports")
    _status, csv = await b.fetch("GET", "/exports/submissions.csv")
    s.keep("file", "the web view's download: the submissions as CSV", csv.decode("utf-8-sig")[:3000])
    _status, xlsx = await b.fetch("GET", "/exports/submissions.xlsx")
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        sheets = re.findall(r'<sheet [^>]*name="([^"]+)"', book.read("xl/workbook.xml").decode("utf-8"))
    s.keep("file", "the web view's download: the submissions as an Excel file (its sheets)", "\n".join(sheets))
    await b.open("/nowhere", "an address that is no page")
    await b.send("/signout", {}, "after “Sign out”")
    await b.open("/", "a page after signing out")


async def _reply(s: Stage, user_id: int) -> bool:
    """The association answers the office's message (its screens are the associations' gallery's)."""
    for parcel in await s.delivered(user_id):
        found = [b for row in (parcel.screen.buttons if parcel.screen else []) for b in row if b.role is Kind.OFFICE]
        if found:
            await s.survey.press(s.visitor(user_id), found[0].action)
            await s.survey.text(s.visitor(user_id), "Danke, wir rufen morgen an.")
            return True
    return False
