"""The report as a document model, worded but not yet laid out: sections of headings,
paragraphs, tables and charts. The PDF and the HTML are two layouts of the same model, and the
tests read it (and the PDF's text) to check the figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.report.charts import ChartSpec

SUPPRESSED = "."  # as official statistics mark a figure kept secret


@dataclass(frozen=True)
class Text:
    text: str
    kind: str = "p"  # p (paragraph), h (subheading), li (bullet)


@dataclass(frozen=True)
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass(frozen=True)
class Chart:
    spec: ChartSpec


Block = Text | Table | Chart


@dataclass
class Section:
    key: str  # stable, for anchors and tests: summary, method, associations, ...
    title: str
    blocks: list[Block] = field(default_factory=list)

    def say(self, text: str, kind: str = "p") -> None:
        self.blocks.append(Text(text, kind))


@dataclass
class Report:
    title: str
    subtitle: str
    generated: str  # "Erstellt am …": the only line that may differ between two runs on the same data
    data_time: datetime  # the PDF's dates and id come from the data, not the clock
    language: str
    sections: list[Section] = field(default_factory=list)
    contents_title: str = "Contents"
    page_label: str = "Page {page} of {pages}"

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def charts(self) -> list[ChartSpec]:
        return [b.spec for s in self.sections for b in s.blocks if isinstance(b, Chart)]
