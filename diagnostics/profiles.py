"""A complaint's number linked to the operator's subscriber data however either writes it: a
CRM's national ``13800138000`` (or ``9123 4567``, ``07700 900123``), the HLR's international
``8613800138000``, an agent's ``+65 9123 4567``.

Every intake hashes a number in one form (``netcomplaint.numbering.canonical_msisdn``: the
international one for the network's own country), so subscribers, registrations and complaints
meet whichever form each was written in. Data loaded before numbers were brought to one form keep
the hash of the form they were written in: the complaint's other forms are hashed at intake,
while the number is in clear, and the complaint keeps the form those data know (else the one form).

The network's country is the cell inventory's (``cell_index.network_country``); without cells,
numbers are compared as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from diagnostics.cell_index import cell_index, network_country
from diagnostics.models import ComplaintIn, ComplaintRecord
from netcomplaint.numbering import NumberPlan, canonical_msisdn, number_plan
from netcomplaint.privacy import hash_msisdn, mask_msisdn, msisdn_forms, normalise_msisdn
from storage.db import Conn

KNOWN_SQL = """
SELECT msisdn_hash FROM subscribers WHERE msisdn_hash = ANY(%(h)s)
UNION
SELECT msisdn_hash FROM registrations WHERE msisdn_hash = ANY(%(h)s)
"""


def network_plan(conn: Conn) -> NumberPlan | None:
    """How the network's country writes its numbers (calling code 852 for a Hong Kong
    inventory), or None without cells."""
    return number_plan(network_country(cell_index(conn)))


def link_profiles(
    conn: Conn, pairs: Sequence[tuple[ComplaintIn, ComplaintRecord]], key: bytes
) -> list[ComplaintRecord]:
    """The records, each with the hash of its number's one form, or of the form the subscriber
    or registration data know when they hold it in another (loaded before the one form)."""
    plan = network_plan(conn)
    if plan is None:
        return [r for _, r in pairs]
    code = int(plan.code)
    pairs = [(c, _masked_nationally(c, r, code)) for c, r in pairs]
    hashes: dict[str, list[str]] = {}
    for c, r in pairs:
        one = canonical_msisdn(c.msisdn, plan)
        written = [normalise_msisdn(c.msisdn), *msisdn_forms(c.msisdn, code)]
        forms = [one, *(f for f in dict.fromkeys(written) if f != one)]
        hashes[r.external_id] = [hash_msisdn(f, key) for f in forms]
    wanted = [h for hs in hashes.values() for h in hs]
    known = {str(row[0]) for row in conn.execute(KNOWN_SQL, {"h": wanted})}
    out = []
    for _, record in pairs:
        forms = hashes[record.external_id]
        chosen = next((h for h in forms if h in known), forms[0])
        out.append(record if chosen == record.msisdn_hash else replace(record, msisdn_hash=chosen))
    return out


def _masked_nationally(c: ComplaintIn, r: ComplaintRecord, code: int | None) -> ComplaintRecord:
    """An international number of the network's own country is shown as agents know it:
    ``+86 134 1234 0558`` as ``134****0558``, not ``861****0558``."""
    digits = normalise_msisdn(c.msisdn)
    prefix = str(code) if code else ""
    if not prefix or not digits.startswith(prefix) or len(digits) - len(prefix) < 6:
        return r
    return replace(r, msisdn_masked=mask_msisdn(digits[len(prefix) :]))
