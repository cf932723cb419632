"""The report as one self-contained HTML page: the same model as the PDF, charts embedded as
PNG with their alt text (the figures in words), tables with headers for screen readers."""

from __future__ import annotations

import base64
from html import escape

from bot.report.model import Chart, Report, Table, Text

STYLE = """body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
color:#111;line-height:1.45}table{border-collapse:collapse;margin:.5rem 0 .2rem}th,td{border:1px solid #999;
padding:.2rem .5rem}td:not(:first-child),th:not(:first-child){text-align:right}th{background:#e6e6e6}
caption{text-align:left;font-weight:bold;padding:.3rem 0}.note{font-size:.75rem;color:#333;margin:0 0 1rem}
img{max-width:100%}nav li{margin:.1rem 0}.generated{font-size:.85rem}"""


def render_html(report: Report, images: list[bytes]) -> bytes:
    pictures = iter(images)
    parts = [f'<!DOCTYPE html>\n<html lang="{escape(report.language)}">\n<head><meta charset="utf-8">',
             f"<title>{escape(report.title)}</title><style>{STYLE}</style></head>\n<body>",
             f"<header><h1>{escape(report.title)}</h1><p>{escape(report.subtitle)}</p>"
             f'<p class="generated">{escape(report.generated)}</p></header>',
             f"<nav><h2>{escape(report.contents_title)}</h2><ol>"]
    parts += [f'<li><a href="#{s.key}">{escape(s.title)}</a></li>' for s in report.sections]
    parts.append("</ol></nav>")
    for number, section in enumerate(report.sections, 1):
        parts.append(f'<section id="{section.key}"><h2>{number}. {escape(section.title)}</h2>')
        bullets: list[str] = []
        for block in section.blocks:
            if bullets and not (isinstance(block, Text) and block.kind == "li"):
                parts.append("<ul>" + "".join(bullets) + "</ul>")
                bullets = []
            if isinstance(block, Text):
                if block.kind == "li":
                    bullets.append(f"<li>{escape(block.text)}</li>")
                else:
                    tag = "h3" if block.kind == "h" else "p"
                    parts.append(f"<{tag}>{escape(block.text)}</{tag}>")
            elif isinstance(block, Table):
                parts.append(_table(block))
            elif isinstance(block, Chart):
                data = base64.b64encode(next(pictures)).decode("ascii")
                parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{escape(block.spec.alt)}">'
                             f"<figcaption>{escape(block.spec.title)}</figcaption></figure>")
        if bullets:
            parts.append("<ul>" + "".join(bullets) + "</ul>")
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts).encode("utf-8")


def _table(block: Table) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in block.header)
    rows = "".join("<tr>" + "".join(f'<th scope="row">{escape(c)}</th>' if i == 0 else f"<td>{escape(c)}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in block.rows)
    note = f'<p class="note">{escape(block.note)}</p>' if block.note else ""
    return f"<table><caption>{escape(block.caption)}</caption><tr>{head}</tr>{rows}</table>{note}"
