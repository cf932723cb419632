"""The record of processing activities (Art. 30 GDPR) for the data protection officer, made from
the configuration and the retention the code applies, so it never drifts from what the bot
does (`msobot privacy record`, German; English with `--language en`)."""

from __future__ import annotations

from datetime import date

from bot.consent.notice import (
    BACKUP_WEEKS,
    DELIVERED_KEEP,
    NOTICE_VERSION,
    OFFICE_FILES_KEEP,
    UPDATES_KEEP,
    NoticeFacts,
)
from bot.kernel.i18n import Translator
from bot.kernel.settings import Settings
from bot.partners.disclosure import BASE, THRESHOLD
from bot.storage.partners import CONTACT_KEEP


def record(t: Translator, settings: Settings, today: date) -> str:
    _ = t.gettext
    facts = NoticeFacts.from_settings(settings)

    def days(value: int) -> str:
        return t.ngettext("{count} day", "{count} days", value).format(count=t.number(value))

    staff = len(settings.staff_ids) + (1 if settings.staff_chat_id else 0)
    replica = _("Where a Litestream replica is configured, a copy of the database is kept there, under the "
                "replica's own retention.")
    sections = [
        _("Record of processing activities (Art. 30 GDPR)"),
        _("Processing: MSO Assistant, the needs survey among migrant self-organisations (a Telegram bot)"),
        _("As of {date}; privacy notice version {version}").format(date=t.date(today), version=NOTICE_VERSION),
        "1. " + _("Controller: {controller}, {contact}").format(
            controller=facts.controller, contact=facts.controller_contact),
        "2. " + _("Data protection officer: {contact}").format(contact=facts.dpo_contact),
        "3. " + _("Purposes and legal bases:") + "\n   a) " + _(
            "surveying the needs of migrant self-organisations to plan support by the integration office "
            "(required to take part): explicit consent, Art. 6(1)(a) and Art. 9(2)(a) GDPR")
        + "\n   b) " + _("networking between associations (optional, asked separately): the same")
        + "\n   c) " + _("passing an association's name and needs on to partner organisations in integration work "
                         "(optional, asked separately): the same")
        + "\n   d) " + _("running the service, its security, and proof of the consents: Art. 6(1)(c) with "
                         "Art. 7(1) GDPR")
        + "\n   e) " + _("coordinating the answers to the needs with the contact persons of partner organisations "
                         "whom the office invited: the municipality's task in integration work, Art. 6(1)(e) "
                         "GDPR")
        + "\n   f) " + _("an association's contact person for the office and the partner organisations it asked for "
                         "contact (optional, asked with this purpose stated, given by the association, which is "
                         "asked to let the person know): Art. 6(1)(a) GDPR"),
        "4. " + _("Categories of data subjects: board members and contact persons of migrant self-organisations "
                  "who use the bot; contact persons of partner organisations invited by the office (e); staff of the "
                  "integration office ({count} configured chats)").format(
            count=t.number(staff)) + "; " + _("persons an association names as its contact person (f)"),
        "5. " + _("Categories of personal data: Telegram user id and language; answers to the questionnaire "
                  "including the association's name, district, contact details and needs; the communities and "
                  "languages an association serves (special categories, Art. 9 GDPR: ethnic origin, possibly "
                  "religion); reactions to suggestions; introductions between associations; consents (purpose, "
                  "notice version, time); contact requests to partner organisations and their answers; for partner "
                  "contacts: Telegram user id, name as Telegram gives it, language, organisation, when they joined "
                  "and were last active; messages between the office and an association, and the office's tasks "
                  "about it; technical data (updates until handled, messages sent, an event log including staff "
                  "access to associations' pages)") + "; " + _(
            "an association's contact person: a name or role and one phone number or e-mail address (f)"),
        "6. " + _("Recipients: staff of the integration office (a), in their chats with the bot and on its web view, "
                  "where they see each association's answers, consents, contact requests, introductions and the "
                  "messages with the office; other associations: district and strengths "
                  "without the name, name and contact only after both agreed (b); partner organisations in "
                  "integration work: the association's name and needs (c); Telegram as the channel") + "; " + _(
            "the association's contact person (f): staff of the integration office, and the contact persons of "
            "only those partner organisations the association asked for contact, on its contact requests"),
        "7. " + _("Transfers to third countries: messages and user ids pass through Telegram, which is run from "
                  "outside the EU and the EEA.") + " " + replica,
        "8. " + _("Time limits for erasure: unfinished questionnaires {unfinished} after the last answer; completed "
                  "questionnaires with the association's data {completed} after the last change; content of "
                  "messages sent to users {delivered}; digests and exports sent to staff {office}; handled "
                  "updates {updates}; the event log {events}; backups up to {weeks} weeks (7 daily, 4 weekly); "
                  "on request (/delete) at once, backups following within that time").format(
            unfinished=days(facts.unfinished_days), completed=days(facts.completed_days),
            delivered=days(DELIVERED_KEEP.days), office=days(OFFICE_FILES_KEEP.days),
            updates=days(UPDATES_KEEP.days), events=days(facts.unfinished_days), weeks=t.number(BACKUP_WEEKS))
        + "; " + _("partner contacts' data {keep} after their access ended, or, while it is open, {keep} after "
                   "their last activity; on their request (/delete) at once").format(keep=days(CONTACT_KEEP.days))
        + "; " + _("an association's contact person until the association changes or removes it (/settings), at the "
                   "latest with the association's data; on its request (/delete) at once"),
        "9. " + _("Technical and organisational measures (Art. 32 GDPR):") + "\n" + "\n".join("   – " + m for m in [
            _("SQLite database in WAL mode with secure_delete; after an erasure the log is folded in and emptied, so "
              "deleted data cannot be recovered from the file"),
            _("consent per purpose with notice version and time; withdrawal at any time with immediate effect"),
            _("pseudonymisation: associations are suggested to others without their name until both agree"),
            _("statistical disclosure control for the figures partner organisations see: counted once (monthly, or "
              "when staff publish them) over the associations that agreed to sharing, never live; groups of fewer "
              "than {threshold} associations hidden, and further cells where a hidden one could be recomputed from "
              "a total; every figure rounded to a multiple of {base}; a change only as the difference of two "
              "published figures").format(threshold=t.number(THRESHOLD), base=t.number(BASE)),
            _("access: staff commands only for configured staff ids; outputs with personal data only in a "
              "private chat"),
            _("logs without the bot token and without users' texts (error messages that may quote them are "
              "withheld)"),
            _("integrity: one bot per database (an exclusive lock the operating system holds for the bot's "
              "whole life), a durable inbox and outbox, nightly backups checked with an integrity check, kept "
              "in {folder}").format(folder=settings.backups()),
            _("text from one user shown to others is isolated and cleaned of control characters; exported "
              "spreadsheet cells cannot become formulas"),
            _("webhook mode: a secret token of at least 32 characters, checked on every request"),
            _("the office's web view (served by the bot, behind the city's https proxy): only configured staff ids "
              "sign in, by a one-time link from the bot (valid 10 minutes, stored as a hash); sessions end after 8 "
              "idle hours; cookies HttpOnly, SameSite=Strict, Secure behind https; a CSRF token on every form; no "
              "scripts; every view of an association's page, every sign-in and every export download is logged "
              "with the staff id and the time (the event log)"),
        ]),
    ]
    if facts.sample:
        sections.insert(1, "⚠ " + _("The controller and the data protection officer are not configured "
                                    "(MSOBOT_CONTROLLER, MSOBOT_CONTROLLER_CONTACT, MSOBOT_DPO_CONTACT): sample "
                                    "values are shown."))
    return "\n\n".join(sections)
