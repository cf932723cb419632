"""Text helpers: cutting long texts, and making one person's text safe to show to another."""

from __future__ import annotations

import re
import unicodedata

FSI, PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate
# Bidi embeddings and overrides, isolates, and the direction marks: in one user's text they can
# reorder what surrounds it on another user's screen.
BIDI_CONTROLS = frozenset([*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)),
                           "\u200e", "\u200f", "\u061c"])
_SPACES = re.compile(r"\s+")


def clean_line(text: str) -> str:
    """A name or contact: one line, without format characters (bidi controls, zero-width
    characters, BOM) or control characters; runs of spaces become one."""
    kept = "".join(" " if ch in "\r\n\t\v\f\u2028\u2029\x85" else ch for ch in text
                   if unicodedata.category(ch) not in ("Cf", "Cc") or ch in "\r\n\t\v\f")
    return _SPACES.sub(" ", kept).strip()


def clean_text(text: str) -> str:
    """A free text: line breaks stay (so do joiners, which some scripts need), bidi controls and
    other control characters go."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS
                   and (unicodedata.category(ch) != "Cc" or ch in "\n\t")).strip()


def isolated(text: str) -> str:
    """One person's text inside another's screen: it cannot change the direction of what
    surrounds it, in any language."""
    return f"{FSI}{text.replace(FSI, '').replace(PDI, '')}{PDI}"


def plain(text: str) -> str:
    """Without the direction marks and isolates laid into chat texts: for a file other programs
    show (a calendar entry), which lay out each line themselves."""
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)


def units(text: str) -> int:
    """A text's length as Telegram counts it: UTF-16 code units (most emoji, and every other
    character outside the Basic Multilingual Plane, count 2)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters from the start of `text` fit in `limit` units."""
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def split_text(text: str, limit: int) -> list[str]:
    """Cut a long text into pieces of at most `limit` units (`units`), on line breaks where possible."""
    if units(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while units(line) > limit:  # a single overlong line: cut at the last space that fits
            fits = _fitting(line, limit)
            cut = line.rfind(" ", 0, fits)
            cut = cut if cut > fits // 2 else fits
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if units(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()] or [text[:_fitting(text, limit)]]
