"""The digest as messages for the office: sections that each fit in one Telegram message."""

from __future__ import annotations

from bot.digest.figures import DigestFigures, TopicNeed
from bot.kernel.text import isolated, split_text, units
from bot.questionnaire.staff_voice import StaffVoice

MESSAGE_LIMIT = 4096
TOP_WORKSHOPS = 10
TOP_PARTNERS = 5  # partners named per uncovered need; a long list would bury the need itself


def period_line(v: StaffVoice, figures: DigestFigures) -> str:
    start = v.t.date(figures.period_start.astimezone(v.tz).date())
    end = v.t.date(figures.period_end.astimezone(v.tz).date())
    return f"{start} – {end}"


def _need_line(v: StaffVoice, need: TopicNeed) -> str:
    return v.t.gettext("{topic}: {count} ({change} vs. previous week)").format(
        topic=v.topic(need.topic), count=v.n(need.now), change=v.signed(need.change))


def sections(v: StaffVoice, figures: DigestFigures, title: str | None = None) -> list[str]:
    """The digest's sections, in reading order; each is one block of lines."""
    _, ngettext = v.t.gettext, v.t.ngettext
    head = ["📊 " + (title or _("Weekly digest of MSO Assistant")), period_line(v, figures)]
    week = [
        _("This week"),
        "• " + _("New associations: {count}").format(count=v.n(figures.new_msos)),
        "• " + _("Questionnaires started: {count}").format(count=v.n(figures.started)),
        "• " + _("Questionnaires completed: {count}").format(count=v.n(figures.completed)),
        "• " + _("Questionnaires abandoned (untouched for 7 days): {count}").format(count=v.n(figures.abandoned)),
        "",
        _("In total"),
        "• " + _("Associations: {count}").format(count=v.n(figures.total_msos)),
        "• " + _("Completed: {completed} · in progress: {open} · abandoned: {abandoned}").format(
            completed=v.n(figures.total_completed), open=v.n(figures.total_in_progress),
            abandoned=v.n(figures.total_abandoned)),
    ]
    needs = [_("Needs by topic (associations rating the need big or urgent)")]
    ranked = [n for n in figures.needs if n.now or n.before]
    needs += [f"{i}. {_need_line(v, n)}" for i, n in enumerate(ranked, 1)] or ["• " + _("No needs reported yet.")]
    if figures.other_needs:
        needs.append("• " + _("Something else, in their own words (see the free texts): {count}").format(
            count=v.n(figures.other_needs)))
    if figures.round_name is not None:
        needs += ["", _("Since the round before “{round}” (associations that answered both)").format(
            round=figures.round_name)]
        needs += ["• " + _("{topic}: {improved} better, {same} the same, {worse} worse").format(
            topic=v.topic(c.topic), improved=v.n(c.improved), same=v.n(c.same), worse=v.n(c.worse))
            for c in figures.round_changes if c.improved or c.same or c.worse] \
            or ["• " + _("No association has answered the new round yet.")]
    uncovered = [_("Uncovered needs: no workshop in the next eight weeks")]
    for n in figures.uncovered:
        uncovered.append("• " + ngettext("{topic}: {count} association", "{topic}: {count} associations",
                                         n.now).format(topic=v.topic(n.topic), count=v.n(n.now)))
        uncovered.append("   " + _covering(v, figures.covering.get(n.topic, [])))
        if figures.proposed.get(n.topic):
            uncovered.append("   " + _("A workshop proposal waits for your approval, from: {partners}").format(
                partners=", ".join(figures.proposed[n.topic])))
    if not figures.uncovered:
        uncovered.append("• " + _("Every frequent need has an upcoming workshop."))
    requests = figures.requests
    partners = [
        _("Contact requests to partner organisations"),
        "• " + _("Sent this week: {sent} (accepted: {accepted} · declined: {declined} · still open: {pending})").format(
            sent=v.n(requests.sent), accepted=v.n(requests.accepted), declined=v.n(requests.declined),
            pending=v.n(requests.pending)),
        "• " + _("Open for more than seven days: {count}").format(count=v.n(requests.open_long)),
        "• " + _("Open tasks of the office (replies, answers through the office, “Not our field”, requests without "
                 "a contact): {count}, on the web view's task list").format(
            count=v.n(sum(figures.open_tasks.values()))),
    ]
    workshops = [_("Interest in upcoming workshops")]
    for w in figures.workshops[:TOP_WORKSHOPS]:
        when = v.t.datetime(w.start, v.tz)
        interest = ngettext("{count} interested", "{count} interested", w.interested).format(
            count=v.n(w.interested))
        if w.capacity:
            interest += " " + ngettext("of {count} place", "of {count} places", w.capacity).format(
                count=v.n(w.capacity))
        workshops.append(f"• {when} {w.title}: {interest}")
    if len(figures.workshops) > TOP_WORKSHOPS:
        rest = len(figures.workshops) - TOP_WORKSHOPS
        workshops.append("• " + ngettext("… and {count} more", "… and {count} more", rest).format(count=v.n(rest)))
    if not figures.workshops:
        workshops.append("• " + _("No upcoming workshops in the catalog."))
    network = [
        _("Networking and languages"),
        "• " + _("Introductions between associations: {requested} requested, {accepted} accepted").format(
            requested=v.n(figures.introductions_requested), accepted=v.n(figures.introductions_accepted)),
        "• " + _("Languages: {languages}").format(languages=", ".join(
            f"{v.language(code)} {v.n(count)}" for code, count in figures.languages.items()) or "–"),
    ]
    texts = [_("Latest free-text answers")]
    texts += [f"• {v.question(f.question)}" + (f" ({v.language(f.language)})" if f.language else "")
              + f": „{isolated(f.text)}“" for f in figures.free_texts] \
        or ["• " + _("No free-text answers this week.")]
    blocks = (head, week, needs, uncovered, partners, workshops, network, texts)
    return ["\n".join(block) for block in blocks]


def _covering(v: StaffVoice, partners: list[str]) -> str:
    """Who could take an uncovered need up: the partner organisations whose topics include it."""
    if not partners:
        return v.t.gettext("no partner organisation in the catalog works on this topic")
    names = ", ".join(partners[:TOP_PARTNERS])
    if len(partners) > TOP_PARTNERS:
        rest = len(partners) - TOP_PARTNERS
        names += " " + v.t.ngettext("… and {count} more", "… and {count} more", rest).format(count=v.n(rest))
    return v.t.gettext("Partners working on it: {partners}").format(partners=names)


def messages(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join sections into as few messages as fit; a section is only cut when it alone is too long."""
    result: list[str] = []
    current = ""
    for block in blocks:
        for piece in split_text(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if units(candidate) <= limit:
                current = candidate
            else:
                result.append(current)
                current = piece
    if current:
        result.append(current)
    return result
