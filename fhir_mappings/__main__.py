"""`python -m fhir_mappings BUNDLE.json [--today YYYY-MM-DD] [--patient ID]`: print a record's facts.

For developers: shows every fact with where it came from, the assumptions made and the gaps found.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from datetime import date
from enum import Enum
from pathlib import Path

from fhir_mappings import build_facts
from fhir_mappings.facts import PatientFacts, Provenance


def _prov(p: Provenance | None) -> str:
    if p is None:
        return ""
    when = f" {p.date}" if p.date else ""
    recorded = f" [{p.recorded}]" if p.recorded else ""
    return f"  <- {p.reference}{when}{recorded}"


def _text(v: object) -> str:
    if isinstance(v, Enum):
        return str(v.value)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, tuple):
        return "[" + ", ".join(_text(x) for x in v) + "]"
    return str(v)


def _brief(value: object) -> str:
    """One line for a fact: its own fields, without nested provenance."""
    if not is_dataclass(value):
        return _text(value)
    parts = []
    for f in fields(value):
        v = getattr(value, f.name)
        if f.name in ("source", "sources", "measurements") or v in (None, (), False):
            continue
        parts.append(f"{f.name}={_text(v)}")
    return ", ".join(parts)


def _sources(value: object) -> Iterator[str]:
    source = getattr(value, "source", None)
    if isinstance(source, Provenance):
        yield _prov(source)
    for s in getattr(value, "sources", ()) or ():
        yield _prov(s)


def render(facts: PatientFacts) -> str:
    lines = [
        f"Patient {facts.patient_id}  (as of {facts.today})",
        f"  sex={facts.sex.value} age={facts.age} birth={facts.birth_date} deceased={facts.deceased} "
        f"postmenopausal={facts.postmenopausal}",
    ]
    for exam in facts.dxa:
        lines.append(f"DXA {exam.date}: lowest T={_brief(exam.lowest_t) if exam.lowest_t else '-'}; "
                     f"BMD change={exam.bmd_change_pct}% ({exam.bmd_change_site})")
        lines += [f"    {_brief(m)}{_prov(m.source)}" for m in exam.measurements]
    lines += [f"DXA at a site the guidelines do not use: {_brief(m)}{_prov(m.source)}" for m in facts.dxa_other_sites]
    sections: list[tuple[str, tuple]] = [
        ("Fractures", facts.fractures), ("Therapies", facts.therapies), ("Glucocorticoids", facts.glucocorticoids),
        ("Medications", facts.medications), ("Risk factors", facts.risk_factors),
        ("Contraindications", facts.contraindications), ("Intolerances", facts.intolerances),
    ]
    singles = {
        "falls in 12 months": facts.falls_12_months, "FRAX major": facts.frax_major, "FRAX hip": facts.frax_hip,
        "weight": facts.weight, "height": facts.height, "BMI": facts.bmi, "height loss": facts.height_loss_cm,
        "25-OH vitamin D": facts.vitamin_d, "parental hip fracture": facts.parental_hip_fracture,
        "limited life expectancy": facts.limited_life_expectancy,
    }
    for title, items in sections:
        if items:
            lines.append(f"{title}:")
            for item in items:
                lines.append(f"  - {_brief(item)}")
                lines += [f"    {s.strip()}" for s in _sources(item)]
    if facts.labs:
        lines.append("Labs:")
        lines += [f"  - {concept}: {_brief(m)}{_prov(m.source)}" for concept, m in facts.labs]
    for label, value in singles.items():
        if value is not None:
            lines.append(f"{label}: {_brief(value)}{''.join(_sources(value))}")
    if facts.risk_score is not None:
        lines.append(f"CBO risk score: {facts.risk_score.total}")
        lines += [f"  {factor} +{points}{_prov(p)}" for factor, points, p in facts.risk_score.components]
    lines += ["Assumptions:"] + [f"  - {a.code} {dict(a.params)}" for a in facts.assumptions]
    lines += ["Data gaps:"] + [
        f"  - {g.code}: {g.detail} ({g.reference or '-'}){f' [{g.decision}]' if g.decision else ''}" for g in facts.gaps
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fhir_mappings", description=__doc__)
    parser.add_argument("bundle", type=Path, help="a FHIR Bundle (or a JSON list of resources)")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today(), help="evaluation date, YYYY-MM-DD")
    parser.add_argument("--patient", default=None, help="Patient id when the bundle holds several")
    args = parser.parse_args(argv)
    facts = build_facts(json.loads(args.bundle.read_text()), today=args.today, patient_id=args.patient)
    print(render(facts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
