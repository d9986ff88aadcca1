"""The card detail's Markdown subset: safe HTML for the viewer, plain text for the terminal."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from cds_service.markdown import to_html, to_text

DETAIL = """**Plan (steps in order)**
1. **DXA+VFA** — Order the VFA. (RCOP-FX-10)
   - The decision waits for it. (RCOP-GC-1)
2. **Start medication** — alendronic acid (RCOP-FX-7)

**Facts used**
- Age (years): 72 — _patient record 1 Jan 1954_

_Nodes: RCOP-FX-10, RCOP-FX-7 · Source: RCOP_  
_Flowchart: first evaluation_"""


def test_a_plan_detail_becomes_nested_lists_strong_emphasis_and_a_hard_break():
    assert str(to_html(DETAIL)) == (
        "<p><strong>Plan (steps in order)</strong></p>\n"
        "<ol><li><strong>DXA+VFA</strong> — Order the VFA. (RCOP-FX-10)<ul><li>The decision waits for it. (RCOP-GC-1)</li></ul></li>"
        "<li><strong>Start medication</strong> — alendronic acid (RCOP-FX-7)</li></ol>\n"
        "<p><strong>Facts used</strong></p>\n"
        "<ul><li>Age (years): 72 — <em>patient record 1 Jan 1954</em></li></ul>\n"
        "<p><em>Nodes: RCOP-FX-10, RCOP-FX-7 · Source: RCOP</em><br><em>Flowchart: first evaluation</em></p>")


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "**<b onmouseover=alert(1)>x</b>**",
    "- <iframe src=https://example.org></iframe>",
    "[click](javascript:alert(1))",
    '[x](https://example.org/"onmouseover="alert(1))',
])
def test_no_html_from_a_detail_reaches_the_page(hostile):
    """Parsed as a browser would: only the subset's own tags, and a link only with an http(s) href."""
    tags: list[tuple[str, dict]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, dict(attrs)))

    Collect().feed(str(to_html(hostile)))
    for tag, attrs in tags:
        assert tag in {"p", "strong", "em", "code", "ul", "ol", "li", "br", "a"}
        assert set(attrs) <= ({"href", "rel", "target"} if tag == "a" else set())
        assert tag != "a" or attrs["href"].startswith("https://") and '"' not in attrs["href"]


def test_links_keep_only_http_urls_and_emphasis_never_reaches_into_them():
    html = str(to_html("see [the chart](https://example.org/a_b_c?x=1&y=2) and [that](ftp://example.org)"))
    assert '<a href="https://example.org/a_b_c?x=1&amp;y=2" rel="noopener noreferrer" target="_blank">the chart</a>' in html
    assert "[that](ftp://example.org)" in html


def test_snake_case_and_code_are_not_emphasis():
    assert str(to_html("a snake_case_name and `x_y_z`")) == "<p>a snake_case_name and <code>x_y_z</code></p>"


def test_plain_text_drops_the_markers_and_keeps_the_lines():
    text = to_text(DETAIL)
    assert text.splitlines()[:3] == ["Plan (steps in order)", "1. DXA+VFA — Order the VFA. (RCOP-FX-10)",
                                     "   - The decision waits for it. (RCOP-GC-1)"]
    assert "**" not in text and "_Nodes" not in text and "Nodes: RCOP-FX-10" in text
    assert to_text("[label](https://example.org/x_y_)") == "label (https://example.org/x_y_)"
