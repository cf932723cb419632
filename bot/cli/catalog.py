"""`msobot catalog import|list`: what staff type, and what they read back."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.catalog.importer import SAMPLE, CatalogFileError
from bot.cli.office import alone, the_bot
from bot.kernel.settings import Settings
from bot.services import open_services
from bot.staff.catalog_import import import_file
from bot.storage.catalog import CatalogStore


async def import_command(settings: Settings, path: Path | None, sample: bool) -> int:
    path = SAMPLE if sample or path is None else path
    services = await open_services(settings)
    lease = await alone(services, "msobot catalog import")
    try:
        report = await import_file(services.suggestions, path, leave_to_bot=lease is None)
        bot = await the_bot(services) if lease is None else ""
    except CatalogFileError as exc:
        print(f"msobot: nothing imported; {len(exc.problems)} problem(s):\n{exc}", file=sys.stderr)
        return 1
    finally:
        if lease is not None:
            await lease.release()
        await services.close()
    for name, counts in (("partners", report.partners), ("workshops", report.workshops)):
        print(f"{name}: {len(counts.added)} added, {len(counts.updated)} updated, "
              f"{len(counts.unchanged)} unchanged")
    if report.sample:
        print("note: this file is SAMPLE DATA, not real offers")
    if report.pushed is None:
        if report.workshops.added:
            print(f"new offers: the running bot pushes them to the associations they fit ({bot})")
    elif report.pushed:
        count = sum(len(v) for v in report.pushed.values())
        print(f"new offers: {count} message(s) to {len(report.pushed)} association(s) queued; "
              "no bot runs now: they go out when it starts")
    return 0


async def list_command(settings: Settings) -> int:
    services = await open_services(settings)
    try:
        catalog = CatalogStore(services.store)
        partners = await catalog.partners()
        workshops = await catalog.workshops()
        flags = await catalog.sample_flags()
    finally:
        await services.close()
    tz = settings.tz
    print(f"Partner organisations ({len(partners)})")
    for p in partners:
        mark = " [sample]" if flags.get(("partners", p.id)) else ""
        print(f"  {p.id:<16} {p.kind.value:<12} {p.name}{mark}  topics: {', '.join(p.topics)}")
    print(f"Workshops ({len(workshops)})")
    for w in workshops:
        mark = " [sample]" if flags.get(("workshops", w.id)) else ""
        place = "online" if w.online else (w.district or "")
        print(f"  {w.id:<16} {w.start.astimezone(tz):%Y-%m-%d %H:%M}  {place:<14} "
              f"{'/'.join(w.languages):<9} {w.text('title', 'de')}{mark}")
    return 0
