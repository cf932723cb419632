"""The gallery written to a folder: `<code>.html` per language and `index.html` (`msobot screens`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from bot.kernel.i18n import STAFF_DOMAIN, Catalogs, default_locales_dir
from bot.kernel.settings import Settings
from bot.review import html
from bot.review.gallery import collect, collect_office, office_languages
from bot.review.shown import OFFICE_KINDS, Shown
from bot.review.status import catalog_files, status


async def write_site(directory: Path, codes: Sequence[str], settings: Settings) -> dict[str, int]:
    """Render each language's page into `directory` and the index beside them; returns the
    number of screens per language."""
    collected = {code: await collect(code, settings) for code in codes}
    office = {code: await collect_office(code, settings) for code in office_languages(settings) if code in codes}
    return await asyncio.to_thread(write_pages, directory, collected, settings, office)


def write_pages(directory: Path, collected: dict[str, list[Shown]], settings: Settings,
                office: dict[str, list[Shown]] | None = None) -> dict[str, int]:
    """The index links every page the folder holds (one language may be made at a time);
    `office`: what partner contacts and staff read, per staff language (`office-<code>.html`)."""
    catalogs = Catalogs(settings.locales_dir, default=settings.default_language)
    directory.mkdir(parents=True, exist_ok=True)
    for code, shown in collected.items():
        page = html.page(code, catalogs.display_name(code), catalogs.translator(code).rtl, shown)
        (directory / f"{code}.html").write_text(page, encoding="utf-8")
    for code, shown in (office or {}).items():
        page = html.page(code, catalogs.display_name(code), False, shown, OFFICE_KINDS,
                         " for partner contacts and staff")
        (directory / f"office-{code}.html").write_text(page, encoding="utf-8")
    files = catalog_files(settings.locales_dir or default_locales_dir())
    reviews = {code: status(path, code) for code, path in files.items()}
    counts = {code: len(shown) for code, shown in collected.items()}
    pages = [(code, catalogs.display_name(code), catalogs.translator(code).rtl, counts.get(code))
             for code in catalogs.languages if (directory / f"{code}.html").is_file()]
    staff = {code: status(path, code) for code, path in
             catalog_files(settings.locales_dir or default_locales_dir(), STAFF_DOMAIN).items()}
    offices = [(code, catalogs.display_name(code), len(office[code]) if office and code in office else None)
               for code in sorted(p.stem.removeprefix("office-") for p in directory.glob("office-*.html"))]
    (directory / "index.html").write_text(html.index(pages, reviews, offices, staff), encoding="utf-8")
    return counts
