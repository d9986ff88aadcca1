"""The six services of the contract (shared/spec/contract.md), and what each one's pathways read."""

from __future__ import annotations

from dataclasses import dataclass

from fhir_mappings.prefetch import templates

PATIENT_VIEW, ORDER_SELECT, ORDER_SIGN = "patient-view", "order-select", "order-sign"

# What each service's pathways read, as fact groups (fhir_mappings/data/fact-groups.json). This is the one place
# a pathway declares its reads: the service's discovery prefetch templates and its FHIR fallback are generated
# from it, and tests/test_service_reads.py fails when a pathway reads a fact group its service does not declare
# (or, for a guideline with pathways, declares one it never reads).
# The safety gates and net (pathways/safety), laid over every guideline's drug suggestions and run for every
# patient-view service: renal function (weight), calcium, secondary causes, menopausal status, conditions, spine imaging.
SAFETY_READS = frozenset({
    "demographics", "menopause", "body-measures", "labs", "vitamin-d", "contraindications", "osteoporosis-drugs",
    "fractures", "dxa", "spine-imaging",
})
RCOP_PATIENT_VIEW_READS = SAFETY_READS | {
    "glucocorticoids", "other-medications", "risk-factors", "intolerances", "life-expectancy", "risk-score", "intake",
}
# vitaz-2025 (issue 9): the Appendix 1 risk factors (conditions, drug classes, glucocorticoids, BMI/height loss,
# vitamin D, dairy portions, drinks), falls, FRAX, days covered with the osteoporosis drugs, recorded non-adherence
# and intolerances; no CBO score or family history.
VITAZ_PATIENT_VIEW_READS = SAFETY_READS | {
    "glucocorticoids", "other-medications", "falls", "frax", "intake", "risk-factors", "non-adherence", "intolerances",
    "life-expectancy",
}
# The order checks (issue 10, pathways/orders): the draft orders come in the context; the record gives what the
# safety gates weigh every draft against (renal function and weight, calcium, secondary causes, menopausal status,
# conditions, the osteoporosis drugs and fractures), the current drugs and diagnoses of the medication rows
# (duplicates, denosumab timing, bone-risk and fall-risk drugs) and the DXA or FRAX that count as an evaluation.
# ORDER-GC runs the guideline ahead with a glucocorticoid draft: the running course, limited life expectancy.
ORDER_READS = frozenset({
    "demographics", "menopause", "body-measures", "labs", "vitamin-d", "contraindications", "osteoporosis-drugs",
    "fractures", "dxa", "frax", "other-medications", "risk-factors", "intolerances", "glucocorticoids", "life-expectancy",
})
# rcop-2023's RCOP-GC reads the spine imaging that answers the vertebral-fracture question and the dairy intake its
# calcium dose turns on; vitaz-2025's work-up the falls (population, fall-risk team) and the calcium intake (Appendix 4).
RCOP_ORDER_READS = ORDER_READS | {"spine-imaging", "intake"}
VITAZ_ORDER_READS = ORDER_READS | {"falls", "intake"}


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    guideline: str  # "rcop-2023" | "vitaz-2025"
    title: str
    description: str
    reads: frozenset[str]  # fact groups its pathways read
    default_lang: str = "nl"

    @property
    def prefetch(self) -> dict[str, str]:
        """Discovery prefetch templates: exactly what its pathways read (generated, cached)."""
        return templates(self.reads)


_RCOP = "the Dutch regional osteoporosis flowcharts RCOP (version January 2023)"
_VITAZ = "the Vitaz primary-care osteoporosis guideline (update July 2025)"

SERVICES: dict[str, Service] = {
    s.id: s
    for s in (
        Service(
            "osteoporosis-rcop-patient-view", PATIENT_VIEW, "rcop-2023",
            "Osteoporosis: RCOP 2023 flowcharts",
            f"Fracture-risk assessment, treatment and follow-up recommendations for this patient per {_RCOP} "
            "(charts 1-5), one card per recommendation topic.",
            RCOP_PATIENT_VIEW_READS,
        ),
        Service(
            "osteoporosis-vitaz-patient-view", PATIENT_VIEW, "vitaz-2025",
            "Osteoporosis: Vitaz 2025 guideline",
            f"Case finding, treatment and follow-up recommendations for this patient per {_VITAZ}, one card per recommendation topic.",
            VITAZ_PATIENT_VIEW_READS,
        ),
        Service(
            "osteoporosis-rcop-order-select", ORDER_SELECT, "rcop-2023",
            "Osteoporosis order checks (RCOP 2023)",
            f"Pharmacist checks of the selected osteoporosis or glucocorticoid order against {_RCOP}.",
            RCOP_ORDER_READS,
        ),
        Service(
            "osteoporosis-vitaz-order-select", ORDER_SELECT, "vitaz-2025",
            "Osteoporosis order checks (Vitaz 2025)",
            f"Pharmacist checks of the selected osteoporosis or glucocorticoid order against {_VITAZ}, "
            "reimbursement criteria included.",
            VITAZ_ORDER_READS,
        ),
        Service(
            "osteoporosis-rcop-order-sign", ORDER_SIGN, "rcop-2023",
            "Osteoporosis order checks at signing (RCOP 2023)",
            f"Pharmacist checks of the osteoporosis or glucocorticoid orders being signed against {_RCOP}.",
            RCOP_ORDER_READS,
        ),
        Service(
            "osteoporosis-vitaz-order-sign", ORDER_SIGN, "vitaz-2025",
            "Osteoporosis order checks at signing (Vitaz 2025)",
            f"Pharmacist checks of the osteoporosis or glucocorticoid orders being signed against {_VITAZ}, "
            "reimbursement criteria included.",
            VITAZ_ORDER_READS,
        ),
    )
}


def discovery_document() -> dict:
    """GET /cds-services: each service's prefetch templates, generated from what it reads."""
    return {
        "services": [
            {"hook": s.hook, "title": s.title, "description": s.description, "id": s.id, "prefetch": dict(s.prefetch)}
            for s in SERVICES.values()
        ]
    }
