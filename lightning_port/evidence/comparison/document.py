"""A tiny document model (headings, paragraphs, tables, images, links) rendered twice: as
Markdown beside PNG files, and as one self-contained HTML page (images inlined as data
URIs, inline CSS, no scripts, fonts or anything else fetched from a network)."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str


@dataclass
class Link:
    text: str
    url: str


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str | Link]]  # a Link cell renders as a link


@dataclass
class Image:
    file_name: str
    alt: str


Block = Heading | Paragraph | Link | Table | Image


def _markdown_cell(cell: str | Link) -> str:
    if isinstance(cell, Link):
        return f"[{_markdown_cell(cell.text)}]({cell.url})"
    return str(cell).replace("|", "\\|").replace("\n", " ")


def _html_link(link: Link) -> str:
    return f'<a href="{html.escape(link.url, quote=True)}">{html.escape(link.text)}</a>'


def _html_cell(cell: str | Link) -> str:
    if isinstance(cell, Link):
        return f"<td>{_html_link(cell)}</td>"
    css = _VERDICT_CLASSES.get(str(cell))
    return f'<td class="{css}">{html.escape(str(cell))}</td>' if css else f"<td>{html.escape(str(cell))}</td>"


def to_markdown(blocks: list[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            lines += [block.text, ""]
        elif isinstance(block, Link):
            lines += [f"[{block.text}]({block.url})", ""]
        elif isinstance(block, Table):
            lines.append("| " + " | ".join(_markdown_cell(cell) for cell in block.headers) + " |")
            lines.append("|" + "|".join("---" for _ in block.headers) + "|")
            lines += ["| " + " | ".join(_markdown_cell(cell) for cell in row) + " |" for row in block.rows]
            lines.append("")
        elif isinstance(block, Image):
            lines += [f"![{block.alt}]({block.file_name})", ""]
    return "\n".join(lines)


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f0fa; }
td.ok { color: #11772b; font-weight: 600; } td.bad { color: #b00020; font-weight: 700; }
img { max-width: 100%; border: 1px solid #eee; }
h1 { color: #4b1f99; } code { background: #f5f5f5; padding: 0 0.2em; }
"""

_VERDICT_CLASSES = {"match": "ok", "passed": "ok", "met": "ok", "DIFFERS": "bad", "FAILED": "bad", "MISSED": "bad"}


def to_html(blocks: list[Block], title: str, images: dict[str, bytes] | None = None) -> str:
    """``images``: PNG bytes by file name, inlined so the page stands alone."""
    images = images or {}
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"]
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{html.escape(block.text)}</p>")
        elif isinstance(block, Link):
            parts.append(f"<p>{_html_link(block)}</p>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in block.headers)
            body = ["<tr>" + "".join(_html_cell(cell) for cell in row) + "</tr>" for row in block.rows]
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
        elif isinstance(block, Image):
            encoded = base64.b64encode(images[block.file_name]).decode("ascii")
            parts.append(f'<p><img src="data:image/png;base64,{encoded}" alt="{html.escape(block.alt, quote=True)}"></p>')
    parts.append("</body></html>\n")
    return "\n".join(parts)
