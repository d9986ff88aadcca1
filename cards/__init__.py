"""Card layer: renders pathway recommendations as CDS Hooks cards (wording, suggestions, FHIR resources)."""

from cards.render import render

__all__ = ["render"]
