"""Patient -> age, sex, deceased, and menopausal status (from records, else assumed from age)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache

from fhir_mappings.collector import Collector
from fhir_mappings.facts import CodedFact, Sex
from fhir_mappings.plausibility import plausible
from fhir_mappings.provenance import parse_date, ref
from fhir_mappings.valuesets import DATA_DIR


@dataclass(frozen=True)
class Demographics:
    patient_id: str | None
    birth_date: date | None
    age: int | None
    sex: Sex
    deceased: bool


@cache
def _rules() -> dict:
    return json.loads((DATA_DIR / "demographics.json").read_text())


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _birth_date(patient: dict, ctx: Collector) -> date | None:
    """birthDate; a partial one ("1956", "1956-03") is taken mid-period (an Assumption); a future one, or one
    giving an implausible age (0001-01-01), is a gap."""
    raw = patient.get("birthDate")
    birth = parse_date(raw)
    if birth is None:
        ctx.gap("no-birthdate", "" if raw is None else "unreadable birth date", ref(patient))
        return None
    if birth > ctx.today:
        ctx.gap("no-birthdate", "birth date after today", ref(patient))
        return None
    precision = len(raw.split("T")[0].split("-"))
    if precision < 3:
        birth = date(birth.year, 7, 1) if precision == 1 else date(birth.year, birth.month, 15)
        birth = min(birth, ctx.today)
        ctx.assume("partial-birthdate", recorded=raw, taken=birth.isoformat())
    return birth if plausible(age_on(birth, ctx.today), "age", "a", ctx, ref(patient)) else None


def _deceased(patient: dict, ctx: Collector) -> bool:
    """Deceased as of today: deceasedBoolean (also the string "true"), or a deceasedDateTime not after today."""
    flag = patient.get("deceasedBoolean")
    if isinstance(flag, str) and flag.strip().lower() in ("true", "false"):
        return flag.strip().lower() == "true"
    if flag is not None and not isinstance(flag, bool):
        ctx.gap("invalid-resource", f"deceasedBoolean is a {type(flag).__name__}, not a boolean", ref(patient))
    if "deceasedDateTime" not in patient:
        return flag is True
    when = parse_date(patient.get("deceasedDateTime"))
    if when is None:
        ctx.gap("invalid-resource", "unreadable deceasedDateTime: taken as deceased", ref(patient))
        return True
    return when <= ctx.today


def demographics(patient: dict | None, ctx: Collector) -> Demographics:
    if patient is None:
        ctx.gap("no-patient", "no Patient resource in the record")
        return Demographics(None, None, None, Sex.UNKNOWN, False)
    birth = _birth_date(patient, ctx)
    gender = patient.get("gender")
    sex = Sex(gender) if isinstance(gender, str) and gender in {s.value for s in Sex} else Sex.UNKNOWN
    if sex is Sex.UNKNOWN:
        ctx.gap("no-sex", "", ref(patient))
    age = age_on(birth, ctx.today) if birth else None
    return Demographics(patient.get("id"), birth, age, sex, _deceased(patient, ctx))


def postmenopausal(person: Demographics, record: CodedFact | None, ctx: Collector) -> bool | None:
    """True from a postmenopausal record; otherwise assumed from age (an Assumption), or unknown."""
    if person.sex is Sex.MALE:
        return False
    if person.sex is not Sex.FEMALE:
        return None
    if record is not None:
        return True
    rules = _rules()
    if person.age is None:
        ctx.gap("menopausal-status-unknown", "no birth date and no menopausal record")
        return None
    if person.age >= rules["postmenopausal_from_age"]:
        ctx.assume("postmenopausal-by-age", age=person.age)
        return True
    if person.age < rules["premenopausal_below_age"]:
        ctx.assume("premenopausal-by-age", age=person.age)
        return False
    ctx.gap("menopausal-status-unknown", f"age {person.age}, no menopausal record")
    return None
