"""One number, one form: MSISDNs of the network's own country compared in their international form.

A CRM writes ``9123 4567`` or ``13800138000``, the HLR ``6591234567`` or ``8613800138000``, an
agent types ``+65 9123 4567``. Only keyed hashes are stored, so the forms can't be matched later:
every number is brought to one form before it is hashed, at each intake (subscribers,
registrations, complaints). A number of the network's country written nationally (with or without
its trunk prefix) gets the country calling code; one written internationally, or that can't be a
national mobile number of that country (a visitor's ``60123456789`` in Singapore), stays as its
digits. Without the network's country (no cells loaded), every number stays as its digits.

The country's calling code, trunk prefix and mobile number lengths come from ``phonenumbers``
(Google's libphonenumber metadata).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from phonenumbers import PhoneMetadata

from netcomplaint.privacy import normalise_msisdn


@dataclass(frozen=True)
class NumberPlan:
    """How a country writes its mobile numbers."""

    code: str  # country calling code: "65"
    trunk: str  # national (trunk) prefix: "0", or "" where there is none
    lengths: frozenset[int]  # lengths of a national mobile number, without the trunk prefix


@lru_cache(maxsize=64)
def number_plan(region: str | None) -> NumberPlan | None:
    """The plan of an ISO 3166 country ("SG"), or None when the metadata don't know it."""
    if not region:
        return None
    meta = PhoneMetadata.metadata_for_region(region.upper())
    if meta is None or not meta.country_code:
        return None
    mobile = meta.mobile.possible_length if meta.mobile is not None else ()
    lengths = mobile or (meta.general_desc.possible_length if meta.general_desc else ())
    if not lengths:
        return None
    return NumberPlan(str(meta.country_code), meta.national_prefix or "", frozenset(lengths))


def canonical_msisdn(raw: str, plan: NumberPlan | None) -> str:
    """The form a number is hashed in: international digits for a national number of the plan's
    country, else the number's digits. Raises ``InputError`` as ``normalise_msisdn`` does."""
    digits = normalise_msisdn(raw)
    written = raw.strip()
    if plan is None or written.startswith(("+", "00")):
        return digits
    code = plan.code
    if digits.startswith(code) and len(digits) - len(code) in plan.lengths:
        return digits  # international already ("6591234567"; the US "1 312 555 0142")
    national = digits
    trunk = plan.trunk
    if trunk and digits.startswith(trunk) and len(digits) - len(trunk) in plan.lengths:
        national = digits[len(trunk) :]  # "07700 900123" → "7700900123"
    if len(national) in plan.lengths:
        return code + national
    return digits
