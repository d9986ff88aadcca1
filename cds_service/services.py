"""The six services of the contract (shared/spec/contract.md)."""

from __future__ import annotations

from dataclasses import dataclass

PATIENT_VIEW, ORDER_SELECT, ORDER_SIGN = "patient-view", "order-select", "order-sign"


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    guideline: str  # "rcop-2023" | "vitaz-2025"
    title: str
    description: str
    default_lang: str = "nl"

    @property
    def runs_pathways(self) -> bool:
        """patient-view services run the guideline's pathways; order services have no evaluator yet."""
        return self.hook == PATIENT_VIEW


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
        ),
        Service(
            "osteoporosis-vitaz-patient-view", PATIENT_VIEW, "vitaz-2025",
            "Osteoporosis: Vitaz 2025 guideline",
            f"Case finding, treatment and follow-up recommendations for this patient per {_VITAZ}, one card per recommendation topic.",
        ),
        Service(
            "osteoporosis-rcop-order-select", ORDER_SELECT, "rcop-2023",
            "Osteoporosis order checks (RCOP 2023)",
            f"Pharmacist checks of the selected osteoporosis or glucocorticoid order against {_RCOP}.",
        ),
        Service(
            "osteoporosis-vitaz-order-select", ORDER_SELECT, "vitaz-2025",
            "Osteoporosis order checks (Vitaz 2025)",
            f"Pharmacist checks of the selected osteoporosis or glucocorticoid order against {_VITAZ}, "
            "reimbursement criteria included.",
        ),
        Service(
            "osteoporosis-rcop-order-sign", ORDER_SIGN, "rcop-2023",
            "Osteoporosis order checks at signing (RCOP 2023)",
            f"Pharmacist checks of the osteoporosis or glucocorticoid orders being signed against {_RCOP}.",
        ),
        Service(
            "osteoporosis-vitaz-order-sign", ORDER_SIGN, "vitaz-2025",
            "Osteoporosis order checks at signing (Vitaz 2025)",
            f"Pharmacist checks of the osteoporosis or glucocorticoid orders being signed against {_VITAZ}, "
            "reimbursement criteria included.",
        ),
    )
}


def discovery_document() -> dict:
    """GET /cds-services: prefetch templates come from the mappings' own value sets."""
    from fhir_mappings.prefetch import prefetch_templates

    templates = {k: v for k, v in prefetch_templates().items() if v}
    return {
        "services": [
            {
                "hook": s.hook,
                "title": s.title,
                "description": s.description,
                "id": s.id,
                "prefetch": dict(templates),
            }
            for s in SERVICES.values()
        ]
    }
