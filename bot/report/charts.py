"""The report's charts: horizontal bars, stacked or side by side, in shades of grey with a
hatching per series, so a black-and-white print tells the series apart as well as a screen.

Only protected figures reach a chart (a hidden cell is drawn as nothing and the table beside it
says why). `draw` is pure CPU and deterministic: the same spec gives the same PNG bytes (no
time stamp, no software name in the file).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

GREYS = ("#ffffff", "#d4d4d4", "#a6a6a6", "#6e6e6e", "#e8e8e8", "#8c8c8c")
HATCHES = ("", "///", "...", "xx", "\\\\", "--")
EDGE = "#000000"


@dataclass(frozen=True)
class ChartSpec:
    title: str
    labels: list[str]  # one per bar (group), top to bottom
    series: list[tuple[str, list[int]]]  # name, one value per label
    axis: str
    stacked: bool = False
    alt: str = ""  # what the chart shows, in words, for the HTML (and screen readers)


def draw(spec: ChartSpec) -> bytes:
    """A PNG of the chart; matplotlib is imported only when drawing."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    labels = list(reversed(spec.labels))  # barh draws bottom-up; the first label goes on top
    series = [(name, list(reversed(values))) for name, values in spec.series]
    positions = list(range(len(labels)))
    groups = 1 if spec.stacked else max(len(series), 1)
    height = 0.75 / groups
    figure = Figure(figsize=(7.5, 1.3 + (0.32 if spec.stacked else 0.22 * groups + 0.1) * max(len(labels), 1)),
                    dpi=110, layout="constrained")
    axes = figure.add_subplot()
    left = [0] * len(labels)
    for i, (name, values) in enumerate(series):
        style: dict[str, Any] = {"color": GREYS[i % len(GREYS)], "hatch": HATCHES[i % len(HATCHES)],
                                 "edgecolor": EDGE, "linewidth": 0.6, "label": name}
        if spec.stacked:
            bars = axes.barh(positions, values, 0.7, left=left, **style)
            left = [a + b for a, b in zip(left, values, strict=True)]
        else:
            offset = ((groups - 1) / 2 - i) * height  # the first series on top of its group
            bars = axes.barh([p + offset for p in positions], values, height, **style)
            axes.bar_label(bars, labels=[str(v) if v else "" for v in values], padding=2, fontsize=7)
    if spec.stacked:
        axes.bar_label(bars, labels=[str(v) if v else "" for v in left], padding=2, fontsize=7)
    axes.set_yticks(positions, labels, fontsize=8)
    axes.set_xlabel(spec.axis, fontsize=8)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    axes.tick_params(axis="x", labelsize=7)
    axes.set_title(spec.title, fontsize=10)
    if len(series) > 1:
        wide = sum(len(name) for name, _values in series) > 80
        figure.legend(loc="outside lower center", ncol=1 if wide else len(series), fontsize=7, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
