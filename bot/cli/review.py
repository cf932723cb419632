"""`msobot screens` and `msobot translations`: what a city runs to have its languages reviewed
by native readers, and to see which texts changed since."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.kernel.i18n import DOMAIN, STAFF_DOMAIN, Catalogs, default_locales_dir
from bot.kernel.settings import Settings
from bot.review.gallery import languages
from bot.review.site import write_site
from bot.review.status import Review, catalog_files, stamp, status


async def screens(settings: Settings, language: str | None, output: Path) -> int:
    known = languages(settings)
    if language and language != "all" and language not in known:
        print(f"msobot: --language: no catalog for '{language}' (there are: {', '.join(known)}, all)",
              file=sys.stderr)
        return 2
    codes = known if not language or language == "all" else [language]
    counts = await write_site(output, codes, settings)
    for code, count in counts.items():
        print(f"{code}: {count} screens -> {output / f'{code}.html'}")
    print(f"index: {output / 'index.html'}")
    return 0


def translations(settings: Settings) -> int:
    locales = settings.locales_dir or default_locales_dir()
    catalogs = Catalogs(locales, default=settings.default_language)
    reviews = [status(path, code) for code, path in catalog_files(locales).items()]
    print("\n".join(table(reviews, catalogs)))
    staff = [status(path, code) for code, path in catalog_files(locales, STAFF_DOMAIN).items()]
    if staff:
        print("\nStaff and partner contacts (staff.po: digest, staff commands, partner screens, report):")
        print("\n".join(table(staff, catalogs)))
    offered = ", ".join(settings.languages) if settings.languages else "every language with a catalog"
    print(f"\nOffered to users (MSOBOT_LANGUAGES): {offered}")
    return 0


def table(reviews: list[Review], catalogs: Catalogs) -> list[str]:
    header = ["language", "entries", "translated", "reviewed on", "reviewer", "changed since review"]
    rows = [[f"{r.code}  {catalogs.display_name(r.code)}", str(r.entries), str(r.translated),
             r.reviewed_on.isoformat() if r.reviewed_on else "never", r.reviewer or "–",
             f"{r.changed} changed" if r.reviewed_on else "–"] for r in reviews]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = {1, 2}

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return [line(header), *(line(row) for row in rows)]


def review(settings: Settings, language: str, reviewer: str, on: date | None, catalog: str = DOMAIN) -> int:
    """Stamp a language's catalog: `messages` (what associations read) or `staff`."""
    files = catalog_files(settings.locales_dir or default_locales_dir(), catalog)
    if language not in files:
        print(f"msobot: --language: no {catalog} catalog for '{language}' (there are: {', '.join(files)})",
              file=sys.stderr)
        return 2
    day = on or datetime.now(UTC).astimezone(settings.tz).date()
    try:
        result = stamp(files[language], language, reviewer, day)
    except ValueError as exc:
        print(f"msobot: --reviewer: {exc}", file=sys.stderr)
        return 2
    print(f"{language}: reviewed by {result.reviewer} on {day.isoformat()}: "
          f"{result.entries - result.changed} of {result.entries} entries stamped ({files[language]})")
    if result.changed:
        print(f"{result.changed} entries are untranslated or fuzzy and were not stamped: they count as changed",
              file=sys.stderr)
    return 0
