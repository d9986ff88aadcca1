"""The safety net of guidelines.md: findings that hold in every patient-view service, whatever the guideline's
entry criteria — therapy failure (NET-FAILURE), two antiresorptives at once (NET-DUPLICATE), and a current drug
that a gate now fails (NET-CONTRAINDICATED)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fhir_mappings.facts import ANABOLICS, ANTIRESORPTIVES, Agent, PatientFacts, TherapyEpisode
from pathways import evidence, lab, routines
from pathways.recommendation import Evidence, Indicator, Reason, Recommendation, Suggestion, SuggestionKind, Topic
from pathways.safety.config import agents, section
from pathways.safety.gates import GateResult, Status, assess, on_denosumab

_CFG = section("net")
_SWITCH_TO = {Agent(a): tuple(Agent(b) for b in options) for a, options in _CFG["switch_to"].items()}
_DUPLICABLE = agents(_CFG["antiresorptives"])


def therapy_failure(facts: PatientFacts, episode: TherapyEpisode) -> bool:
    """"A new fragility fracture — a vertebral fracture not seen on the baseline VFA included — after >= 12 months
    on an osteoporosis drug, or bone loss > 5 % vs baseline while on it" (one definition for both guidelines)."""
    settled = routines.add_months(episode.start, _CFG["failure_min_months"])
    on_drug = routines.latest_dxa(facts, since=episode.start)
    return bool(routines.fractures_since(facts, settled)) or routines.bone_loss_exceeds(on_drug, _CFG["bone_loss_percent"])


def current_episodes(facts: PatientFacts, grace_months: int = 0) -> tuple[TherapyEpisode, ...]:
    """The osteoporosis drugs taken today — or, with `grace_months`, whose next dose is due or overdue by at most
    that long (a yearly infusion is still the patient's therapy when the next one is due) — one per agent."""
    since = routines.add_months(facts.today, -grace_months)
    latest: dict[Agent, TherapyEpisode] = {}
    for e in routines.episodes(facts, ANTIRESORPTIVES | ANABOLICS):
        if (e.end is None or e.end >= since) and (e.agent not in latest or e.start > latest[e.agent].start):
            latest[e.agent] = e
    return tuple(sorted(latest.values(), key=lambda e: (e.start, e.agent)))


@dataclass
class _Found:
    """The net's findings for one patient, as recommendations per topic, plus the topics they silence."""

    guideline: str
    recs: list[Recommendation] = field(default_factory=list)
    silenced: set[Topic] = field(default_factory=set)

    def reasons(self, *reasons: Reason, refer: bool = False) -> tuple[Reason, ...]:
        """The net's reasons, with the guideline's own node for the same finding (VITAZ-FU-4) where it has one; a
        finding whose way forward is a referral (`refer`: ONJ, AFF) cites it without the switch it otherwise offers."""
        node = _CFG["guideline_nodes"].get(self.guideline)
        return (*reasons, Reason(node, f"net.{node.lower()}" + (".refer" if refer else ""))) if node else reasons

    def add(self, topic: Topic, indicator: Indicator, reasons: tuple[Reason, ...], ev: tuple[Evidence, ...] = (),
            suggestions: tuple[Suggestion, ...] = (), *, alert: bool = True) -> None:
        self.recs.append(Recommendation(topic, indicator, self.guideline, reasons, ev, suggestions=suggestions, alert=alert))


def _referral() -> Suggestion:
    return Suggestion(SuggestionKind.SERVICE, "referral-secondary-care", recommended=True)


def failure(found: _Found, facts: PatientFacts, episode: TherapyEpisode, decided: bool) -> None:
    """NET-FAILURE: re-evaluate first (adherence, Lab, DXA+VFA), then switch per chart 3's options — saying which
    drug stops — or refer to secondary care; where the guideline's own charts already decided the switch or the
    referral (`decided`), only the re-evaluation is added."""
    ev = evidence.therapy(episode) + evidence.failure(facts, episode, _CFG["failure_min_months"])
    found.add(Topic.TREATMENT_EVALUATION_DUE, Indicator.WARNING,
              found.reasons(Reason("NET-FAILURE", "net.failure.evaluate", (("agent", episode.agent.value),))), ev,
              _evaluation_orders(facts, episode), alert=False)
    if decided:
        return
    options = tuple(a for a in _SWITCH_TO.get(episode.agent, ()) if a not in routines.unavailable_agents(facts))
    params = (("agent", episode.agent.value),)
    if options:
        # the switch follows the re-evaluation: no drug recommended before it, each saying which drug stops
        then = (Reason("NET-FAILURE", "after-evaluation", params),)
        drugs = tuple(Suggestion(SuggestionKind.MEDICATION, a.value, recommended=False, checks=then) for a in options)
        found.add(Topic.SWITCH_THERAPY, Indicator.WARNING, found.reasons(Reason("NET-FAILURE", "net.failure.switch", params)), ev, drugs)
    else:
        found.add(Topic.REFER_SECONDARY_CARE, Indicator.WARNING,
                  found.reasons(Reason("NET-FAILURE", "net.failure.refer", params)), ev, (_referral(),))


def _evaluation_orders(facts: PatientFacts, episode: TherapyEpisode) -> tuple[Suggestion, ...]:
    """The re-evaluation's orders: the lab panel items with no recent result, and DXA+VFA unless one was done since
    the failure showed (the latest fracture since the drug settled in)."""
    due = lab.items_due(facts)
    orders = (Suggestion(SuggestionKind.SERVICE, "lab-panel", recommended=True, items=due),) if due else ()
    settled = routines.add_months(episode.start, _CFG["failure_min_months"])
    since = max((f.date for f in routines.fractures_since(facts, settled) if f.date), default=settled)
    if routines.latest_dxa(facts, since=since) is None:
        orders += (Suggestion(SuggestionKind.SERVICE, "dxa-vfa", recommended=True),)
    return orders


def duplicates(found: _Found, facts: PatientFacts, current: tuple[TherapyEpisode, ...]) -> None:
    """NET-DUPLICATE: two antiresorptives at once ("check whether the older prescription is still taken"); a
    bisphosphonate started >= 5 months after the last denosumab injection, with no denosumab since, is the planned
    transition."""
    taken = [e for e in current if e.agent in _DUPLICABLE]
    last_injection = routines.last_administration(facts, Agent.DENOSUMAB)
    if last_injection is not None and last_injection < routines.add_months(facts.today, -_CFG["transition_min_months"]):
        transition_from = routines.add_months(last_injection, _CFG["transition_min_months"])
        if any(e.agent is not Agent.DENOSUMAB and e.start >= transition_from for e in taken):
            taken = [e for e in taken if e.agent is not Agent.DENOSUMAB]
    if len({e.agent for e in taken}) < 2:
        return
    ev = tuple(x for e in taken for x in evidence.therapy(e))
    why = Reason("NET-DUPLICATE", "net.duplicate", (("agents", tuple(e.agent.value for e in taken)),))
    found.add(Topic.MEDICATION_SAFETY, Indicator.WARNING, (why,), ev)


def contraindicated(found: _Found, facts: PatientFacts, current: tuple[TherapyEpisode, ...]) -> frozenset[Agent]:
    """NET-CONTRAINDICATED: a gate fails for a drug the patient takes -> medication-safety (critical for ONJ, AFF,
    hypocalcaemia), never a "continue" card for it, denosumab never simply stopped (with ONJ or AFF its next injection
    waits for secondary care: that card replaces the denosumab-transition one); ONJ and AFF add a referral to
    the plan instead of a switch; an AFF, possible or confirmed, asks for an X-ray of both femora. Returns the drugs
    with an AFF finding: their fracture is no therapy failure (no switch before the X-ray)."""
    aff: set[Agent] = set()
    for episode in current:
        failed = assess(facts, episode.agent).at(Status.FAIL)
        if not failed:
            continue
        critical = any(r.node in _CFG["critical_gates"] for r in failed)
        # the finding's own values ("klaring {value} ml/min") name it in the summary
        params = tuple(sorted({**dict(failed[0].params), "agent": episode.agent.value, "finding": failed[0].why}.items()))
        action = _action(episode.agent, failed)
        reasons = (Reason("NET-CONTRAINDICATED", f"net.contraindicated.{action}", params),
                   *(_gate_reason(episode.agent, r) for r in failed))
        if any(r.node == "GATE-AFF" for r in failed):
            aff.add(episode.agent)
        xray = (Suggestion(SuggestionKind.SERVICE, "xray-femora", recommended=True),) if any(r.node == "GATE-AFF" for r in failed) else ()
        own = any(r.node in _CFG["guideline_node_gates"] for r in failed)  # the guideline's node is about this finding
        found.add(Topic.MEDICATION_SAFETY, Indicator.CRITICAL if critical else Indicator.WARNING,
                  found.reasons(*reasons, refer=True) if own else reasons, evidence.therapy(episode) + tuple(x for r in failed for x in r.evidence), xray)
        found.silenced.add(Topic.CONTINUE_THERAPY)
        if action == "denosumab-refer":
            # the next injection is this card's (secondary care, this week): no second card offering or refusing it
            found.silenced.add(Topic.DENOSUMAB_TRANSITION)
        if any(r.node == "GATE-AFF" for r in failed):
            found.silenced.add(Topic.SWITCH_THERAPY)  # never another bisphosphonate before the femora are imaged
        if any(r.refer for r in failed):
            found.silenced.add(Topic.SWITCH_THERAPY)
            refer = Reason("NET-CONTRAINDICATED", "net.refer", (("agent", episode.agent.value),))
            found.add(Topic.REFER_SECONDARY_CARE, Indicator.WARNING, (refer,), suggestions=(_referral(),), alert=False)
    return frozenset(aff)


def _action(agent: Agent, failed: list[GateResult]) -> str:
    """What to do with the drug: denosumab is never simply stopped — with a finding that asks for a referral (ONJ,
    AFF) its next injection waits for secondary care, this week; a possible AFF pauses another drug until the X-ray."""
    if agent is Agent.DENOSUMAB:
        return "denosumab-refer" if any(r.refer for r in failed) else "denosumab"
    return "pause" if all(r.why == "possible-aff" for r in failed) else "stop"


def _gate_reason(agent: Agent, result: GateResult) -> Reason:
    return on_denosumab(result) if agent is Agent.DENOSUMAB and result.refer else result.reason


_DECISIONS_ON_FAILURE = frozenset({Topic.SWITCH_THERAPY, Topic.REFER_ANABOLIC, Topic.REFER_SECONDARY_CARE})


def findings(guideline: str, facts: PatientFacts, present: frozenset[Topic]) -> tuple[list[Recommendation], frozenset[Topic]]:
    """The net's recommendations given the guideline's own topics (`present`), and the topics they silence (a
    "continue" for a contraindicated drug)."""
    found = _Found(guideline)
    current = current_episodes(facts)
    aff = contraindicated(found, facts, current_episodes(facts, _CFG["due_grace_months"]))
    duplicates(found, facts, current)
    for episode in current:
        if episode.agent not in aff and therapy_failure(facts, episode):
            failure(found, facts, episode, decided=bool(present & _DECISIONS_ON_FAILURE))
    return found.recs, frozenset(found.silenced)
