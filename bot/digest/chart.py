"""The digest's chart: needs by topic, this week against last, as a PNG for a phone screen."""

from __future__ import annotations

import io

from bot.digest.figures import DigestFigures
from bot.digest.render import StaffVoice, period_line


def needs_chart(v: StaffVoice, figures: DigestFigures) -> bytes:
    """Horizontal bars, most-needed topic on top; matplotlib is imported only when drawing."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    _ = v.t.gettext
    needs = list(reversed(figures.needs))  # barh draws bottom-up
    labels = [v.topic(n.topic) for n in needs]
    positions = list(range(len(needs)))
    height = 0.38
    figure = Figure(figsize=(8, 1.2 + 0.55 * max(len(needs), 1)), dpi=120, layout="constrained")
    axes = figure.add_subplot()
    axes.barh([p - height / 2 for p in positions], [n.before for n in needs], height,
              label=_("Previous week"), color="#9bb7d4")
    bars = axes.barh([p + height / 2 for p in positions], [n.now for n in needs], height,
                     label=_("This week"), color="#1f5a96")
    axes.bar_label(bars, labels=[v.n(n.now) for n in needs], padding=3, fontsize=8)
    axes.set_yticks(positions, labels, fontsize=9)
    axes.set_xlabel(_("Associations rating the need big or urgent"))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(_("Needs by topic") + " · " + period_line(v, figures), fontsize=11)
    axes.legend(loc="lower right", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
