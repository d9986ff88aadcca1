"""Safety gates and safety net over every guideline's recommendations (guidelines.md "Safety gates", "How gates
apply", "Safety net"): one mechanism, used by every patient-view service and by the order checks.

`apply` adds the safety net's findings, then passes every drug suggestion through the gates:
- a drug a gate fails is never a suggestion: the recommendation says why (`blocked`) and what instead — the next
  drug that passes (offered as a choice), a referral, an X-ray of both femora;
- an unknown gate input puts the lab first; a single high-impact dose (zoledronic acid, denosumab, romosozumab)
  is then not a suggestion at all, a tablet keeps a label that says what to check and is not recommended;
- a warning keeps the drug, not recommended, with the label; advice (a dental check, a start date) rides along.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from fhir_mappings.facts import Agent, PatientFacts
from pathways import lab
from pathways.recommendation import Evidence, Indicator, Reason, Recommendation, Suggestion, SuggestionKind, Topic, merge
from pathways.safety import net
from pathways.safety.config import HIGH_IMPACT, gate, section
from pathways.safety.gates import Status, Verdict, assess, inputs_used

_AGENTS = {a.value: a for a in Agent}
# Findings with their own way forward (correct, image, wait, leave to oncology): no referral when they leave no drug.
_CURED = frozenset(f"gate.{why}" for why in section("instead")["without_referral"])


@dataclass
class _Gated:
    """One recommendation's drug suggestions after the gates, and what the plan needs because of them."""

    kept: list[Suggestion] = field(default_factory=list)
    blocked: list[Reason] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    unknown: list[Reason] = field(default_factory=list)  # the gates that wait for an input
    deferred: list[Reason] = field(default_factory=list)  # the gates that delay a drug (a loading dose first)
    correct: list[Reason] = field(default_factory=list)  # a deficiency to treat although another gate blocks the drug
    used: list[Evidence] = field(default_factory=list)  # the results the gates judged (the card's facts)
    refer: list[Reason] = field(default_factory=list)
    xray: bool = False
    first_blocked: bool = False  # the guideline's first choice failed a gate
    first_pending: bool = False  # the first choice waits for a gate's input (a single high-impact dose)
    first_demoted: bool = False  # the first choice passes with a warning ("not recommended"): the others are offered


def _label(verdict: Verdict) -> tuple[Reason, ...]:
    return tuple(r.reason for r in verdict.results if r.status in (Status.WARN, Status.UNKNOWN, Status.ADVICE))


def waits_for_lab(reason: Reason) -> bool:
    """A label reason of a gate whose lab input is still unknown (their message keys end in "-unknown")."""
    return reason.node.startswith("GATE-") and reason.message.endswith("-unknown")


def _clean(verdict: Verdict) -> bool:
    return verdict.status in (None, Status.ADVICE)


def _start(s: Suggestion, verdict: Verdict, today: date) -> date | None:
    """The later of the guideline's timing and a gate's "not before"; a start in the past is today."""
    found = [d for d in (s.start, verdict.not_before) if d is not None]
    return max(max(found), today) if found else None


def _gate(facts: PatientFacts, rec: Recommendation) -> tuple[Recommendation, _Gated]:
    gated = _Gated()
    medications = [s for s in rec.suggestions if s.kind is SuggestionKind.MEDICATION and s.key in _AGENTS]
    if not medications:
        return rec, gated
    ranked = any(s.recommended for s in medications)
    first = next((s for s in medications if s.recommended), medications[0])
    verdicts = {s.key: assess(facts, _AGENTS[s.key]) for s in medications}
    gated.first_demoted = ranked and verdicts[first.key].status is Status.WARN
    if ranked and not rec.options and not verdicts[first.key].blocked and not gated.first_demoted:
        # the first choice stands (now or after the lab): the alternatives are neither offered nor judged on the card
        verdicts = {first.key: verdicts[first.key]}
        rec = replace(rec, suggestions=tuple(s for s in rec.suggestions if s.kind is not SuggestionKind.MEDICATION or s.key in verdicts))
    for s in rec.suggestions:
        verdict = verdicts.get(s.key) if s.kind is SuggestionKind.MEDICATION else None
        if verdict is None:
            gated.kept.append(s)
        elif verdict.blocked:
            failed = tuple(r for r in verdict.at(Status.FAIL) if not r.defer)
            first_choice = (("first", True),) if s.key == first.key and ranked else ()
            gated.blocked += [Reason(r.node, r.reason.message, (*r.params, *first_choice)) for r in failed]
            gated.used += [e for r in failed for e in r.evidence]
            gated.refer += [r.reason for r in failed if r.refer]
            gated.xray = gated.xray or any(r.why == "possible-aff" for r in failed)
            gated.first_blocked = gated.first_blocked or (s.key == first.key and ranked)
            gated.correct += [r.reason for r in verdict.deferred]  # hypocalcaemia with vitamin D deficiency: treat it
            gated.used += [e for r in verdict.deferred for e in r.evidence]
        elif verdict.deferred:
            gated.blocked += [r.reason for r in verdict.deferred]
            gated.deferred += [r.reason for r in verdict.deferred]
            gated.first_pending = gated.first_pending or (ranked and s.key == first.key)
        elif verdict.status is Status.UNKNOWN and verdict.agent in HIGH_IMPACT:
            unknown = verdict.at(Status.UNKNOWN)[0]
            gated.blocked.append(Reason(unknown.node, "gate.pending", (("agent", s.key), ("needs", verdict.needs))))
            gated.first_pending = gated.first_pending or (ranked and s.key == first.key)
        else:
            gated.kept.append(replace(s, checks=(*s.checks, *_label(verdict)), recommended=s.recommended and _clean(verdict),
                                      start=_start(s, verdict, facts.today)))
            gated.used += inputs_used(facts, verdict.agent)
    rec = _bridge(facts, _choose(rec, gated, verdicts, ranked), gated)
    # the lab the gates wait for: of the drugs still offered and of those waiting for it (unranked options), or of the
    # first choice that waits for it
    offered = [verdicts[s.key] for s in rec.suggestions if s.key in verdicts]
    pending = [verdicts[str(dict(r.params)["agent"])] for r in gated.blocked if r.message == "gate.pending"]
    waiting = [verdicts[first.key]] if gated.first_pending else [*offered, *pending]
    for verdict in dict.fromkeys(waiting):
        gated.needs += verdict.needs
        gated.unknown += [r.reason for r in verdict.at(Status.UNKNOWN)]
    return rec, gated


def _choose(rec: Recommendation, gated: _Gated, verdicts: dict[str, Verdict], ranked: bool) -> Recommendation:
    """What the clinician is offered after the gates, in the pathway's order.

    First choice pending: the decision stands ("zoledronic acid after lab"), nothing else is offered or blocked.
    First choice blocked: the remaining drugs are a choice, the next that passes every gate recommended.
    Unranked options: a drug that waits for the lab is named as waiting, the others stay offered; one drug left that
    passes every gate is recommended (a gate excluded the others).
    """
    kept, blocked = gated.kept, list(dict.fromkeys(gated.blocked))
    indicator, options = rec.indicator, rec.options
    if gated.first_pending:
        first = next(iter(verdicts))
        kept = [s for s in kept if s.key not in verdicts]
        blocked = [r for r in blocked if dict(r.params).get("agent") == first and (r.message == "gate.pending" or r in gated.deferred)]
    elif gated.first_blocked or gated.first_demoted or not ranked:
        clean = [s.key for s in kept if s.key in verdicts and _clean(verdicts[s.key])]
        pick = clean[0] if clean and (ranked or (len(clean) == 1 and len(verdicts) > 1)) else None
        kept = [replace(s, recommended=s.key == pick) if s.key in verdicts else s for s in kept]
        options = len({s.key for s in kept if s.key in verdicts}) > 1
        if gated.first_blocked or gated.first_demoted:
            indicator = max(indicator, Indicator.WARNING, key=lambda i: i.rank)
        if gated.first_demoted and not gated.first_blocked:
            first = next(iter(verdicts))
            warned = verdicts[first].at(Status.WARN)[0]
            blocked.append(Reason(warned.node, "gate.first-demoted", (("agent", first), ("first", True), ("why", warned.why), *warned.params)))
    if gated.xray:
        kept.append(Suggestion(SuggestionKind.SERVICE, "xray-femora", recommended=True))
    # no drug left, or only drugs a gate warns against (denosumab in CKD 4), and nothing to correct or await: refer
    unwarned = [s for s in kept if s.key in verdicts and verdicts[s.key].status is not Status.WARN]
    waits = any(r.message in _CURED or r.message == "gate.pending" for r in blocked)
    if not gated.first_pending and not unwarned and not waits:
        gated.refer += [r for r in blocked if r not in gated.refer][:1]
    evidence = tuple(dict.fromkeys((*rec.evidence, *gated.used)))
    return replace(rec, suggestions=tuple(kept), options=options, indicator=indicator, blocked=(*rec.blocked, *blocked), evidence=evidence)


def _bridge(facts: PatientFacts, rec: Recommendation, gated: _Gated) -> Recommendation:
    """Denosumab must never just stop (guidelines.md, RCOP-DMAB safety rule): when the gates leave no follow-up drug,
    the next injection is offered (not recommended) until secondary care has a plan — if its own gates pass."""
    if rec.topic is not Topic.DENOSUMAB_TRANSITION or gated.first_pending or any(s.kind is SuggestionKind.MEDICATION for s in rec.suggestions):
        return rec
    verdict = assess(facts, Agent.DENOSUMAB)
    if verdict.blocked or verdict.status is Status.UNKNOWN:
        return rec
    injection = Suggestion(SuggestionKind.MEDICATION, Agent.DENOSUMAB.value, recommended=False, checks=_label(verdict), start=facts.today)
    why = Reason(rec.reasons[0].node, "gate.denosumab-bridge")
    return replace(rec, reasons=(*rec.reasons, why), suggestions=(*rec.suggestions, injection),
                   evidence=tuple(dict.fromkeys((*rec.evidence, *inputs_used(facts, Agent.DENOSUMAB)))))


def _lab_first(guideline: str, needs: list[str], unknown: list[Reason]) -> list[Recommendation]:
    """The lab step the gates' unknown inputs ask for: one order for the panel items that answer them (a missing
    weight, which no lab order obtains, is named by the drug's own pending reason)."""
    items = tuple(dict.fromkeys(i for n in needs if (i := lab.item_for(n))))
    if not unknown or not items:
        return []
    suggestions = (Suggestion(SuggestionKind.SERVICE, "lab-panel", recommended=True, items=items),)
    reasons = tuple({(r.node, r.message): r for r in reversed(unknown)}.values())[::-1]  # one per gate and wording
    return [Recommendation(Topic.ORDER_LAB, Indicator.INFO, guideline, reasons, suggestions=suggestions)]


def _referral(guideline: str, causes: list[Reason]) -> list[Recommendation]:
    if not causes:
        return []
    referral = Suggestion(SuggestionKind.SERVICE, "referral-secondary-care", recommended=True)
    reasons = tuple(dict.fromkeys(Reason(r.node, "gate.refer") for r in causes))  # one line per gate, whichever drugs it blocked
    return [Recommendation(Topic.REFER_SECONDARY_CARE, Indicator.WARNING, guideline, reasons, suggestions=(referral,))]


_LOADING = frozenset({"gate.vitamin-d-loading", "gate.vitamin-d-correct"})


def _loading_dose(guideline: str, deferred: list[Reason], correct: list[Reason]) -> list[Recommendation]:
    """The vitamin D loading dose a drug waits for — or a deficiency to treat while another gate blocks the drug —
    as the plan's calcium/vitamin D step with its order (gates.toml [gate.GATE-VITAMIN-D] `loading_dose`); the card
    puts it before the drug."""
    if not (deferred or correct):
        return []
    first = (deferred or correct)[0]
    reasons = (Reason(first.node, "gate.vitamin-d-loading" if deferred else "gate.vitamin-d-correct", first.params),)
    order = Suggestion(SuggestionKind.MEDICATION, gate("GATE-VITAMIN-D")["loading_dose"], recommended=True)
    return [Recommendation(Topic.CALCIUM_VITAMIN_D, Indicator.WARNING, guideline, reasons, suggestions=(order,))]


def _loading_replaces_daily(rec: Recommendation) -> Recommendation:
    """The loading regimen ends in the daily vitamin D dose: where both are ordered, the loading dose is the order
    (gates.toml [gate.GATE-VITAMIN-D] `replaces`)."""
    row = gate("GATE-VITAMIN-D")
    if not any(r.message in _LOADING for r in rec.reasons):
        return rec
    kept = tuple(replace(s, recommended=True) if s.key == row["loading_dose"] else s for s in rec.suggestions if s.key not in row["replaces"])
    return replace(rec, suggestions=kept)


_SEX_GATE_FINDINGS = frozenset({"gate.postmenopausal-only"})


def _menopause_needed(guideline: str, facts: PatientFacts, recs: list[Recommendation]) -> list[Recommendation]:
    """An unknown menopausal status surfaces exactly when a sex gate removed a drug because of it."""
    causes = [r for rec in recs for r in rec.blocked if r.message in _SEX_GATE_FINDINGS]
    gaps = tuple(g for g in facts.gaps if g.code == "menopausal-status-unknown")
    if not causes or not gaps:
        return []
    why = Reason(causes[0].node, "gate.menopausal-status-needed", causes[0].params)
    return [Recommendation(Topic.DATA_NEEDED, Indicator.INFO, guideline, (why,), missing=gaps)]


def apply(guideline: str, facts: PatientFacts, recs: list[Recommendation]) -> list[Recommendation]:
    """The guideline's recommendations with the safety net's findings added and every drug suggestion gated."""
    found, silenced = net.findings(guideline, facts, frozenset(r.topic for r in recs))
    return gated(guideline, facts, merge([*found, *(r for r in recs if r.topic not in silenced)]))


def gated(guideline: str, facts: PatientFacts, merged: list[Recommendation]) -> list[Recommendation]:
    """Every drug suggestion of these recommendations (one per topic) through the gates, with the lab, referral or
    loading dose the gates ask for added as steps (the order checks use this for a chart run prospectively)."""
    out: list[Recommendation] = []
    needs: list[str] = []
    unknown: list[Reason] = []
    refer: list[Reason] = []
    deferred: list[Reason] = []
    correct: list[Reason] = []
    for rec in merged:
        gated_rec, found = _gate(facts, rec)
        out.append(gated_rec)
        needs += found.needs
        unknown += found.unknown
        refer += found.refer
        deferred += [r for r in found.deferred if r in gated_rec.blocked]
        correct += found.correct
    extra = [*_lab_first(guideline, needs, unknown), *_referral(guideline, refer), *_loading_dose(guideline, deferred, correct)]
    return [_loading_replaces_daily(r) for r in merge([*out, *extra, *_menopause_needed(guideline, facts, out)])]
