"""What a mapping run accumulates besides facts: data gaps and assumptions, each recorded once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from fhir_mappings.facts import Assumption, DataGap, Decision
from fhir_mappings.valuesets import VsCode


@dataclass
class Collector:
    today: date
    earliest: date = date.min  # no record of this patient can be older (set from the birth date once read)
    _gaps: dict[DataGap, None] = field(default_factory=dict)
    _assumptions: dict[Assumption, None] = field(default_factory=dict)

    def gap(self, code: str, detail: str = "", reference: str | None = None, decision: Decision | None = None) -> None:
        self._gaps.setdefault(DataGap(code, detail, reference, decision))

    def add(self, gap: DataGap) -> None:
        self._gaps.setdefault(gap)

    def flag_unverified(self, codes: Iterable[VsCode], reference: str) -> None:
        """A fact resting only on codes marked unverified in the value sets is flagged as an assumption."""
        codes = tuple(codes)
        if codes and not any(c.verified for c in codes):
            self.assume("unverified-code", coding=f"{codes[0].system}|{codes[0].listed}", reference=reference)

    def assume(self, code: str, /, **params: object) -> None:
        self._assumptions.setdefault(Assumption(code, tuple(sorted(params.items()))))

    @property
    def gaps(self) -> tuple[DataGap, ...]:
        return tuple(sorted(self._gaps, key=lambda g: (g.code, g.reference or "", g.detail)))

    @property
    def assumptions(self) -> tuple[Assumption, ...]:
        return tuple(sorted(self._assumptions, key=lambda a: (a.code, repr(a.params))))
