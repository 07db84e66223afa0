"""A tiny document model (headings, paragraphs, lists, tables) rendered as Markdown or HTML.

`backtest check` and `backtest compare` build one list of blocks and render it twice, so the PR
comment (Markdown) and the HTML page always say the same thing. Inline markup is limited to
```code``` and ``**bold**``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Block",
    "Bullets",
    "Heading",
    "Paragraph",
    "Table",
    "html_fragment",
    "to_html",
    "to_markdown",
]


@dataclass(frozen=True, kw_only=True)
class Heading:
    """A heading of ``level`` 1-4."""

    text: str
    level: int = 2


@dataclass(frozen=True, kw_only=True)
class Paragraph:
    """One paragraph of text."""

    text: str


@dataclass(frozen=True, kw_only=True)
class Bullets:
    """An unordered list."""

    items: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Table:
    """A table; ``numeric`` marks right-aligned columns by index."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: frozenset[int] = frozenset()


Block = Heading | Paragraph | Bullets | Table


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: Sequence[Block]) -> str:
    """Render ``blocks`` as GitHub-flavoured Markdown."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Bullets):
            parts.append("\n".join(f"- {item}" for item in block.items))
        else:
            align = ["---:" if i in block.numeric else "---" for i in range(len(block.header))]
            lines = ["| " + " | ".join(_md_cell(h) for h in block.header) + " |"]
            lines.append("|" + "|".join(align) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)


_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:80em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}"
    "th,td{border:1px solid #ccc;padding:.25em .6em}th{background:#f3f3f3}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "code{background:#f3f3f3;padding:0 .2em}"
)


def to_html(blocks: Sequence[Block], *, title: str) -> str:
    """Render ``blocks`` as one self-contained HTML page (no scripts, no external files)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>\n"
        + html_fragment(blocks)
        + "\n</body></html>\n"
    )


def html_fragment(blocks: Sequence[Block]) -> str:
    """Render ``blocks`` as HTML elements (no page around them), one per line."""
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{_inline(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Bullets):
            items = "".join(f"<li>{_inline(item)}</li>" for item in block.items)
            body.append(f"<ul>{items}</ul>")
        else:
            head = "".join(f"<th>{_inline(h)}</th>" for h in block.header)
            rows = []
            for row in block.rows:
                cells = "".join(
                    f'<td class="num">{_inline(c)}</td>'
                    if i in block.numeric
                    else f"<td>{_inline(c)}</td>"
                    for i, c in enumerate(row)
                )
                rows.append(f"<tr>{cells}</tr>")
            body.append(
                f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            )
    return "\n".join(body)
