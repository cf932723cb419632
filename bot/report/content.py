"""The report's first half in the staff language: the summary for council members, the method,
the associations, and their needs by area, level, district and community.

Every figure comes from `Tables` (protected); a hidden one reads SUPPRESSED and each table says
why. Texts are English source strings of the `staff` catalog (German for the office)."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date

from bot.partners.disclosure import THRESHOLD, rounded
from bot.questionnaire.staff_voice import StaffVoice
from bot.report.charts import ChartSpec
from bot.report.data import ReportData
from bot.report.model import SUPPRESSED, Chart, Report, Section, Table
from bot.report.tables import Column, Grid, Tables

SUMMARY_NEEDS = 3
RANKED_DETAILS = 15


class Writer:
    """Words one report; `offers.py` adds the second half (change, free text, offers)."""

    def __init__(self, v: StaffVoice, data: ReportData, tables: Tables) -> None:
        self.voice = v
        self._ = v.t.gettext
        self.data = data
        self.t = tables

    def cell(self, value: int | None) -> str:
        return SUPPRESSED if value is None else self.voice.n(value)

    def said(self, value: int | None) -> str:
        """A figure in a chart's words (its alt text): a hidden one said, not a lone full stop
        (a sentence ending in one ended in two, and a screen reader reads "dot")."""
        return self._("not shown") if value is None else self.voice.n(value)

    def count(self, n: int) -> str:
        """One count of associations on its own, protected like a table's cell."""
        return self.cell(rounded(n) if n >= THRESHOLD else None)

    def date(self, value: datetime) -> str:
        return format_date(value.astimezone(self.voice.tz), "long", locale=self.voice.t.locale)

    def note(self) -> str:
        return self._("“.”: not shown, to protect small numbers (fewer than 3 associations, or a figure from "
                      "which a hidden one could be worked out). All counts of associations are rounded to "
                      "multiples of 5, totals included.")

    def column_table(self, caption: str, heading: str, found: Column, label: dict[str, str] | None = None,
                     total: bool = True) -> Table:
        _ = self._
        rows = [[(label or {}).get(k, k), self.cell(n)] for k, n in found.cells.items()]
        if total:
            rows.append([_("Total"), self.cell(found.total)])
        return Table(caption, [heading, _("Associations")], rows, self.note())

    def grid_table(self, caption: str, heading: str, found: Grid, rows: dict[str, str],
                   columns: dict[str, str], total: str | None = None) -> Table:
        header = [heading, *(columns.get(c, c) for c in found.columns)] + ([total] if total else [])
        body = [[rows.get(r, r), *(self.cell(found.cells[(r, c)]) for c in found.columns)]
                + ([self.cell(found.row_totals[r])] if total else []) for r in found.rows]
        return Table(caption, header, body, self.note())

    def topics(self) -> dict[str, str]:
        return {t: self.voice.topic(t) for t in self.t.topics}

    def options(self, question_id: str) -> dict[str, str]:
        return {o: self.voice.option(o) for o in self.t.options(question_id)}

    def period(self) -> str:
        return self._("{start} to {end}").format(start=self.date(self.data.period_start),
                                                 end=self.date(self.data.period_end))

    # The sections
    def title(self, generated: datetime) -> Report:
        _, d = self._, self.data
        scope = (_("Survey round “{name}”").format(name=d.scope_label) if d.invited is not None
                 else d.scope_label or _("All answers"))
        return Report(title=_("The needs of migrant self-organisations in Wuppertal"),
                      subtitle=f"{scope} · {self.period()}",
                      generated=_("Generated on {date}").format(date=self.date(generated)),
                      data_time=d.data_time, language=self.voice.t.code,
                      contents_title=_("Contents"), page_label=_("Page {page} of {pages}"))

    def summary(self) -> Section:
        _, v, d, t = self._, self.voice, self.data, self.t
        s = Section("summary", _("Summary for the council"))
        s.say(_("The city's integration office (Ressort Zuwanderung und Integration) surveys the needs of the "
                "migrant self-organisations (MSOs) systematically and answers them together with the other "
                "organisations in integration work, funded through KOMM-IN NRW. This report sums up what the "
                "associations said in the period {period}.").format(period=self.period()))
        completed = t.completed().total
        s.say(_("About {count} associations completed the questionnaire.").format(count=self.cell(completed)), "li")
        if d.invited is not None:
            s.say(_("About {count} associations with earlier answers were invited to answer again.").format(
                count=self.count(d.invited)), "li")
        ranked = sorted(((n, topic) for topic, n in t.big_needs().cells.items() if n), key=lambda x: -x[0])
        if ranked:
            s.say(_("The needs named most often as considerable or urgent: {needs}.").format(
                needs=", ".join(f"{v.topic(topic)} ({v.n(n)})" for n, topic in ranked[:SUMMARY_NEEDS])), "li")
        uncovered = t.uncovered()
        if uncovered:
            s.say(_("Needs no offer answers yet: {needs}.").format(
                needs=", ".join(v.topic(topic) for topic, _n in uncovered)), "li")
        places = sum(w.capacity or 0 for w in d.workshops)
        s.say(_("{workshops} workshops with {places} places were offered in the period and the weeks after "
                "it.").format(workshops=v.n(len(d.workshops)), places=v.n(places)), "li")
        if d.previous is not None:
            s.say(_("Against the previous round “{name}”, see the section on change.").format(
                name=d.previous_label or ""), "li")
        s.say(_("All figures protect small numbers: nothing below three associations is shown, and counts are "
                "rounded to multiples of five. Recommendations are in the last section."))
        return s

    def method(self) -> Section:
        _, v, d, t = self._, self.voice, self.data, self.t
        s = Section("method", _("Method"))
        s.say(_("Who was asked: the migrant self-organisations in Wuppertal. They answered in a Telegram chat "
                "with the office's bot, on their phones, step by step, in their own language; they could go "
                "back, skip questions and resume later. Every answer was stored when given."))
        s.say(_("How: for each area of support the association rated its need (no need, some, considerable, "
                "urgent) and, where it was considerable or urgent, said what exactly it needs."))
        if d.invited is not None:
            s.say(_("Invited: the associations with a completed questionnaire when the round opened got one "
                    "invitation in their language; associations that joined during the round belong to it."))
        s.say(_("Languages used: {count}.").format(count=v.n(len(d.started))))
        started, completed = t.started(), t.completed()
        rows = [[v.language(code), self.cell(started.cells[code]), self.cell(completed.cells[code])]
                for code in started.cells]
        rows.append([_("Total"), self.cell(started.total), self.cell(completed.total)])
        if d.invited is not None:
            rows.insert(0, [_("Invited"), self.count(d.invited), ""])
        s.blocks.append(Table(_("Response by language"), [_("Language"), _("Started"), _("Completed")], rows,
                              self.note()))
        return s

    def associations(self) -> Section:
        _, t = self._, self.t
        s = Section("associations", _("The associations"))
        s.say(_("Who answered: counts of associations with a completed questionnaire."))
        district = t.matching.district or "district"
        s.blocks.append(self.column_table(_("By city district"), _("City district"), t.single(district),
                                          self.options(district)))
        s.blocks.append(self.column_table(_("By community (several possible)"), _("Community"),
                                          t.multi("communities"), self.options("communities")))
        s.blocks.append(self.column_table(_("By size (members)"), _("Members"), t.single("members"),
                                          self.options("members")))
        s.blocks.append(self.column_table(_("By legal status"), _("Legal status"), t.single("status"),
                                          self.options("status")))
        years = {band: _("{band} years").format(band=band) for band in t.ages().cells}
        s.blocks.append(self.column_table(_("By age of the association"), _("Age"), t.ages(), years))
        return s

    def needs(self) -> Section:
        _, v, t = self._, self.voice, self.t
        s = Section("needs", _("Needs by area and level"))
        found = t.needs()
        levels = {level: v.option(level) for level in t.levels}
        s.blocks.append(self.grid_table(_("Associations by area and level of need"), _("Area"), found,
                                        self.topics(), levels, _("Answered")))
        s.blocks.append(Chart(ChartSpec(
            title=_("Needs by area and level"), labels=[v.topic(x) for x in found.rows],
            series=[(levels[level], [found.cells[(x, level)] or 0 for x in found.rows]) for level in found.columns],
            axis=_("Associations (rounded to 5)"), stacked=True,
            alt=_("Stacked bars, one per area, split by level of need: {figures}.").format(figures="; ".join(
                f"{v.topic(x)}: " + ", ".join(f"{levels[lv]} {self.said(found.cells[(x, lv)])}"
                                              for lv in found.columns) for x in found.rows)))))
        ranked = t.ranked_details()[:RANKED_DETAILS]
        s.say(_("What exactly: the details named by associations with a considerable or urgent need, most "
                "often named first."), "h")
        rows = [[v.n(i), v.topic(topic), v.option(detail), v.n(n)]
                for i, (topic, detail, n) in enumerate(ranked, 1)]
        s.blocks.append(Table(_("What exactly, ranked"), [_("Rank"), _("Area"), _("Detail"), _("Associations")],
                              rows, self.note()))
        return s

    def places(self) -> Section:
        _, t = self._, self.t
        s = Section("districts", _("Needs by district and community"))
        district = t.matching.district or "district"
        names = self.options(district)
        shown = t.any_big_by_district()
        s.blocks.append(Chart(ChartSpec(
            title=_("Associations with at least one considerable or urgent need, by city district"),
            labels=[names[k] for k in shown.cells],
            series=[(_("Associations"), [n or 0 for n in shown.cells.values()])],
            axis=_("Associations (rounded to 5)"),
            alt=_("Bar chart by city district: {figures}.").format(figures="; ".join(
                f"{names[k]} {self.said(n)}" for k, n in shown.cells.items())))))
        s.blocks.append(self.grid_table(_("Considerable or urgent needs by city district and area"),
                                        _("City district"), t.by(district), names, self.topics()))
        s.blocks.append(self.grid_table(_("Considerable or urgent needs by community and area"), _("Community"),
                                        t.by("communities"), self.options("communities"), self.topics()))
        s.say(_("Small cells are not shown: a district or community with few associations would otherwise "
                "point at one of them."))
        return s
