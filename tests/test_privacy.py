"""MSISDNs: normalised, masked, and the other ways the same number is written."""

from __future__ import annotations

import pytest

from netcomplaint.errors import InputError
from netcomplaint.numbering import canonical_msisdn, number_plan
from netcomplaint.privacy import mask_msisdn, msisdn_forms, normalise_msisdn


def test_normalise_and_mask() -> None:
    assert normalise_msisdn("+86 138-0013-8000") == "8613800138000"
    assert normalise_msisdn("0044 (7700) 900123") == "447700900123"
    # the trunk 0 in brackets after the country code is not dialled (gen 30's "+49 (0)176")
    assert normalise_msisdn("+49 (0)176 1234 5678") == "4917612345678"
    assert normalise_msisdn("+44 (0)7700 900123") == "447700900123"
    assert normalise_msisdn("(0176) 12345678") == "017612345678"  # an area code in brackets
    assert mask_msisdn("13800138000") == "138****8000"
    # shorter numbers keep fewer digits: at least half, and at least four, hidden (gen 28)
    assert mask_msisdn("9123 4567") == "91****67"  # Singapore, Hong Kong: 8 digits
    assert mask_msisdn("0412 345 678") == "04*****678"  # Australia's 10, 5 hidden
    assert mask_msisdn("412345678") == "41*****78"
    with pytest.raises(InputError, match="5 to 15 digits"):
        normalise_msisdn("12a")


@pytest.mark.parametrize(
    ("msisdn", "code", "forms"),
    [
        ("13800138000", 86, ["8613800138000"]),  # a Chinese CRM's number, the HLR's form
        ("+86 138 0013 8000", 86, ["13800138000", "013800138000"]),
        ("9123 4567", 852, ["85291234567"]),  # Hong Kong's 8 digits
        ("+852 9123 4567", 852, ["91234567", "091234567"]),
        ("07700 900123", 44, ["447700900123", "7700900123"]),  # the trunk 0 goes
        ("447700900123", 44, ["7700900123", "07700900123"]),
        ("85212345", 852, ["85285212345"]),  # too short to carry the code: national
        ("13800138000", None, []),  # no network country: nothing to offer
    ],
)
def test_other_forms_of_a_number(msisdn: str, code: int | None, forms: list[str]) -> None:
    assert msisdn_forms(msisdn, code) == forms


@pytest.mark.parametrize(
    ("msisdn", "region", "one"),
    [
        ("13800138000", "CN", "8613800138000"),  # a national number gets the calling code
        ("+86 138 0013 8000", "CN", "8613800138000"),
        ("8613800138000", "CN", "8613800138000"),
        ("9123 4567", "SG", "6591234567"),  # no trunk prefix in Singapore
        ("6591234567", "SG", "6591234567"),
        ("07700 900123", "GB", "447700900123"),  # the trunk 0 goes
        ("(312) 555-0142", "US", "13125550142"),  # the NANP's trunk 1 is its calling code
        ("1 312 555 0142", "US", "13125550142"),
        ("0912 345 678", "TW", "886912345678"),
        ("85212345", "HK", "85285212345"),  # 8 digits: national, though it starts with 852
        ("60123456789", "SG", "60123456789"),  # a visitor's number: not one of Singapore's
        ("+60 12-345 6789", "SG", "60123456789"),  # written internationally: as it is
        ("13800138000", None, "13800138000"),  # no network country: as written
        ("13800138000", "ZZ", "13800138000"),  # a country the metadata don't know
    ],
)
def test_one_form_of_a_number(msisdn: str, region: str | None, one: str) -> None:
    assert canonical_msisdn(msisdn, number_plan(region)) == one
