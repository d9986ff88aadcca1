"""The card's Markdown `detail`: the chart boxes it came from, the facts used with their provenance,
assumptions made and data that was missing."""

from __future__ import annotations

import re

from cards.messages import Catalogue
from fhir_mappings.facts import Assumption, DataGap, Provenance
from pathways.recommendation import Evidence, Recommendation


_CODE = re.compile(r"\{([a-z0-9-]+)\}")
_ANNOTATION = re.compile(r"\{([^{}]*)\}")  # a UCUM annotation as recorded, e.g. "{T-score}"


def chart_of(node: str) -> str:
    """"RCOP-FX-10" -> "RCOP-FX", "VITAZ-7b" -> "VITAZ"; a chart-level node ("RCOP-FX") is its own chart."""
    head, _, tail = node.rpartition("-")
    return head if re.fullmatch(r"\d+[a-z]?", tail) else node


def _provenance(p: Provenance | None, msg: Catalogue) -> str:
    if p is None:
        return ""
    recorded = [msg.localise("`" + _ANNOTATION.sub(r"\1", p.recorded) + "`")] if p.recorded else []
    parts = [p.reference, *([msg.value(p.date)] if p.date else []), *recorded]
    return " — _" + ", ".join(parts) + "_"


def _evidence(e: Evidence, msg: Catalogue) -> str:
    """`label: value — provenance`; `{code}` words in the value are translated (`value.<code>`, else the code)."""
    value = msg.localise(_CODE.sub(lambda m: msg.value(m.group(1)), e.value))
    return f"- {msg.text(e.label)}: {value}{_provenance(e.source, msg)}"


def _coded(prefix: str, code: str, params: tuple[tuple[str, object], ...], msg: Catalogue) -> str:
    """Assumption/gap text; codes coined by the mapping layer that the catalogue lacks fall back to `<prefix>.other`."""
    key = f"{prefix}.{code}"
    return msg.text(key, params) if key in msg else msg.text(f"{prefix}.other", (("code", code),))


def _assumption(a: Assumption, msg: Catalogue) -> str:
    return f"- {_coded('assumption', a.code, a.params, msg)}"


def _gap(g: DataGap, msg: Catalogue) -> str:
    where = f" ({g.reference})" if g.reference else ""
    text = _coded("gap", g.code, (), msg)
    return f"- {text.rstrip('.')}: {g.detail}{where}" if g.detail else f"- {text}{where}"


def render_detail(rec: Recommendation, msg: Catalogue, source_label: str) -> str:
    charts = dict.fromkeys(chart_of(r.node) for r in rec.reasons)
    lines = [f"**{msg.text('detail.chart')}:** " + "; ".join(f"{msg.text(f'chart.{c}')} ({c})" for c in charts), ""]
    lines += [f"**{msg.text('detail.why')}**", *(f"- **{r.node}** — {msg.text(r.message, r.params)}" for r in rec.reasons)]
    sections = (
        ("detail.facts", [_evidence(e, msg) for e in rec.evidence]),
        ("detail.assumptions", [_assumption(a, msg) for a in rec.assumptions]),
        ("detail.missing", [_gap(g, msg) for g in rec.missing]),
    )
    for heading, items in sections:
        if items:
            lines += ["", f"**{msg.text(heading)}**", *items]
    lines += ["", f"_{msg.text('detail.source')}: {source_label}_"]
    return "\n".join(lines)
