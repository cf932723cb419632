"""The pages of the office's web view: sign-in and out, the overview, the associations table,
one association's page. Each handler reads its arguments, calls the staff side's services and
renders a template; the domain decides everything else."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tornado.web import HTTPError

from bot.digest.chart import chart_spec
from bot.staff.office import PAGE_SIZE, AssociationFilter
from bot.web.server import COOKIE, Page

FILTERS = ("name", "district", "community", "topic", "level", "progress", "consent")


class SignIn(Page):
    """GET shows a button (a link preview or a virus scanner opening the link uses nothing up);
    POST takes the link, once."""

    public = True

    def get(self, token: str) -> None:
        self.write(self.page("signin.html", token=token))

    async def post(self, token: str) -> None:
        signed = await self.office.services.staff.office.sign_in(token)
        if signed is None:
            self.refuse(403, "link")
            return
        cookie, self.session = signed
        self.set_cookie(COOKIE, cookie, httponly=True, samesite="Strict", secure=self.office.secure, path="/")
        self.redirect("/", status=303)


class SignOut(Page):
    async def post(self) -> None:
        await self.office.services.staff.office.sign_out(self.get_cookie(COOKIE) or "")
        self.clear_cookie(COOKIE, path="/")
        self.session = None
        self.write(self.page("refused.html", reason="signed_out_now"))


class Overview(Page):
    async def get(self) -> None:
        services = self.office.services
        figures = await services.staff.desk.overview(services.store.now())
        chart = chart_spec(self.voice, figures)
        tasks = await services.staff.actions.tasks()
        self.write(self.page("overview.html", f=figures, chart=chart, tasks=tasks))


class Associations(Page):
    async def get(self) -> None:
        chosen = {name: self.get_query_argument(name, "").strip()[:100] for name in FILTERS}
        page = self._page()
        desk = self.office.services.staff.desk
        count, rows = await desk.associations(AssociationFilter(**chosen), page)
        context = self.office.services.staff.context
        options: dict[str, list[tuple[str, str]]] = {
            "district": context.districts(), "community": self._communities(), "topic": context.topics(),
            "level": self._levels(),
        }
        pages = max(1, -(-count // PAGE_SIZE))
        self.write(self.page("associations.html", rows=rows, count=count, chosen=chosen, options=options,
                             page=min(page, pages), pages=pages, query=self._query(chosen)))

    def _page(self) -> int:
        value = self.get_query_argument("page", "1")
        return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1

    def _communities(self) -> list[tuple[str, str]]:
        engine, v = self.office.services.engine, self.voice
        question = engine.question("communities")
        return [(o.id, v.questions.gettext(o.label)) for o in engine.choices(question)] if question else []

    def _levels(self) -> list[tuple[str, str]]:
        matching = self.office.services.engine.questionnaire.matching
        return [(level, self.voice.option(level)) for level in (matching.intensity if matching else {})]

    @staticmethod
    def _query(chosen: dict[str, str]) -> str:
        return urlencode({k: v for k, v in chosen.items() if v})


class Association(Page):
    async def get(self, user_id: str) -> None:
        await self.show(int(user_id), [])

    async def show(self, user_id: int, notes: list[str], status: int = 200) -> None:
        assert self.session is not None
        staff = self.office.services.staff
        found = await staff.desk.association(self.session.staff_id, user_id, self.voice)
        if found is None:
            raise HTTPError(404)
        tasks = await staff.actions.tasks(user_id)
        self.set_status(status)
        self.write(self.page("association.html", a=found, tasks=tasks, notes=notes))


class Write(Association):
    """A message from the office to the association (German or English), through the outbox."""

    async def post(self, user_id: str) -> None:
        assert self.session is not None
        text, language = self.get_body_argument("text", ""), self.get_body_argument("language", "de")
        sent = await self.office.services.staff.actions.write(self.session.staff_id, int(user_id), text, language)
        _ = self.voice.t.gettext
        notes = [_("Your message is on its way to the association.")] if sent else [
            _("The message was not sent: please write 1 to 2,000 characters (the association may have deleted its "
              "data).")]
        await self.show(int(user_id), notes, 200 if sent else 422)


class Tasks(Page):
    async def get(self) -> None:
        await self.show([])

    async def post(self) -> None:
        assert self.session is not None
        task = self.get_body_argument("task", "")
        if not task.isdigit():
            raise HTTPError(400)
        take = self.get_body_argument("do", "") == "take"
        changed = await self.office.services.staff.actions.close_task(self.session.staff_id, int(task), take=take)
        _ = self.voice.t.gettext
        note = (_("You took the task.") if take else _("The task is done.")) if changed else \
            _("This task was closed already.")
        back = self.get_body_argument("back", "")
        if back.isdigit():  # from an association's page: back there
            self.redirect(f"/associations/{back}", status=303)
            return
        await self.show([note])

    async def show(self, notes: list[str]) -> None:
        tasks = await self.office.services.staff.actions.tasks()
        self.write(self.page("tasks.html", tasks=tasks, notes=notes))




class Catalog(Page):
    """The catalog: upcoming workshops, the form that adds one, partners and their contacts."""

    async def get(self) -> None:
        await self.show([])

    async def post(self) -> None:
        assert self.session is not None
        actions = self.office.services.staff.actions
        cancel = self.get_body_argument("cancel", "")
        if cancel:
            await self.show(await actions.cancel_workshop(self.session.staff_id, cancel[:64]))
            return
        form = {name: [v.decode("utf-8", "replace") for v in values]
                for name, values in self.request.body_arguments.items() if name != "csrf"}
        saved, notes = await actions.save_workshop(self.session.staff_id, form)
        if saved:
            notes = [*notes, self.voice.t.gettext("Saved. It goes out to the associations it fits.")]
        await self.show(notes, form={} if saved else form, status=200 if saved else 422)

    async def show(self, notes: list[str], form: dict[str, list[str]] | None = None, status: int = 200,
                   editing: str | None = None) -> None:
        services = self.office.services
        context = services.staff.context
        workshops = await context.catalog.workshops(upcoming_after=services.store.now())
        partners = await context.catalog.partners()
        contacts = await services.partners.data.contacts()
        self.set_status(status)
        self.write(self.page("catalog.html", workshops=workshops, partners=partners, contacts=contacts,
                             notes=notes, form=form or {}, topics=context.topics(), districts=context.districts(),
                             languages=context.languages(), tz=self.voice.tz, editing=editing))


class ChangeWorkshop(Catalog):
    """One workshop's form, filled in: saved under the same id (its reminders move with it)."""

    async def get(self, workshop_id: str) -> None:  # type: ignore[override]
        form = await self.office.services.staff.actions.form_of(workshop_id)
        if form is None:
            raise HTTPError(404)
        await self.show([], form=form, editing=workshop_id)

    async def post(self, workshop_id: str) -> None:  # type: ignore[override]
        assert self.session is not None
        form = {name: [v.decode("utf-8", "replace") for v in values]
                for name, values in self.request.body_arguments.items() if name != "csrf"}
        saved, notes = await self.office.services.staff.actions.save_workshop(self.session.staff_id, form,
                                                                               workshop_id)
        if saved:
            self.redirect("/catalog", status=303)
            return
        await self.show(notes, form=form, status=422, editing=workshop_id)


class Proposals(Page):
    async def get(self) -> None:
        await self.show([])

    async def post(self) -> None:
        assert self.session is not None
        actions = self.office.services.staff.actions
        proposal = self.get_body_argument("proposal", "")
        if not proposal.isdigit():
            raise HTTPError(400)
        if self.get_body_argument("decision", "") == "approve":
            notes = await actions.approve(self.session.staff_id, int(proposal))
        else:
            notes = await actions.reject(self.session.staff_id, int(proposal), self.get_body_argument("reason", ""))
        await self.show(notes)

    async def show(self, notes: list[str]) -> None:
        pending = await self.office.services.staff.actions.proposals()
        self.write(self.page("proposals.html", proposals=pending, notes=notes))


class Exports(Page):
    async def get(self) -> None:
        self.write(self.page("exports.html"))


class ExportFile(Page):
    async def get(self, kind: str) -> None:
        assert self.session is not None
        services = self.office.services
        made = await services.staff.actions.export(self.session.staff_id)
        document = next(d for d in made.documents(self.voice, services.store.now()) if d.filename.endswith(kind))
        self.set_header("Content-Type", document.mime_type)
        self.set_header("Content-Disposition", f'attachment; filename="{document.filename}"')
        self.write(document.content)


ROUTES: list[tuple[str, Any]] = [
    (r"/signin/([A-Za-z0-9_-]{1,64})", SignIn),
    (r"/signout", SignOut),
    (r"/", Overview),
    (r"/associations", Associations),
    (r"/associations/([0-9]{1,20})", Association),
    (r"/associations/([0-9]{1,20})/message", Write),
    (r"/tasks", Tasks),
    (r"/catalog", Catalog),
    (r"/catalog/([A-Za-z0-9_-]{1,64})", ChangeWorkshop),
    (r"/proposals", Proposals),
    (r"/exports", Exports),
    (r"/exports/submissions\.(csv|xlsx)", ExportFile),
]
