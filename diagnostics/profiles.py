"""A complaint's number linked to the operator's subscriber data when the two write it
differently: a CRM's national ``13800138000`` (or ``9123 4567``, ``07700 900123``) and the HLR's
international ``8613800138000``. Only the keyed hashes are stored, so the other forms of the
number are hashed at intake, while it is in clear, and the complaint keeps the form the profile
or registration data know (its own when they know it, or none of them).

The forms come from the network's country calling code (the country of the cell inventory,
``cell_index.network_country``, through ``phonenumbers``); without cells, nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import phonenumbers

from diagnostics.cell_index import cell_index, network_country
from diagnostics.models import ComplaintIn, ComplaintRecord
from netcomplaint.privacy import hash_msisdn, mask_msisdn, msisdn_forms, normalise_msisdn
from storage.db import Conn

KNOWN_SQL = """
SELECT msisdn_hash FROM subscribers WHERE msisdn_hash = ANY(%(h)s)
UNION
SELECT msisdn_hash FROM registrations WHERE msisdn_hash = ANY(%(h)s)
"""


def calling_code(conn: Conn) -> int | None:
    """The country calling code of the network's country (852 for a Hong Kong inventory)."""
    country = network_country(cell_index(conn))
    return phonenumbers.country_code_for_region(country) or None if country else None


def link_profiles(
    conn: Conn, pairs: Sequence[tuple[ComplaintIn, ComplaintRecord]], key: bytes
) -> list[ComplaintRecord]:
    """The records, each with the hash of the form of its number the subscriber data know."""
    code = calling_code(conn)
    pairs = [(c, _masked_nationally(c, r, code)) for c, r in pairs]
    other = {r.external_id: msisdn_forms(c.msisdn, code) for c, r in pairs}
    if not any(other.values()):
        return [r for _, r in pairs]
    hashes = {r.external_id: [hash_msisdn(f, key) for f in other[r.external_id]] for _, r in pairs}
    wanted = [r.msisdn_hash for _, r in pairs] + [h for hs in hashes.values() for h in hs]
    known = {str(row[0]) for row in conn.execute(KNOWN_SQL, {"h": wanted})}
    out = []
    for _, record in pairs:
        if record.msisdn_hash not in known:
            found = next((h for h in hashes[record.external_id] if h in known), None)
            if found is not None:
                record = replace(record, msisdn_hash=found)
        out.append(record)
    return out


def _masked_nationally(c: ComplaintIn, r: ComplaintRecord, code: int | None) -> ComplaintRecord:
    """An international number of the network's own country is shown as agents know it:
    ``+86 134 1234 0558`` as ``134****0558``, not ``861****0558``."""
    digits = normalise_msisdn(c.msisdn)
    prefix = str(code) if code else ""
    if not prefix or not digits.startswith(prefix) or len(digits) - len(prefix) < 6:
        return r
    return replace(r, msisdn_masked=mask_msisdn(digits[len(prefix) :]))
