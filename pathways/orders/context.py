"""One call's order check: the patient's record, the drafts, which of them are evaluated, and how a finding about a
draft becomes a recommendation (its row's topic, the draft among the facts used)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fhir_mappings.facts import DraftOrder, Medication, PatientFacts
from pathways.orders.config import section, topic
from pathways.recommendation import Evidence, Indicator, Num, Reason, Recommendation, Suggestion, SuggestionKind

_COURSE = section("course")
# Intervals a card names by a word (days between doses -> code word), matched within 5 %.
_INTERVALS = ((7.0, "weekly"), (365.25 / 12, "monthly"), (365.25 / 4, "every-3-months"), (365.25 / 2, "every-6-months"),
              (365.25, "yearly"))


def reason(node: str, key: str, **params: object) -> Reason:
    return Reason(node, key, tuple(sorted(params.items())))


def product(draft: DraftOrder) -> str | None:
    """The drug of a draft that is no osteoporosis drug: its substance where a value set names it (a code word the
    catalogue may translate: prednisone -> prednison), else as the draft names it (its text or coding display)."""
    return None if draft.agent is not None else draft.substance or draft.source.recorded


def drug_label(draft: DraftOrder, fallback: str) -> str:
    """How a suggestion names a draft: an osteoporosis drug by its code word, any other drug by its product and whole
    dose ("oxazepam 10 mg", so two drafts of one class can be told apart), else `fallback`."""
    name = product(draft)
    if name is None:
        return draft.agent.value if draft.agent is not None else fallback
    whole = draft.dose_mg is not None and draft.dose_mg >= 1 and draft.dose_mg == round(draft.dose_mg)
    return f"{name} {round(draft.dose_mg)} mg" if whole else name


def _schedule(draft: DraftOrder) -> tuple[str, tuple[tuple[str, object], ...]]:
    """The draft's timing as a language-neutral template: "{once}", "{times}× {per-day}", "{weekly}", ..."""
    if draft.single:
        return " {once}", ()
    if draft.per_day is None:
        return "", ()
    if draft.per_day >= 1:
        return " {times}× {per-day}", (("times", Num(draft.per_day, 0 if draft.per_day == round(draft.per_day) else 1)),)
    interval = 1 / draft.per_day
    word = next((w for days, w in _INTERVALS if abs(interval - days) <= 0.05 * days), None)
    if word is not None:
        return f" {{{word}}}", ()
    return " {every} {interval} {days}", (("interval", Num(interval, 0)),)


def draft_evidence(draft: DraftOrder, name: str) -> Evidence:
    """"Conceptvoorschrift: alendroninezuur 70 mg 1× per dag", cited by the draft itself; a drug that is no
    osteoporosis drug as the draft names it, with the class the check is about: "lorazepam 1 mg 1× per dag
    (benzodiazepine)"."""
    params: tuple[tuple[str, object], ...] = ()
    dose = ""
    if draft.dose_mg is not None:
        micro = draft.dose_mg < 1
        dose = " {dose} µg" if micro else " {dose} mg"
        value = draft.dose_mg * 1000 if micro else draft.dose_mg
        params = (("dose", Num(value, 0 if value == round(value) else 1)),)
    schedule, more = _schedule(draft)
    if product(draft) is not None:
        params += (("product", product(draft)),)
        return Evidence("fact.draft-order", f"{{product}}{dose}{schedule} ({{{name}}})", draft.source, params + more)
    return Evidence("fact.draft-order", f"{{{name}}}{dose}{schedule}", draft.source, params + more)


@dataclass(frozen=True)
class Orders:
    """The drafts of one call against the patient's record (`facts`, which holds no draft)."""

    guideline: str
    facts: PatientFacts
    drafts: tuple[DraftOrder, ...]
    sign: bool  # order-sign: every draft is evaluated and unknown inputs are said; order-select: the selected ones

    @property
    def evaluated(self) -> tuple[DraftOrder, ...]:
        return self.drafts if self.sign else tuple(d for d in self.drafts if d.selected)

    def finding(
        self,
        row: str,
        indicator: Indicator,
        *reasons: Reason,
        drafts: tuple[tuple[DraftOrder, str], ...] = (),
        evidence: tuple[Evidence, ...] = (),
        suggestions: tuple[Suggestion, ...] = (),
        choose: bool = False,
    ) -> Recommendation:
        """A finding of `row` about `drafts` ((draft, the word naming its drug)), under the row's topic; with `choose`,
        its suggestions exclude each other (one regimen of two, one draft of two to keep): at most one is taken."""
        shown = (*(draft_evidence(d, name) for d, name in drafts), *evidence)
        references = {e.source.reference for e in shown if e.source is not None}
        assumptions = tuple(a for a in self.facts.assumptions
                            if dict(a.params).get("reference") in (None, *references))
        return Recommendation(topic(row), indicator, self.guideline, reasons, tuple(dict.fromkeys(shown)),
                              assumptions, suggestions=suggestions, options=choose)


def delete(draft: DraftOrder, name: str, *, recommended: bool = False) -> Suggestion:
    return Suggestion(SuggestionKind.DELETE, name, recommended, draft=draft.reference)


def update(draft: DraftOrder, *, variant: str | None = None, start: date | None = None, months: int | None = None,
           dose_mg: float | None = None, recommended: bool = True) -> Suggestion:
    """The draft rewritten to an accepted regimen (`variant`), to start on `start`, to run `months`, or to the dose
    `dose_mg`; named by its drug (as the draft names it where it is no osteoporosis drug)."""
    name = draft.agent.value if draft.agent else (product(draft) or "")
    return Suggestion(SuggestionKind.UPDATE, name, recommended, variant=variant, start=start, draft=draft.reference,
                      months=months, dose_mg=dose_mg)


def course_days(draft: DraftOrder, current: tuple[Medication, ...]) -> int | None:
    """The length of the course a draft belongs to: its own expected days, plus the days so far of the same drug
    class taken now or stopped at most `continue_gap_days` before the draft starts (orders.toml [course])."""
    if draft.expected_days is None:
        return None
    gap = timedelta(days=_COURSE["continue_gap_days"])
    running = [m.start for m in current if m.start is not None and (m.end is None or m.end + gap >= draft.start)]
    return draft.expected_days + (draft.start - min(running)).days if running else draft.expected_days
