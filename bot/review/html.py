"""The gallery as web pages: one self-contained page per language, a phone-wide column of chat
bubbles with their buttons, and an index. Each paragraph of a bubble takes its direction from
its first strong character (`unicode-bidi: plaintext`), as Telegram lays messages out, so a
line that would run the wrong way shows here too. Captions are for the reviewer, in English."""

from __future__ import annotations

from collections import Counter
from html import escape

from bot.review.shown import KINDS, Shown
from bot.review.status import Review

STYLE = """
body { margin: 0; background: #d9e4ec; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", "Noto Sans",
  "Noto Sans Arabic", "Noto Naskh Arabic", Tahoma, sans-serif; color: #111; }
header, main { max-width: 380px; margin: 0 auto; padding: 12px; }
header { background: #fff; border-radius: 0 0 12px 12px; }
header h1 { font-size: 18px; margin: 0 0 4px; }
header p, nav { font-size: 13px; color: #444; margin: 4px 0; }
nav a { margin-inline-end: 6px; }
section { margin: 18px 0; }
.caption { font-size: 12px; color: #38536b; margin: 0 4px 4px; }
.kind { font-weight: 600; background: #fff; border-radius: 4px; padding: 0 4px; }
.bubble { background: #fff; border-radius: 12px; padding: 8px 10px; box-shadow: 0 1px 1px #0002;
  white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: plaintext; text-align: start; }
.keyboard { margin-top: 4px; }
.row { display: flex; gap: 4px; margin-top: 4px; }
.button { flex: 1 1 0; background: #6d96b8; color: #fff; border-radius: 8px; padding: 7px 6px;
  text-align: center; font-size: 14px; unicode-bidi: plaintext; overflow-wrap: anywhere; }
table { border-collapse: collapse; font-size: 13px; }
td, th { padding: 4px 8px; text-align: start; border-bottom: 1px solid #ddd; }
"""


def page(code: str, name: str, rtl: bool, shown: list[Shown], kinds: tuple[str, ...] = KINDS,
         who: str = "") -> str:
    """One language's page (`who`: whose screens, when not an association's)."""
    counts = Counter(s.kind for s in shown)
    toc = " ".join(f'<a href="#{k}">{escape(k)}</a>&nbsp;{counts[k]}' for k in kinds if counts[k])
    sections = []
    first: set[str] = set()
    for number, item in enumerate(shown, start=1):
        anchor = f' id="{escape(item.kind)}"' if item.kind not in first else ""
        first.add(item.kind)
        sections.append(_section(number, item, anchor))
    direction = "right to left" if rtl else "left to right"
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{escape(code)}" dir="{"rtl" if rtl else "ltr"}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>MSO Assistant: every screen{escape(who)} in {escape(name)} ({escape(code)})</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        '<header dir="ltr">',
        f'<h1>MSO Assistant{escape(who)} · <span dir="auto">{escape(name)}</span> ({escape(code)})</h1>',
        f"<p>{len(shown)} screens, {direction}, in the order a conversation meets them. Each caption names "
        "the kind of screen and when it is shown; the captions are not shown to users.</p>",
        f"<nav>{toc}</nav>",
        '<p><a href="index.html">all languages</a></p>',
        "</header>",
        "<main>",
        *sections,
        "</main>",
        "</body>",
        "</html>",
        "",
    ])


def _section(number: int, item: Shown, anchor: str) -> str:
    rows = "".join(
        '<div class="row">' + "".join(f'<span class="button">{escape(b.label)}</span>' for b in row) + "</div>"
        for row in item.screen.buttons if row)
    keyboard = f'<div class="keyboard">{rows}</div>' if rows else ""
    return (f'<section{anchor} data-kind="{escape(item.kind)}">'
            f'<p class="caption" dir="ltr"><span class="kind">{escape(item.kind)}</span> {number}. '
            f"{escape(item.title)}</p>"
            f'<div class="bubble">{escape(item.screen.text)}</div>{keyboard}</section>')


def index(languages: list[tuple[str, str, bool, int | None]], reviews: dict[str, Review],
          office: list[tuple[str, str, int | None]] | None = None,
          office_reviews: dict[str, Review] | None = None) -> str:
    """(code, name, right to left, screens if just made) of each page, with each catalog's review
    status; `office`: (code, name, screens) of each office page, with its staff.po's status."""
    rows = [_row(code, code, name, "rtl" if rtl else "ltr", count, reviews.get(code))
            for code, name, rtl, count in languages]
    offices = [_row(f"office-{code}", code, name, "ltr", count, (office_reviews or {}).get(code))
               for code, name, count in office or []]
    head = ("<tr><th>code</th><th>language</th><th>direction</th><th>screens</th><th>reviewed on</th>"
            "<th>reviewer</th><th>changed since</th></tr>")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en" dir="ltr">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>MSO Assistant: every screen, every language</title><style>{STYLE}</style></head>",
        "<body><header>",
        "<h1>MSO Assistant: every screen, every language</h1>",
        "<p>One page per language. A native reader goes through one page in about an hour and notes what "
        "reads wrong; after the fixes, <code>msobot translations review</code> records the review.</p>",
        f"<table>{head}",
        *rows,
        "</table>",
        *(["<p>What partner contacts and staff read (staff.po: chats, the web view, the committee report, the "
           "record of processing); reviewed with <code>msobot translations review --catalog staff</code>:</p>",
           f"<table>{head}", *offices, "</table>"] if offices else []),
        "</header></body></html>",
        "",
    ])


def _row(page: str, code: str, name: str, direction: str, count: int | None, review: Review | None) -> str:
    on = review.reviewed_on.isoformat() if review and review.reviewed_on else "never"
    who = escape(review.reviewer) if review and review.reviewer else "–"
    changed = str(review.changed) if review and review.reviewed_on else "–"
    screens = "–" if count is None else str(count)
    return (f'<tr><td><a href="{escape(page)}.html">{escape(code)}</a></td>'
            f'<td dir="auto">{escape(name)}</td><td>{direction}</td><td>{screens}</td>'
            f"<td>{on}</td><td>{who}</td><td>{changed}</td></tr>")
