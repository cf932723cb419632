"""The `msobot` command line: the subcommands and where each one goes. This is the composition
root: the only place in `bot/` that starts the Telegram adapter (`conversations`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.kernel.files import keep_private
from bot.kernel.logs import setup_logging
from bot.kernel.settings import ConfigError, Settings, load_settings
from bot.questionnaire import QuestionnaireError

if TYPE_CHECKING:
    from bot.services import Services
    from bot.web.server import OfficeServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msobot", description="MSO Assistant: the needs survey for migrant self-organisations. "
        "Without a subcommand: the Telegram bot if MSOBOT_TELEGRAM_TOKEN is set, else the console chat.")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run the Telegram bot (long polling)")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook instead")
    chat = commands.add_parser("chat", help="the same conversation in this terminal")
    chat.add_argument("--user-id", type=int, default=1, help="whose answers (default: 1)")
    chat.add_argument("--language", help="language tag to offer first, e.g. tr (default: from $LANG)")
    chat.add_argument("--as", dest="as_role", nargs="+", metavar="ROLE",
                      help="staff, or partner ID (a partner organisation of the catalog, e.g. awo): try their side")
    check = commands.add_parser("check", help="validate the questionnaire and the catalogs")
    check.add_argument("file", nargs="?", type=Path, help="questionnaire YAML (default: the shipped one)")
    export = commands.add_parser("export", help="write all submissions to a file")
    export.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    export.add_argument("--output", type=Path, required=True, help="file to write, - for stdout")
    digest = commands.add_parser("digest", help="the staff's digest of the last seven days")
    what = digest.add_mutually_exclusive_group(required=True)
    what.add_argument("--print", action="store_true", help="show it in this terminal")
    what.add_argument("--send", action="store_true",
                      help="send it now to MSOBOT_STAFF_IDS and MSOBOT_STAFF_CHAT_ID (needs the token)")
    digest.add_argument("--chart", type=Path, help="with --print: also write the chart PNG to this file")
    report = commands.add_parser("report", help="the needs report for the committee, as PDF or HTML (figures "
                                 "protected: nothing below three associations, rounded to five)")
    scope = report.add_mutually_exclusive_group()
    scope.add_argument("--round", help="a survey round by name (default: the latest round, else all answers)")
    scope.add_argument("--from", dest="start", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="end", type=date.fromisoformat, help="last day, YYYY-MM-DD (with --from)")
    report.add_argument("--notes", type=Path, help="Markdown file: the recommendations section")
    report.add_argument("--output", type=Path, required=True, help="FILE.pdf or FILE.html")
    commands.add_parser("purge", help="delete unfinished questionnaires older than MSOBOT_RETENTION_DAYS now "
                        "(the running bot does it daily)")
    round_ = commands.add_parser("round", help="ask the associations again: survey rounds")
    round_commands = round_.add_subparsers(dest="round_command", required=True)
    open_ = round_commands.add_parser(
        "open", help="open a new round and invite every association with a completed questionnaire once "
        "(the running bot sends the invitations)")
    open_.add_argument("--name", required=True, help="e.g. 2027")
    partner = commands.add_parser("partner", help="contacts at partner organisations")
    partner_commands = partner.add_subparsers(dest="partner_command", required=True)
    invite = partner_commands.add_parser("invite", help="a one-time link (valid 14 days) that makes its opener a "
                                         "contact of the partner organisation")
    invite.add_argument("partner_id", help="the partner's id in the catalog, e.g. awo")
    catalog = commands.add_parser("catalog", help="workshops and partner organisations")
    catalog_commands = catalog.add_subparsers(dest="catalog_command", required=True)
    load = catalog_commands.add_parser(
        "import", help="add or update entries from a YAML or CSV file (same ids update, never duplicate)")
    source = load.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", type=Path, help="catalog file (.yaml, .yml or .csv)")
    source.add_argument("--sample", action="store_true", help="the shipped Wuppertal sample data")
    catalog_commands.add_parser("list", help="show what the catalog holds")
    backup = commands.add_parser("backup", help="a consistent copy of the database, also while the bot runs")
    backup.add_argument("--output", type=Path, help="where (default: MSOBOT_BACKUP_DIR/msobot-manual-<time>.sqlite3)")
    restore = commands.add_parser("restore", help="put a backup in place of the database (never while a bot runs)")
    restore.add_argument("file", type=Path, help="the backup to restore")
    privacy = commands.add_parser("privacy", help="for the data protection officer")
    privacy_commands = privacy.add_subparsers(dest="privacy_command", required=True)
    record = privacy_commands.add_parser("record", help="the record of processing activities (Art. 30 GDPR)")
    record.add_argument("--language", choices=["de", "en"], default="de")
    status = commands.add_parser("status", help="is the bot running, is anything stuck; exit 1 if not healthy")
    status.add_argument("--json", action="store_true", help="as JSON (what /healthz shows in webhook mode)")
    screens = commands.add_parser("screens", help="every screen an association can be shown, one HTML page per "
                                  "language, for native readers to review")
    screens.add_argument("--language", default="all", help="a language code, or all (default)")
    screens.add_argument("--output", type=Path, required=True, help="folder for <code>.html and index.html")
    translations = commands.add_parser("translations", help="each language's catalog: entries, translated, "
                                       "reviewed when and by whom, changed since")
    reviewed = translations.add_subparsers(dest="translations_command").add_parser(
        "review", help="record that a native reader reviewed a language's texts as they read now")
    reviewed.add_argument("--language", required=True, help="e.g. tr")
    reviewed.add_argument("--reviewer", required=True, help="who reviewed, e.g. \"Ayşe Yılmaz\"")
    reviewed.add_argument("--on", type=date.fromisoformat, help="the day of the review, YYYY-MM-DD (default: today)")
    reviewed.add_argument("--catalog", choices=("messages", "staff"), default="messages",
                          help="messages: what associations read (default); staff: the office's and partner "
                               "contacts' texts (de, en)")
    return parser


def main(argv: list[str] | None = None) -> int:
    keep_private()  # whatever it writes (database, log, backups, exports) only its account may read
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        command = args.command or ("run" if settings.token() else "chat")
        secrets = [s.get_secret_value() for s in (settings.telegram_token, settings.webhook_secret) if s]
        setup_logging(settings.log_level if command == "run" else logging.WARNING, secrets)
        if command == "check":
            from bot.cli.check import run_check
            return run_check(settings, args.file)
        if command == "report":
            from bot.cli.office import report as write_report
            return write_report(settings, args.round, args.start, args.end, args.notes, args.output)
        if command in ("purge", "export", "digest", "round"):
            from bot.cli import office
            if command == "purge":
                return asyncio.run(office.purge(settings))
            if command == "export":
                return asyncio.run(office.export(settings, args.output, args.format))
            if command == "digest":
                return asyncio.run(office.digest(settings, args.send, args.chart))
            return asyncio.run(office.open_round(settings, args.name))
        if command == "privacy":
            from bot.cli.operations import privacy_record
            return privacy_record(settings, args.language)
        if command in ("backup", "restore", "status"):
            from bot.cli import operations
            if command == "backup":
                return operations.backup(settings, args.output)
            if command == "restore":
                return operations.restore(settings, args.file)
            return operations.status(settings, args.json)
        if command in ("screens", "translations"):
            from bot.cli import review
            if command == "screens":
                return asyncio.run(review.screens(settings, args.language, args.output))
            if args.translations_command == "review":
                return review.review(settings, args.language, args.reviewer, args.on, args.catalog)
            return review.translations(settings)
        if command == "partner":
            from bot.cli.partners import invite as invite_partner
            return asyncio.run(invite_partner(settings, args.partner_id))
        if command == "catalog":
            from bot.cli.catalog import import_command, list_command
            if args.catalog_command == "list":
                return asyncio.run(list_command(settings))
            return asyncio.run(import_command(settings, args.file, args.sample))
        if command == "chat":
            if args.command is None:
                print("No MSOBOT_TELEGRAM_TOKEN set: starting the console chat.", file=sys.stderr)
            language = getattr(args, "language", None) or _language_from_env()
            return asyncio.run(_chat(settings, getattr(args, "user_id", 1), language, getattr(args, "as_role", None)))
        from conversations.runner import run_bot
        return run_bot(settings, webhook=getattr(args, "webhook", False))
    except ConfigError as exc:
        print(f"msobot: configuration error: {exc}", file=sys.stderr)
        return 2
    except QuestionnaireError as exc:
        print(f"msobot: the questionnaire has problems:\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _language_from_env() -> str | None:
    value = os.environ.get("LANG", "").split(".")[0]
    return value if value and value not in ("C", "POSIX") else None


async def _chat(settings: Settings, user_id: int, language: str | None, as_role: list[str] | None = None) -> int:
    from bot.cli.console_roles import role_for_console
    from bot.console import ConsoleChat, console_settings
    from bot.kernel.routes import Role
    from bot.services import open_services
    services = await open_services(console_settings(settings))
    try:
        chosen = await role_for_console(services, as_role or [], user_id)
        if isinstance(chosen, str):
            print(f"msobot: {chosen}", file=sys.stderr)
            return 2
        role, user_id = chosen
        web = await _web_for_console(services, settings) if role is Role.STAFF else None
        try:
            await ConsoleChat(services, user_id=user_id, language_code=language, role=role).run()
        finally:
            if web is not None:
                await web.stop()
    finally:
        await services.close()
    return 0


async def _web_for_console(services: Services, settings: Settings) -> OfficeServer | None:
    """Staff in the console get the web view in the same process, so /office's link opens it
    (unless a running bot serves it already on that port)."""
    from bot.web.server import OfficeServer
    if not settings.web_port:
        return None
    server = OfficeServer(services, settings)
    try:
        await server.start()
    except OSError as exc:
        print(f"msobot: the web view is not served here ({exc.strerror}); a running bot may serve it", file=sys.stderr)
        return None
    print(f"The office's web view: {settings.office_url()} (send /office for your sign-in link)", file=sys.stderr)
    return server
