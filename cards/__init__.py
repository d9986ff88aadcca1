"""Card layer: renders pathway recommendations as CDS Hooks cards (wording, suggestions, FHIR resources)."""

from cards.orders import render_orders
from cards.render import render

__all__ = ["render", "render_orders"]
