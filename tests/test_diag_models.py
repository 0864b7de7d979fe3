"""The complaint model: validation with field paths, the symptom inferred when absent or vague,
and place hints from the description (the inference itself: test_diag_symptoms)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from pydantic import ValidationError

from diagnostics.description import place_hints
from diagnostics.models import ComplaintIn, parse_complaint
from netcomplaint.errors import InputError

BASE: dict[str, Any] = {
    "external_id": "E1",
    "msisdn": "13800138000",
    "reported_at": "2026-05-01T10:00:00+08:00",
    "lat": 31.23,
    "lon": 121.47,
    "symptom": "weak_signal",
}


def test_place_hints() -> None:
    assert place_hints("在地下车库，网页打不开") == {"basement", "indoor"}
    assert place_hints("in the basement") == {"basement", "indoor"}
    assert place_hints("at home, weak signal") == {"indoor"}
    assert place_hints("on the street") == set()


def test_symptom_inferred_from_description_when_absent_or_vague() -> None:
    absent = ComplaintIn.model_validate(
        {**BASE, "symptom": None, "description": "calls keep dropping"}
    )
    assert absent.symptom == "call_drop" and absent.symptom_inferred
    vague = ComplaintIn.model_validate({**BASE, "symptom": "信号不好"})
    assert vague.symptom == "weak_signal" and vague.symptom_inferred
    given = ComplaintIn.model_validate({**BASE, "symptom": "No_Signal"})
    assert given.symptom == "no_signal" and not given.symptom_inferred
    # a code outside the contract reads as its words, with a description in any language
    code = ComplaintIn.model_validate(
        {**BASE, "symptom": "network_issue", "description": "الشبكة سيئة"}
    )
    assert code.symptom == "weak_signal" and code.symptom_inferred


def test_client_cannot_set_symptom_inferred() -> None:
    complaint = ComplaintIn.model_validate({**BASE, "symptom_inferred": True})
    assert not complaint.symptom_inferred
    assert "symptom_inferred" not in ComplaintIn.model_json_schema()["properties"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"symptom": None}, "symptom"),
        ({"symptom": "broken"}, "symptom"),
        ({"lat": 91}, "lat"),
        ({"lon": None}, "lon"),
        ({"lat": None, "lon": None}, "cell_id"),
        ({"msisdn": "12ab"}, "msisdn"),
        ({"reported_at": "yesterday"}, "reported_at"),
        ({"occurred_to": "not a time"}, "occurred_to"),
        ({"frequency": "always"}, "frequency"),
        ({"neighbours_affected": "maybe"}, "neighbours_affected"),
        ({"channel": "fax"}, "channel"),
        ({"floor": "tenth"}, "floor"),
        ({"external_id": ""}, "external_id"),
    ],
)
def test_validation_errors_carry_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ComplaintIn.model_validate({**BASE, **change})
    assert info.value.errors()[0]["loc"][0] == field
    with pytest.raises(InputError) as error:
        parse_complaint({**BASE, **change})
    assert error.value.field == field and error.value.message.startswith(field)


def test_cell_id_without_position_and_naive_times() -> None:
    complaint = ComplaintIn.model_validate(
        {
            **BASE,
            "lat": None,
            "lon": None,
            "cell_id": "SH0001-L1",
            "reported_at": "2026-05-01T10:00:00",
            "indoor": "true",
            "floor": "3",
        }
    )
    assert complaint.cell_id == "SH0001-L1" and not complaint.has_location()
    assert complaint.reported_at.tzinfo == UTC and complaint.indoor is True and complaint.floor == 3


def test_empty_strings_mean_absent() -> None:
    complaint = ComplaintIn.model_validate({**BASE, "floor": "", "frequency": "", "cell_id": ""})
    assert complaint.floor is None and complaint.frequency is None and complaint.cell_id is None
