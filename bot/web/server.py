"""The office's web view: a tornado server (tornado comes with python-telegram-bot's webhooks
extra, and runs in the bot's own event loop) on a port of its own, meant to sit behind the
city's https reverse proxy.

Every response carries a Content-Security-Policy that allows no script at all and styles only
from this server, `no-referrer` (a sign-in link never leaks through a Referer) and `no-store`.
A page needs a session (an `HttpOnly`, `SameSite=Strict` cookie, `Secure` when the address
staff open is https); every form that changes something carries the session's CSRF token and
is refused without it. The handlers only read and call the staff side's services
(`bot.staff.office`, ...): nothing here touches the database itself."""

from __future__ import annotations

import hmac
import logging
from pathlib import Path
from typing import Any

from babel import negotiate_locale
from jinja2 import Environment, FileSystemLoader, select_autoescape
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, HTTPError, RequestHandler, StaticFileHandler

from bot.kernel.settings import Settings
from bot.questionnaire.staff_voice import StaffVoice, staff_voice
from bot.services import Services
from bot.staff.office import OfficeSession

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
COOKIE = "office_session"
LANGUAGES = ("de", "en")  # the staff catalogs'
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")


class Office:
    """What every handler shares: the services, a template environment and voice per language."""

    def __init__(self, services: Services, settings: Settings) -> None:
        self.services = services
        self.settings = settings
        self.secure = settings.office_url().startswith("https://")
        self.voices: dict[str, StaffVoice] = {}
        self.templates: dict[str, Environment] = {}
        for code in LANGUAGES:
            voice = staff_voice(settings, services.engine, code)
            environment = Environment(loader=FileSystemLoader(HERE / "templates"),
                                      autoescape=select_autoescape(default=True), extensions=["jinja2.ext.i18n"])
            environment.install_gettext_callables(voice.t.gettext, voice.t.ngettext, newstyle=True)  # type: ignore[attr-defined]
            environment.globals.update(language=code, n=voice.n)
            self.voices[code], self.templates[code] = voice, environment


class Page(RequestHandler):
    """A page of the web view: language, security headers, the session, rendering."""

    office: Office
    session: OfficeSession | None = None

    def initialize(self, office: Office) -> None:  # tornado's hook
        self.office = office

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Cache-Control", "no-store")

    @property
    def language(self) -> str:
        wanted = [part.split(";")[0].strip().replace("-", "_")
                  for part in self.request.headers.get("Accept-Language", "").split(",") if part.strip()]
        found = negotiate_locale(wanted, LANGUAGES, sep="_") if wanted else None
        fallback = self.office.settings.staff_language
        return found or (fallback if fallback in LANGUAGES else "de")

    @property
    def voice(self) -> StaffVoice:
        return self.office.voices[self.language]

    async def prepare(self) -> None:
        """Every page but the sign-in needs a live session; every POST its CSRF token."""
        if getattr(self, "public", False):
            return
        self.session = await self.office.services.staff.office.session(self.get_cookie(COOKIE))
        if self.session is None:
            self.refuse(401, "signed_out")
            return
        if self.request.method == "POST":
            given = self.get_body_argument("csrf", "")
            if not hmac.compare_digest(given.encode(), self.session.csrf.encode()):
                log.warning("a form without its CSRF token was refused (staff %s)", self.session.staff_id)
                self.refuse(403, "csrf")

    def refuse(self, status: int, reason: str) -> None:
        self.set_status(status)
        self.finish(self.page("refused.html", reason=reason))

    def page(self, template: str, **values: Any) -> str:
        environment = self.office.templates[self.language]
        values.setdefault("csrf", self.session.csrf if self.session else "")
        values.setdefault("signed_in", self.session is not None)
        values.setdefault("path", self.request.path)
        return environment.get_template(template).render(v=self.voice, **values)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(self.page("refused.html", reason="not_found" if status_code == 404 else "error"))


class _Static(StaticFileHandler):
    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")


class OfficeServer:
    def __init__(self, services: Services, settings: Settings, port: int | None = None) -> None:
        """`port`: where to listen instead of MSOBOT_WEB_PORT (0: any free port, for tests)."""
        from bot.web.pages import ROUTES  # the pages import Page from here

        self.settings = settings
        self.office = Office(services, settings)
        self.app = Application(
            [(pattern, handler, {"office": self.office}) for pattern, handler in ROUTES]
            + [(r"/static/(.*)", _Static, {"path": str(HERE / "static")})],
            log_function=lambda _handler: None,  # paths name associations: no access log of them here
            default_handler_class=_NotFound, default_handler_args={"office": self.office})
        self.server: HTTPServer | None = None
        self.port = settings.web_port if port is None else port

    async def start(self) -> None:
        self.server = HTTPServer(self.app, xheaders=True, max_body_size=256 * 1024, idle_connection_timeout=60,
                                 body_timeout=10)
        sockets = bind_sockets(self.port, self.settings.web_listen)
        self.server.add_sockets(sockets)
        self.port = int(sockets[0].getsockname()[1])
        log.info("office web view on %s:%s (%s)", self.settings.web_listen, self.port, self.settings.office_url())

    async def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            await self.server.close_all_connections()
            self.server = None


class _NotFound(Page):
    public = True

    def prepare(self) -> None:  # type: ignore[override]
        raise HTTPError(404)
