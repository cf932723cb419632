"""The report's second half: change against the previous round, "something else" and the
free-text themes (recurring words, never a quotation), what was offered, the needs no offer
answers yet with the partners working on each, and the office's recommendations."""

from __future__ import annotations

import re

from bot.report.charts import ChartSpec
from bot.report.content import Writer
from bot.report.model import Chart, Section, Table

OUTCOMES = ("accepted", "declined", "pending", "withdrawn")


class Offers:
    def __init__(self, writer: Writer) -> None:
        self.w = writer
        self._ = writer._

    def change(self) -> Section | None:
        w, _, v, t = self.w, self._, self.w.voice, self.w.t
        transitions = t.transitions()
        if w.data.previous is None or transitions is None:
            return None
        s = Section("change", _("Change against the previous round"))
        before, now = t.big_needs(w.data.previous), t.big_needs()
        s.say(_("Associations rating a need considerable or urgent in the previous round “{previous}” and in "
                "this one. The change is the difference of the published (rounded) figures.").format(
                    previous=w.data.previous_label or ""))
        rows = []
        for topic in t.topics:
            was, is_ = before.cells[topic], now.cells[topic]
            change = v.signed(is_ - was) if was is not None and is_ is not None else ""
            rows.append([v.topic(topic), w.cell(was), w.cell(is_), change])
        rows.append([_("Associations answering"), w.cell(before.total), w.cell(now.total), ""])
        s.blocks.append(Table(_("Considerable or urgent needs per area, by round"),
                              [_("Area"), w.data.previous_label or _("Previous round"), w.data.scope_label,
                               _("Change")], rows, w.note()))
        s.blocks.append(Chart(ChartSpec(
            title=_("Change between rounds"), labels=[v.topic(x) for x in t.topics],
            series=[(w.data.previous_label or _("Previous round"), [before.cells[x] or 0 for x in t.topics]),
                    (w.data.scope_label, [now.cells[x] or 0 for x in t.topics])],
            axis=_("Associations with a considerable or urgent need (rounded to 5)"),
            alt=_("Paired bars per area, previous round and this one: {figures}.").format(figures="; ".join(
                f"{v.topic(x)} {w.said(before.cells[x])} → {w.said(now.cells[x])}" for x in t.topics)))))
        names = {"improved": _("Need lower"), "same": _("Same"), "worse": _("Need higher")}
        s.blocks.append(w.grid_table(_("Associations that answered both rounds: how their need moved"), _("Area"),
                                     transitions, w.topics(), names))
        return s

    def free_text(self) -> Section:
        w, _, v, t = self.w, self._, self.w.voice, self.w.t
        s = Section("free_text", _("Something else: needs and themes in the associations' own words"))
        s.say(_("The questionnaire ends with a free question (“Is there anything else you would like to tell "
                "the integration office?”) and lets associations name other communities. This report does not "
                "quote them: it counts the words that recur, per language the associations used, and shows a "
                "word only when at least three associations wrote it. Staff read the answers themselves in the "
                "export."))
        writers = t.writers()
        s.blocks.append(w.column_table(_("Associations that wrote something, by language"), _("Language"), writers,
                                       {c: v.language(c) for c in writers.cells}))
        themes = t.themes()
        for language, words in themes.items():
            s.blocks.append(Table(_("Recurring words: {language}").format(language=v.language(language)),
                                  [_("Word"), _("Associations")], [[word, v.n(n)] for word, n in words], w.note()))
        if not themes:
            s.say(_("No word recurs often enough to be shown."))
        return s

    def offered(self) -> Section:
        w, _, v, t = self.w, self._, self.w.voice, self.w.t
        s = Section("offers", _("What was offered"))
        s.say(_("Workshops of the catalog starting in the period or in the eight weeks after it; a workshop on "
                "several areas counts in each. Interest: associations that marked a workshop as interesting."))
        offers = t.offers()
        rows = [[v.topic(topic), v.n(count), v.n(places), w.cell(interest or None)]
                for topic, (count, places, interest) in offers.items()]
        s.blocks.append(Table(_("Workshops by area"), [_("Area"), _("Workshops"), _("Places"), _("Interest")], rows,
                              w.note()))
        needs, interest = t.big_needs(), t.interest_shown()
        s.blocks.append(Chart(ChartSpec(
            title=_("Offers against needs"), labels=[v.topic(x) for x in t.topics],
            series=[(_("Associations with a considerable or urgent need"), [needs.cells[x] or 0 for x in t.topics]),
                    (_("Places in workshops"), [offers.get(x, (0, 0, 0))[1] for x in t.topics]),
                    (_("Interest in workshops"), [interest.cells[x] or 0 for x in t.topics])],
            axis=_("Associations, places"),
            alt=_("Bars per area: associations in need, workshop places and interest: {figures}.").format(
                figures="; ".join(f"{v.topic(x)} {w.said(needs.cells[x])}, {v.n(offers.get(x, (0, 0, 0))[1])}, "
                                  f"{w.said(interest.cells[x])}" for x in t.topics)))))
        intros = t.introductions()
        states = {"requested": _("Waiting for an answer"), "accepted": _("Accepted"), "declined": _("Declined")}
        s.blocks.append(w.column_table(_("Introductions between associations"), _("State"), intros, states))
        partners = {p: name for p, (name, _topics) in w.data.partners.items()}
        outcomes = {"accepted": _("Will get in touch"), "declined": _("Not our field"), "pending": _("Open"),
                    "withdrawn": _("Withdrawn")}
        s.blocks.append(w.grid_table(_("Contact requests to partner organisations and their outcomes"),
                                     _("Partner organisation"), t.requests(), partners, outcomes, _("Total")))
        return s

    def uncovered(self) -> Section:
        w, _, v, t = self.w, self._, self.w.voice, self.w.t
        s = Section("uncovered", _("Needs no offer answers yet"))
        s.say(_("Areas that at least three associations rate considerable or urgent and that no workshop of the "
                "period, or of the eight weeks after it, covers; with the partner organisations whose work "
                "covers the area."))
        rows = [[v.topic(topic), v.n(n), ", ".join(t.covering(topic)) or "–",
                 ", ".join(w.data.proposed.get(topic, [])) or "–"] for topic, n in t.uncovered()]
        s.blocks.append(Table(_("Uncovered needs"), [_("Area"), _("Associations"), _("Partners working on it"),
                                                      _("Workshop proposed, awaiting approval")], rows, w.note()))
        if not rows:
            s.say(_("Every need that several associations named is answered by at least one workshop."))
        return s

    def recommendations(self, notes: str | None) -> Section:
        _ = self._
        s = Section("recommendations", _("Recommendations"))
        if not notes or not notes.strip():
            s.say(_("This section is for the integration office to write (msobot report --notes FILE.md)."))
            return s
        for block in re.split(r"\n\s*\n", notes.strip()):
            lines = [line.strip() for line in block.splitlines() if line.strip()]
            if all(line.startswith(("- ", "* ")) for line in lines):
                for line in lines:
                    s.say(line[2:].strip(), "li")
            elif len(lines) == 1 and lines[0].startswith("#"):
                s.say(lines[0].lstrip("#").strip(), "h")
            else:
                s.say(" ".join(lines))
        return s
