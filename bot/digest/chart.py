"""The digest's chart: needs by topic, this week against last, as a PNG for a phone screen.

Drawing takes matplotlib a moment of pure CPU, so it is a job for its own process
(`bot.kernel.offload`): `chart_spec` puts everything in the staff language into plain values
here, `draw` needs nothing else."""

from __future__ import annotations

import io
from dataclasses import dataclass

from bot.digest.figures import DigestFigures
from bot.digest.render import period_line
from bot.questionnaire.staff_voice import StaffVoice


@dataclass(frozen=True)
class ChartSpec:
    labels: list[str]  # bottom-up, as barh draws them
    before: list[int]
    now: list[int]
    values: list[str]  # the counts of this week as the staff language writes them
    previous_week: str
    this_week: str
    axis: str
    title: str


def chart_spec(v: StaffVoice, figures: DigestFigures) -> ChartSpec:
    _ = v.t.gettext
    needs = list(reversed(figures.needs))  # most-needed topic on top
    return ChartSpec(labels=[v.topic(n.topic) for n in needs], before=[n.before for n in needs],
                     now=[n.now for n in needs], values=[v.n(n.now) for n in needs],
                     previous_week=_("Previous week"), this_week=_("This week"),
                     axis=_("Associations rating the need big or urgent"),
                     title=_("Needs by topic") + " · " + period_line(v, figures))


def draw(spec: ChartSpec) -> bytes:
    """Horizontal bars; matplotlib is imported only when drawing."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    positions = list(range(len(spec.labels)))
    height = 0.38
    figure = Figure(figsize=(8, 1.2 + 0.55 * max(len(spec.labels), 1)), dpi=120, layout="constrained")
    axes = figure.add_subplot()
    axes.barh([p - height / 2 for p in positions], spec.before, height, label=spec.previous_week, color="#9bb7d4")
    bars = axes.barh([p + height / 2 for p in positions], spec.now, height, label=spec.this_week, color="#1f5a96")
    axes.bar_label(bars, labels=spec.values, padding=3, fontsize=8)
    axes.set_yticks(positions, spec.labels, fontsize=9)
    axes.set_xlabel(spec.axis)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(spec.title, fontsize=11)
    axes.legend(loc="lower right", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
