"""Statistical disclosure control: which counts of associations may be published, and how.

Exact counts above a threshold do not survive repeated queries: one association more between
two looks moves every figure it is counted in by one, and the difference names its district,
language and need level (issue 26). So every figure anyone outside the office sees (partner
contacts' `/needs` and monthly digest; later the committee's report) goes through `protect`:

1. Primary suppression: a cell with fewer than THRESHOLD (3) associations is not published
   (neither is a zero: a hidden cell and an empty one look the same). A total below the
   threshold hides its whole table.
2. Secondary suppression: where the total of a line is published, the hidden cells of that line
   must be at least two and hold at least THRESHOLD associations together; otherwise the
   smallest published cell is hidden as well, until they do. The total minus the published
   cells then never recomputes one hidden cell, nor shows that a few associations hide there.
3. Rounding: every published figure, totals included, is rounded to the nearest multiple of
   BASE (5; halves up), so three and four both read 5: one association more or less between
   two publications changes nothing in most figures, and never says which.

The figures are counted once per publication (a snapshot, `PartnerFigures`), never per query,
and only over associations that agreed to sharing; a change is the difference between two
published figures, so it tells nothing the two do not.

`protect` works on a plain table of counts (category -> associations) with its total;
`protect_cube` on a table of several dimensions (district x language x level, ...), where every
line along each dimension is protected as above.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

THRESHOLD = 3
BASE = 5

K = TypeVar("K", bound=Hashable)


def rounded(n: int, base: int = BASE) -> int:
    """To the nearest multiple of `base`, halves up (3 and 4 read 5, 7 reads 5, 8 reads 10)."""
    return base * ((n + base // 2) // base)


@dataclass(frozen=True)
class Protected(Generic[K]):
    """What may be published of one table: the cells shown (rounded; a key missing is not shown)
    and the total (rounded; None when it is below the threshold)."""

    cells: dict[K, int]
    total: int | None


def _hide_more(counts: Mapping[K, int], hidden: set[K], threshold: int) -> bool:
    """Secondary suppression in one line whose total is known: hide the smallest shown cell while
    the hidden ones are fewer than two or hold fewer than `threshold`. True when it hid one."""
    changed = False
    while True:
        holding = [k for k in hidden if counts[k] > 0]
        if not holding or (len(holding) >= 2 and sum(counts[k] for k in holding) >= threshold):
            return changed
        shown = sorted((k for k, n in counts.items() if n > 0 and k not in hidden), key=lambda k: (counts[k], str(k)))
        if not shown:
            return changed
        hidden.add(shown[0])
        changed = True


def protect(counts: Mapping[K, int], total: int | None = None, *, threshold: int = THRESHOLD,
            base: int = BASE) -> Protected[K]:
    """One table of counts with its total (the sum of the cells when not given; give it when the
    cells overlap, as languages do, or leave some out, as an unanswered district)."""
    whole = sum(counts.values()) if total is None else total
    if whole < threshold:
        return Protected({}, None)
    hidden = {k for k, n in counts.items() if n < threshold}
    _hide_more(counts, hidden, threshold)
    return Protected({k: rounded(n, base) for k, n in counts.items() if k not in hidden}, rounded(whole, base))


def protect_cube(counts: Mapping[tuple[Hashable, ...], int], *, threshold: int = THRESHOLD,
                 base: int = BASE) -> dict[tuple[Hashable, ...], int]:
    """A table of several dimensions (keys of equal length): the cells that may be shown,
    rounded. Every line along every dimension that shows a cell is treated as if its total were
    published, and lines are protected again until no hidden cell can be recomputed from any of
    them. A line that shows no cell hides its total too (publish margins through `protect`)."""
    hidden = {k for k, n in counts.items() if n < threshold}
    dimensions = len(next(iter(counts), ()))
    changed = True
    while changed:
        changed = False
        for d in range(dimensions):
            lines: dict[tuple[Hashable, ...], dict[tuple[Hashable, ...], int]] = defaultdict(dict)
            for key, n in counts.items():
                lines[key[:d] + key[d + 1:]][key] = n
            for line in lines.values():
                if sum(line.values()) < threshold:
                    continue  # its total is hidden too
                in_line = {k for k in line if k in hidden}
                if _hide_more(line, in_line, threshold):
                    hidden |= in_line
                    changed = True
    return {k: rounded(n, base) for k, n in counts.items() if k not in hidden}
