"""The small Markdown subset a card's `detail` uses, as safe HTML (the viewer) or plain text (`osteocds evaluate`).

Supported: paragraphs, hard line breaks (two trailing spaces), `1.` and `-` lists nested by indentation, `**strong**`,
`_emphasis_`, `` `code` `` and `[label](https://...)` links. Everything else is text. The HTML is built by escaping
the whole line first and only then turning the markers into tags, so no HTML in a card can reach the page; a link
keeps only an http(s) URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

_ITEM = re.compile(r"^(?P<indent> *)(?:(?P<number>\d+)\.|(?P<bullet>[-*])) +(?P<text>.*)$")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])_(?=\S)(.+?)(?<=\S)_(?!\w)")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^\s)\"<>]+)\)")


@dataclass
class _List:
    ordered: bool
    indent: int
    items: list[list] = field(default_factory=list)  # each item: its inline lines, then nested _List blocks


_SPANS = re.compile(f"{_CODE.pattern}|{_LINK.pattern}")


def _emphasis(text: str, html: bool) -> str:
    if not html:
        return _EMPHASIS.sub(r"\1", _STRONG.sub(r"\1", text))
    marked = _STRONG.sub(r"<strong>\1</strong>", str(escape(text)))
    return _EMPHASIS.sub(r"<em>\1</em>", marked)


def _inline(text: str, html: bool) -> str:
    """Code spans and links are cut out first, so emphasis markers never reach into code or a URL."""
    out, pos = [], 0
    for m in _SPANS.finditer(text):
        out.append(_emphasis(text[pos:m.start()], html))
        code, label, url = m.groups()
        if code is not None:
            out.append(f"<code>{escape(code)}</code>" if html else code)
        elif html:
            out.append(f'<a href="{escape(url)}" rel="noopener noreferrer" target="_blank">{_emphasis(label, html)}</a>')
        else:
            out.append(f"{_emphasis(label, html)} ({url})")
        pos = m.end()
    out.append(_emphasis(text[pos:], html))
    return "".join(out)


def _lines_html(lines: list[str]) -> str:
    """Inline lines joined; a line ending in two spaces is a hard break."""
    out = []
    for i, line in enumerate(lines):
        out.append(_inline(line.strip(), html=True))
        if i < len(lines) - 1:
            out.append("<br>" if line.endswith("  ") else "\n")
    return "".join(out)


def _parse(markdown: str) -> list:
    """Blocks: `list[str]` for a paragraph's lines, `_List` for a (nested) list."""
    blocks: list = []
    stack: list[_List] = []
    paragraph: list[str] | None = None
    for line in markdown.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            stack, paragraph = [], None
            continue
        item = _ITEM.match(line)
        if item is None:
            if stack:  # a continuation line of the open item
                stack[-1].items[-1].append(line)
            elif paragraph is None:
                paragraph = [line]
                blocks.append(paragraph)
            else:
                paragraph.append(line)
            continue
        paragraph = None
        indent, ordered = len(item["indent"]), item["number"] is not None
        while stack and (indent < stack[-1].indent or (indent == stack[-1].indent and ordered != stack[-1].ordered)):
            stack.pop()
        if not stack or indent > stack[-1].indent:
            new = _List(ordered, indent)
            (stack[-1].items[-1] if stack else blocks).append(new)
            stack.append(new)
        stack[-1].items.append([item["text"]])
    return blocks


def _list_html(block: _List) -> str:
    tag = "ol" if block.ordered else "ul"
    items = []
    for item in block.items:
        text = [x for x in item if isinstance(x, str)]
        nested = "".join(_list_html(x) for x in item if isinstance(x, _List))
        items.append(f"<li>{_lines_html(text)}{nested}</li>")
    return f"<{tag}>{''.join(items)}</{tag}>"


def to_html(markdown: str) -> Markup:
    """Safe HTML for a card's Markdown detail."""
    parts = [_list_html(b) if isinstance(b, _List) else f"<p>{_lines_html(b)}</p>" for b in _parse(markdown)]
    return Markup("\n".join(parts))


def to_text(markdown: str) -> str:
    """The detail for a terminal: the same lines, markers removed."""
    return "\n".join(_inline(line.rstrip(), html=False) for line in markdown.replace("\r\n", "\n").split("\n"))
