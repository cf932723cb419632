"""Which translations a native reader has checked, and which changed since.

A review is stamped into the language's `messages.po`: who and when in the header's comment
(`# Reviewed-By: …`, `# Reviewed-On: YYYY-MM-DD`), and on every translated entry a translator
comment `# reviewed <fingerprint>` (eight hex digits of a hash of its context, msgid and
msgstr). An entry whose fingerprint no longer matches, or that has none, changed since the
review. Both kinds of comment survive `pybabel update` (`make catalogs`); header fields such as
`X-Reviewed-By` would not, Babel drops header fields it does not know when it reads a catalog.
The file is written back with Babel's own writer, unwrapped, entries in their order.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from bot.kernel.i18n import DOMAIN, LIKELY_ORDER

MARK = "reviewed "
BY, ON = "Reviewed-By:", "Reviewed-On:"
_HEADER = re.compile(rf"^#\s*({BY}|{ON})\s*(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Review:
    """One language's catalog: its size and what a reviewer has seen of it."""

    code: str
    path: Path
    entries: int
    translated: int
    reviewer: str | None
    reviewed_on: date | None
    changed: int  # entries changed since the review, or never stamped (all, when never reviewed)


def catalog_files(locales: Path, domain: str = DOMAIN) -> dict[str, Path]:
    """The catalog of every language in `domain` (the user-facing one by default; `staff`: the
    office's and partner contacts' texts), the likely languages first."""
    files = {p.parent.parent.name: p for p in locales.glob(f"*/LC_MESSAGES/{domain}.po")}
    rank = {code: i for i, code in enumerate(LIKELY_ORDER)}
    return {code: files[code] for code in sorted(files, key=lambda c: (rank.get(c, len(rank)), c))}


def fingerprint(message: Message) -> str:
    """Changes when the source text or the translation changes, and only then."""
    ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    data = json.dumps([message.context, list(ids), list(strings)], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:8]


def translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return not message.fuzzy and all(strings)


def stamped(message: Message) -> bool:
    """Reviewed as it reads now."""
    return f"{MARK}{fingerprint(message)}" in message.user_comments


def read(path: Path, code: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=code)


def status(path: Path, code: str) -> Review:
    catalog = read(path, code)
    entries = [m for m in catalog if m.id]
    header = dict(_HEADER.findall(catalog.header_comment))
    reviewer = header.get(BY) or None
    try:
        on = date.fromisoformat(header[ON]) if header.get(ON) else None
    except ValueError:
        on = None
    return Review(code, path, len(entries), sum(translated(m) for m in entries), reviewer, on,
                  sum(not stamped(m) for m in entries))


def stamp(path: Path, code: str, reviewer: str, on: date) -> Review:
    """Record that `reviewer` read the language's texts on `on`: every translated entry as it
    reads now. Untranslated and fuzzy entries are left unstamped (they count as changed)."""
    name = " ".join(reviewer.split())
    if not name:
        raise ValueError("the reviewer's name is empty")
    catalog = read(path, code)
    kept = [line for line in catalog.header_comment.splitlines() if not _HEADER.match(line)]
    catalog.header_comment = "\n".join([*kept, f"# {BY} {name}", f"# {ON} {on.isoformat()}"])
    for message in catalog:
        if not message.id:
            continue
        message.user_comments = [c for c in message.user_comments if not c.startswith(MARK)]
        if translated(message):
            message.user_comments.append(f"{MARK}{fingerprint(message)}")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0)
    return status(path, code)
