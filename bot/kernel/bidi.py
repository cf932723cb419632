"""Right-to-left text that reads right: one pass over every text an Arabic-script reader gets.

Telegram lays out each paragraph by its first strong character and mirrors what it cannot
place: a `/command` inside Arabic shows as "answers/", "(e.V.)" as "(.e.V)", and a message that
starts with a Latin name runs left to right. So, in a right-to-left language, every command,
Latin run (names, abbreviations, e-mail addresses, web addresses, Latin digits) and
`{placeholder}` is isolated (LRI/FSI … PDI), and a line whose first strong character would
still be Latin starts with a right-to-left mark. The same function serves catalog texts and
texts built in code (`directed`); it is idempotent, so a stored screen can pass again.
"""

from __future__ import annotations

import re
import unicodedata

from bot.kernel.outcome import Button, Outcome, Screen

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"
RLM = "\u200f"
ISOLATES = (LRI, FSI, "\u2067")  # LRI, FSI, RLI: each closed by a PDI

# A Latin run: starts with a Latin letter, a Latin digit or a slash command; goes on through
# letters, digits and the punctuation of names, numbers, addresses and abbreviations, and
# through single spaces between such words ("MSO Assistant", "Neumarkt 10", "e.V.").
_WORD = r"(?:/[A-Za-z_]+|[A-Za-z0-9\u00C0-\u024F](?:[A-Za-z0-9\u00C0-\u024F@&+_'’.,:/\-]*[A-Za-z0-9\u00C0-\u024F/.])?)"
# Words joined by spaces, hyphens or punctuation and a space: a whole sentence in a Latin
# script (a German workshop title, a partner's description) stays one run, read left to right.
_RUN = re.compile(rf"\(?{_WORD}(?:(?:[.,:;!?)]? \(?|[\-–]){_WORD})*\)?")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def strong(ch: str) -> str | None:
    """'L' or 'R' for a strong character, else None."""
    kind = unicodedata.bidirectional(ch)
    if kind == "L":
        return "L"
    if kind in ("R", "AL"):
        return "R"
    return None


def outside_isolates(text: str) -> str:
    """The text without what is inside isolates: what decides a paragraph's direction."""
    kept, depth = [], 0
    for ch in text:
        if ch in ISOLATES:
            depth += 1
        elif ch == PDI and depth:
            depth -= 1
        elif depth == 0:
            kept.append(ch)
    return "".join(kept)


def first_strong(text: str) -> str | None:
    for ch in outside_isolates(text):
        if (kind := strong(ch)) is not None:
            return kind
    return None


def _isolate_runs(line: str) -> str:
    """Isolate each Latin run and placeholder found outside existing isolates."""
    out, depth, start = [], 0, 0
    pieces: list[tuple[bool, str]] = []  # (inside an isolate, text)
    for i, ch in enumerate(line):
        if ch in ISOLATES:
            if depth == 0:
                pieces.append((False, line[start:i]))
                start = i
            depth += 1
        elif ch == PDI and depth:
            depth -= 1
            if depth == 0:
                pieces.append((True, line[start:i + 1]))
                start = i + 1
    pieces.append((depth > 0, line[start:]))
    for inside, piece in pieces:
        out.append(piece if inside else _isolate_plain(piece))
    return "".join(out)


def _isolate_plain(text: str) -> str:
    text = _PLACEHOLDER.sub(lambda m: f"{FSI}{m.group(0)}{PDI}", text)
    parts = re.split(f"({FSI}[^{PDI}]*{PDI})", text)
    return "".join(part if part.startswith(FSI) else _RUN.sub(_wrap, part) for part in parts)


def _wrap(match: re.Match[str]) -> str:
    run = match.group(0)
    # A sentence's full stop after a Latin word belongs to the right-to-left sentence; an
    # abbreviation ("e.V.", "z.B.") keeps its dots.
    tail = ""
    if run.endswith((".", ",", ":")) and run[:-1].count(".") == 0 and not run.startswith("("):
        run, tail = run[:-1], run[-1]
    opened, closed = run.count("("), run.count(")")
    if opened > closed and run.startswith("("):  # an unbalanced bracket stays outside
        return "(" + _wrap_text(run[1:]) + tail
    if closed > opened and run.endswith(")"):
        return _wrap_text(run[:-1]) + ")" + tail
    return _wrap_text(run) + tail


def _wrap_text(run: str) -> str:
    if not run or not any(strong(ch) == "L" or ch.isdigit() or ch == "/" for ch in run):
        return run
    return f"{LRI}{run}{PDI}"


def directed(text: str) -> str:
    """Text for a right-to-left reader: Latin runs isolated, every line right to left. A text
    with no right-to-left letter at all (a language named in its own script on the picker, a
    German text typed by staff) is left as it is: it reads left to right on its own."""
    if not any(strong(ch) == "R" for ch in text):
        return text
    lines = []
    for line in text.split("\n"):
        line = _isolate_runs(line)
        if line.strip() and first_strong(line) != "R" and not line.startswith(RLM):
            line = RLM + line
        lines.append(line)
    return "\n".join(lines)


def directed_screen(screen: Screen) -> Screen:
    return screen.model_copy(update={
        "text": directed(screen.text),
        "buttons": [[_button(b) for b in row] for row in screen.buttons]})


def _button(button: Button) -> Button:
    return button.model_copy(update={"label": directed(button.label)})


def directed_outcome(outcome: Outcome, rtl: bool) -> Outcome:
    """Every text of an outcome for a reader of a right-to-left language; others unchanged."""
    if not rtl:
        return outcome
    return outcome.model_copy(update={
        "toast": directed(outcome.toast) if outcome.toast else outcome.toast,
        "source": directed_screen(outcome.source) if outcome.source else None,
        "edits": [e.model_copy(update={"screen": directed_screen(e.screen) if e.screen else None})
                  for e in outcome.edits],
        "messages": [directed_screen(s) for s in outcome.messages],
        "documents": [d.model_copy(update={"caption": directed(d.caption) if d.caption else d.caption})
                      for d in outcome.documents]})
