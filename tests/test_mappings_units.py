"""Unit conversion: UCUM through ucumvert + pint, the vitamin D chemistry factor, durations."""

from __future__ import annotations

import pytest

from fhir_mappings.units import convert, days, factor


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (130, "[lb_av]", "kg", 58.967),
        (64.5, "[in_i]", "cm", 163.83),
        (780, "mg/cm2", "g/cm2", 0.78),
        (0.08, "mmol/L", "umol/L", 80.0),
        (1500, "ug", "mg", 1.5),
        (2, "wk", "d", 14.0),
    ],
)
def test_ucum_conversions(value, source, target, expected):
    assert convert(value, source, target) == pytest.approx(expected, rel=1e-4)


def test_vitamin_d_nmol_per_litre_to_ng_per_ml_uses_the_molar_factor():
    assert convert(50.0, "nmol/L", "ng/mL", "vitamin-d") == pytest.approx(20.03, abs=0.01)
    assert convert(20.0, "ng/mL", "nmol/L", "vitamin-d") == pytest.approx(49.92)


def test_without_the_concept_amount_and_mass_do_not_convert():
    assert convert(50.0, "nmol/L", "ng/mL") is None


def test_incompatible_or_unknown_units_give_none():
    assert factor("kg", "cm") is None
    assert factor("{T-score}", "kg") is None
    assert factor("not a unit", "kg") is None


def test_a_month_is_a_mean_gregorian_month():
    assert days(6, "mo") == pytest.approx(182.625)
