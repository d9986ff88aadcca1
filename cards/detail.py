"""A card's Markdown `detail`: the plan's steps in the order they are done (or a finding's reasons), the facts used
with their source, the assumptions (once per answer) and the guideline nodes.

Everything is worded by the catalogues in the card's language; FHIR references are not printed (they travel in
the card's `extension`), a source is named by its kind and date.
"""

from __future__ import annotations

import re
from string import Formatter

from cards.messages import Catalogue, capitalised
from cards.plan import Composed, is_agent
from fhir_mappings.facts import Assumption, DataGap, Provenance
from pathways.recommendation import Evidence, Reason, Recommendation
from pathways.safety.config import smpc


def _provenance(p: Provenance | None, msg: Catalogue) -> str:
    if p is None:
        return ""
    kind = msg.text(f"resource.{p.resource_type}") if f"resource.{p.resource_type}" in msg else p.resource_type
    return f" — _{kind} {msg.value(p.date)}_" if p.date else f" — _{kind}_"


def evidence_line(e: Evidence, msg: Catalogue) -> str:
    return f"- {msg.text(e.label)}: {msg.fill(e.value, e.params)}{_provenance(e.source, msg)}"


def _coded(prefix: str, code: str, params: tuple[tuple[str, object], ...], msg: Catalogue) -> str:
    """Assumption/gap text; codes the catalogue lacks fall back to `<prefix>.other`."""
    key = f"{prefix}.{code}"
    return msg.text(key, params) if key in msg else msg.text(f"{prefix}.other", (("code", code),))


_SYSTEMS = {"http://snomed.info/sct": "SNOMED CT", "http://loinc.org": "LOINC", "http://www.whocc.no/atc": "ATC",
            "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm", "http://hl7.org/fhir/sid/icd-10": "ICD-10",
            "http://hl7.org/fhir/sid/icd-10-cm": "ICD-10-CM"}


def _readable(name: str, value: object, msg: Catalogue) -> object:
    """A FHIR reference as the kind of record it is, a `system|code` coding as "SNOMED CT 123": no raw references."""
    if name == "reference" and isinstance(value, str):
        kind = value.partition("/")[0]
        return msg.text(f"resource.{kind}") if f"resource.{kind}" in msg else msg.text("resource.Bundle")
    if name == "coding" and isinstance(value, str) and "|" in value:
        system, _, code = value.rpartition("|")
        return f"{_SYSTEMS.get(system, system)} {code}"
    return value


def assumption_line(a: Assumption, msg: Catalogue) -> str:
    params = tuple((k, _readable(k, v, msg)) for k, v in a.params)
    return f"- {_coded('assumption', a.code, params, msg)}"


def _gaps(card: Composed) -> list[DataGap]:
    """Each unread record once: a chart's gap and the mapping's gap about the same record are one line, the one
    naming the decision it could change kept."""
    found: dict[tuple[str, str | None], DataGap] = {}
    for g in (g for r in card.recs for g in r.missing):
        key = (g.code, g.reference)
        if key not in found or (g.decision and not found[key].decision):
            found[key] = g
    return list(found.values())


def gap_line(g: DataGap, msg: Catalogue) -> str:
    """What could not be read, the kind of record it is and the decision it could change."""
    kind = (g.reference or "").partition("/")[0]
    where = f" — _{msg.text(f'resource.{kind}')}_" if f"resource.{kind}" in msg else ""
    decision = f" ({msg.text('detail.decision')}: {msg.value(g.decision.value)})" if g.decision else ""
    return f"- {_coded('gap', g.code, (), msg)}{where}{decision}"


def reason_line(r: Reason, msg: Catalogue) -> str:
    """The reason's text, capitalised when it opens with a coded word, and the node it comes from."""
    text = msg.text(r.message, r.params)
    if msg.template(r.message).startswith("{"):
        text = capitalised(text)
    return f"{text} ({r.node})" if r.node else text


def blocked_line(r: Reason, msg: Catalogue) -> str:
    """A drug a gate removed ("Niet mogelijk: ..."), one it demoted ("Niet aanbevolen: ...") or one that waits for
    the lab ("Wacht op: ...")."""
    label = {"gate.pending": "detail.waits", "gate.first-demoted": "detail.not-recommended"}.get(r.message, "detail.not")
    return f"{msg.text(label)}: {reason_line(r, msg)}"


def grouped(reasons: tuple[Reason, ...] | list[Reason], msg: Catalogue) -> list[Reason]:
    """One line per finding: the same sentence for several drugs (or from several gates) names them together
    ("no recent renal function: measure creatinine before alendronic acid, risedronic acid (GATE-RENAL-ALN,
    GATE-RENAL-RIS)") instead of repeating it per drug; parameters the sentence does not show do not split it."""
    groups: dict[tuple, tuple[list[str], list[object]]] = {}
    for r in reasons:
        shown = {f for _, f, _, _ in Formatter().parse(msg.template(r.message)) if f}
        rest = tuple(p for p in r.params if p[0] not in ("agent", "first") and p[0] in shown)
        nodes, agents = groups.setdefault((r.message, rest), ([], []))
        nodes.append(r.node)
        agents.append(dict(r.params).get("agent"))
    return [Reason(", ".join(dict.fromkeys(n for n in nodes if n)), message,
                   (*rest, ("agent", tuple(dict.fromkeys(a for a in agents if a)))))
            for (message, rest), (nodes, agents) in groups.items()]


def _step(n: int, rec: Recommendation, msg: Catalogue, chooses: bool) -> list[str]:
    first, *more = rec.reasons
    heading = f"step.{rec.topic.value}"
    if not chooses and rec.blocked and not any(is_agent(s) for s in rec.suggestions) and f"{heading}.no-drug" in msg:
        heading += ".no-drug"  # every drug of the step ruled out: "Medication: do not start now"
    lines = [f"{n}. **{msg.text(heading)}** — {reason_line(first, msg)}"]
    lines += [f"   - {reason_line(r, msg)}" for r in grouped(more, msg)]
    lines += [f"   - {blocked_line(r, msg)}" for r in grouped(rec.blocked, msg)]
    if chooses:
        lines.append(f"   - {msg.text('detail.choose-on-options-card')}")
    return lines


def _section(heading: str, items: list[str], msg: Catalogue) -> list[str]:
    return ["", f"**{msg.text(heading)}**", *items] if items else []


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def render_detail(card: Composed, msg: Catalogue, source_label: str, assumptions: tuple[Assumption, ...]) -> str:
    """The detail of one composed card; `assumptions` are given to one card per answer only."""
    if card.kind == "plan":
        lines = [f"**{msg.text('detail.plan')}**"]
        for n, rec in enumerate(card.recs, 1):
            lines += _step(n, rec, msg, rec.topic is card.options_topic)
    elif card.kind == "data-needed":
        lines = [f"**{msg.text('detail.missing')}**", *_unique([gap_line(g, msg) for g in _gaps(card)])]
        lines += _section("detail.waiting", [f"- {reason_line(x, msg)}" for r in card.recs for x in r.reasons], msg)
    else:
        lines = [f"**{msg.text('detail.why')}**", *(f"- {reason_line(r, msg)}" for r in card.decision.reasons)]
        lines += [f"- {blocked_line(r, msg)}" for r in grouped(card.decision.blocked, msg)]
    facts = _unique([evidence_line(e, msg) for r in card.recs for e in r.evidence])
    lines += _section("detail.facts", facts, msg)
    lines += _section("detail.assumptions", _unique([assumption_line(a, msg) for a in assumptions]), msg)
    nodes = node_ids(card)
    charts = [msg.text(f"chart.{c}") for c in dict.fromkeys(chart_of(n) for n in nodes) if f"chart.{c}" in msg]
    lines += [""] + ([f"_{msg.text('detail.chart')}: {'; '.join(charts)}_  "] if charts else [])
    drugs = _drugs_by_node(card)
    products = [f"{c} ({n})" for n in nodes for c in smpc(n, drugs.get(n, frozenset()))]
    lines += [f"_{msg.text('detail.smpc')}: {'; '.join(products)}_  "] if products else []
    cited = f"{msg.text('detail.nodes')}: {', '.join(nodes)} · " if nodes else ""
    lines += [f"_{cited}{msg.text('detail.source')}: {source_label}_"]
    return "\n".join(lines)


def chart_of(node: str) -> str:
    """"RCOP-FX-10" -> "RCOP-FX", "VITAZ-7b" -> "VITAZ"; a chart-level node ("RCOP-FX") is its own chart."""
    head, _, tail = node.rpartition("-")
    return head if re.fullmatch(r"\d+[a-z]?", tail) else node


def _drugs_by_node(card: Composed) -> dict[str, frozenset[str]]:
    """The drugs each node is cited about on the card (its reasons' `agent`/`agents`, the drug a check is on)."""
    found: dict[str, set[str]] = {}
    for rec in card.recs:
        for r in (*rec.reasons, *rec.blocked):
            for key in ("agent", "agents"):  # one drug, or several named together
                named = dict(r.params).get(key, ())
                found.setdefault(r.node, set()).update(named if isinstance(named, (tuple, list)) else (named,))
        for s in rec.suggestions:
            for c in s.checks:
                found.setdefault(c.node, set()).add(s.key)
    return {n: frozenset(d for d in drugs if isinstance(d, str)) for n, drugs in found.items()}


def node_ids(card: Composed) -> tuple[str, ...]:
    """Every guideline and gate node the card rests on, in the order the card cites them (a gate's note on a drug
    suggestion included)."""
    checks = (c for rec in card.recs for s in rec.suggestions for c in s.checks)
    cited = [*(r.node for rec in card.recs for r in (*rec.reasons, *rec.blocked)), *(c.node for c in checks)]
    return tuple(dict.fromkeys(n for n in cited if n))
