"""A card's one-line summary: the decision, the drug and what blocks or delays it, then the plan's other steps
as far as they fit (CDS Hooks: fewer than 140 characters)."""

from __future__ import annotations

from cards.messages import Catalogue, capitalised
from cards.plan import Composed, is_agent
from pathways.recommendation import Reason, Recommendation, Topic
from pathways.safety import waits_for_lab

LIMIT = 140


def _param(reason: Reason, name: str) -> object:
    return dict(reason.params).get(name)


def _drug(rec: Recommendation, msg: Catalogue) -> str | None:
    """The drug the decision names (with its form, e.g. "alendronic-acid.oral-solution", where the catalogue words
    one): the recommended (else the first) drug offered, else the one it waits for."""
    offered = [s for s in rec.suggestions if is_agent(s)]
    chosen = next((s for s in offered if s.recommended), offered[0] if offered else None)
    if chosen is not None:
        form = f"{chosen.key}.{chosen.variant}"
        return form if f"value.{form}" in msg else chosen.key
    waiting = next((r for r in rec.blocked if r.message == "gate.pending"), rec.blocked[0] if rec.blocked else None)
    return str(_param(waiting, "agent")) if waiting is not None and _param(waiting, "agent") else None


def _topic_text(rec: Recommendation, msg: Catalogue, drug: str | None) -> str:
    """The decision's own wording: of its node outcome where the catalogue has one (`summary.<topic>.<reason key>`), else
    of its topic and indicator, else of its topic."""
    own = next((r for r in rec.reasons if f"summary.{rec.topic.value}.{r.message}" in msg), None)
    if own is not None:
        params = [(k, msg.text(f"gate-short.{v}", own.params) if k == "finding" else v) for k, v in own.params]
        return msg.text(f"summary.{rec.topic.value}.{own.message}", (*params, ("drug", drug or "no-drug")))
    key = f"summary.{rec.topic.value}.{rec.indicator.value}"
    key = key if key in msg else f"summary.{rec.topic.value}"
    if drug is None and f"{key}.no-drug" in msg:
        key = f"{key}.no-drug"
    return msg.text(key, (("drug", drug or "no-drug"),))


def decision_text(rec: Recommendation, msg: Catalogue, *, options: bool = False, here: bool = False) -> str:
    """The decision in words: "Start zoledronic acid after lab", or "No zoledronic acid: clearance 28 ml/min —
    denosumab" when a gate removed the first choice."""
    first_blocked = next((r for r in rec.blocked if _param(r, "first")), None)
    drug = _drug(rec, msg)
    if first_blocked is not None:
        drug = next((s.key for s in rec.suggestions if is_agent(s) and s.recommended), None)
        if drug is None and not options:
            return _none_left(rec, msg)
        demoted = first_blocked.message == "gate.first-demoted"  # still offered, not recommended
        why_key = _finding(first_blocked)
        if drug is not None:
            then = msg.value(drug)
        elif options:
            then = msg.text("plan.then-choose-here" if here else "plan.then-choose")  # `here`: on the options card
        else:
            then = msg.text(f"gate-then.{why_key}" if f"gate-then.{why_key}" in msg else "plan.then-refer")
        why = msg.text(f"gate-short.{why_key}", first_blocked.params)
        template = "plan.demoted" if demoted else "plan.blocked"
        return msg.text(template, (("agent", _param(first_blocked, "agent")), ("why", why), ("then", then)))
    text = _topic_text(rec, msg, None if options else drug)
    if options:  # the plan points to the options card; the options card says the choice is made on it
        return f"{text} {msg.text('plan.choose-here' if here else 'plan.choose')}"
    waiting = any(waits_for_lab(c) for s in rec.suggestions if is_agent(s) for c in s.checks)
    if any(r.message == "gate.vitamin-d-deficient" for r in rec.blocked):
        return f"{text} {msg.text('plan.after-loading-dose')}"
    pending = [r for r in rec.blocked if r.message == "gate.pending"]
    if pending and set(_param(pending[0], "needs") or ()) <= {"weight"}:
        return f"{text} {msg.text('plan.after-weight')}"
    if waiting or pending:
        return f"{text} {msg.text('plan.after-lab')}"
    return text


def _finding(gate: Reason) -> str:
    """The gate finding a blocked reason stands for: a demoted first choice's is the warning that demoted it."""
    return str(_param(gate, "why")) if gate.message == "gate.first-demoted" else gate.message.removeprefix("gate.")


def _none_left(rec: Recommendation, msg: Catalogue) -> str:
    """Every drug of the decision ruled out: "No osteoporosis drug possible (hypocalcaemia): correct calcium first" —
    each finding once, then the way forward (of the finding when all agree, else of the topic, else a referral)."""
    found = [r for r in rec.blocked if r.message != "gate.pending"]
    whys = ", ".join(dict.fromkeys(msg.text(f"gate-short.{_finding(r)}", r.params) for r in found))
    kinds = {_finding(r) for r in found}
    then = next((k for k in (*(f"gate-then.{k}" for k in kinds if len(kinds) == 1), f"plan.then-refer.{rec.topic.value}") if k in msg),
                "plan.then-refer")
    what = f"plan.none-left.{rec.topic.value}" if f"plan.none-left.{rec.topic.value}" in msg else "plan.none-left"
    return msg.text(what, (("why", whys), ("then", msg.text(then))))


def summary(card: Composed, msg: Catalogue) -> str:
    """The decision first, then the short names of the plan's other steps while the line stays under the limit."""
    text = decision_text(card.decision, msg, options=card.kind == "options" or card.options_topic is card.decision.topic,
                         here=card.kind == "options")
    if card.kind != "plan":
        return _fit(text)
    chooser = next((r for r in card.recs if r.topic is card.options_topic), None)
    if chooser is not None and chooser is not card.decision:
        # the drug decision, taken on the options card beside it, still leads the plan: "No alendronic acid:
        # oesophageal disorder — choose another drug (options card); VFA"
        text = decision_text(chooser, msg, options=True)
    for rec in card.recs:
        ordered = next((f"step-short.{s.key}" for s in rec.suggestions if f"step-short.{s.key}" in msg), None)
        key = ordered or f"step-short.{rec.topic.value}"
        led = chooser if chooser is not None and chooser is not card.decision else card.decision
        if rec is led or rec is chooser or key not in msg or msg.text(key) in text:
            continue
        candidate = f"{text}; {msg.text(key)}"
        if len(candidate) < LIMIT:
            text = candidate
    return _fit(text)


def _fit(text: str) -> str:
    """Capitalised (a summary may start with a drug's name) and under the limit."""
    text = capitalised(text)
    return text if len(text) < LIMIT else text[: LIMIT - 2].rstrip() + "…"
