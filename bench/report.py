"""The figures as one table: each row a measured value, its goal from the issue, PASS or MISS,
and the machine it was measured on (the goals are for a 2-core machine)."""

from __future__ import annotations

import os
import platform
import resource
import sys
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    part: str
    name: str
    value: float
    unit: str
    goal: str = ""  # e.g. "≥ 1,000"; empty: a figure for information
    ok: bool | None = None  # None: no goal
    decimals: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Row:
        return cls(**data)

    def shown(self) -> str:
        return f"{self.value:,.{self.decimals}f} {self.unit}".rstrip()


def at_least(part: str, name: str, value: float, goal: float, unit: str, decimals: int = 0) -> Row:
    return Row(part, name, value, unit, f"≥ {goal:,.{decimals}f}", value >= goal, decimals)


def at_most(part: str, name: str, value: float, goal: float, unit: str, decimals: int = 0) -> Row:
    return Row(part, name, value, unit, f"< {goal:,.{decimals}f}", value < goal, decimals)


def info(part: str, name: str, value: float, unit: str = "", decimals: int = 0) -> Row:
    return Row(part, name, value, unit, "", None, decimals)


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), model)
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}, {cores} cores, Python {platform.python_version()} ({platform.system()})"


def table(rows: list[Row]) -> str:
    head = ("part", "figure", "value", "goal", "")
    cells = [head] + [(r.part, r.name, r.shown(), r.goal, "" if r.ok is None else ("PASS" if r.ok else "MISS"))
                      for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = []
    for n, cell in enumerate(cells):
        aligned = [cell[0].ljust(widths[0]), cell[1].ljust(widths[1]), cell[2].rjust(widths[2]),
                   cell[3].ljust(widths[3]), cell[4]]
        lines.append("  ".join(aligned).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
