"""MSISDN privacy: stored only as an HMAC with the PII key, shown only masked."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from pathlib import Path

from netcomplaint.errors import InputError
from netcomplaint.settings import CoreSettings

_TRUNK_IN_BRACKETS = re.compile(r"(?<=\d)\s*\(\s*0\s*\)")
_NON_DIGITS = re.compile(r"[\s\-().]")


def normalise_msisdn(raw: str) -> str:
    """Digits only, leading '+' and '00' dropped, and the trunk prefix written in brackets
    after the country code ("+49 (0)176 …", "+44 (0)7700 …") with it: it is not dialled from
    abroad, and kept it made another number (gen 30); raises InputError when it isn't one."""
    value = _NON_DIGITS.sub("", _TRUNK_IN_BRACKETS.sub("", raw.strip(), count=1))
    if value.startswith("+"):
        value = value[1:]
    elif value.startswith("00"):
        value = value[2:]
    if not value.isdigit() or not 5 <= len(value) <= 15:
        raise InputError("msisdn must be 5 to 15 digits", field="msisdn")
    return value


def msisdn_forms(msisdn: str, calling_code: int | None) -> list[str]:
    """The same number's other ways of being written, given the network's country calling code:
    a CRM's national ``13800138000`` or ``07700 900123`` is the HLR's ``8613800138000`` or
    ``447700900123``, and the other way round. [] when the code is unknown or nothing else fits."""
    digits = normalise_msisdn(msisdn)
    if not calling_code:
        return []
    code = str(calling_code)
    forms: list[str] = []
    if digits.startswith(code) and len(digits) - len(code) >= 6:  # international → national
        national = digits[len(code) :]
        forms += [national, "0" + national]
    else:  # national (maybe with its trunk 0) → international
        national = digits[1:] if digits.startswith("0") else digits
        forms += [code + national] + ([national] if national != digits else [])
    return [f for f in dict.fromkeys(forms) if f != digits and 5 <= len(f) <= 15]


def mask_msisdn(msisdn: str) -> str:
    """``13800138000`` → ``138****8000`` (the contract's form, from 11 digits: the first three
    and the last four kept). A shorter number keeps fewer: at least half its digits, and never
    fewer than four, are hidden (Singapore's ``91234567`` → ``91****67``, not 7 of its 8 digits
    shown, gen 28's Australian numbers likewise)."""
    digits = normalise_msisdn(msisdn)
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    hidden = max(4, (len(digits) + 1) // 2)
    shown = max(0, len(digits) - hidden)
    tail = (shown + 1) // 2
    head = shown - tail
    return digits[:head] + "*" * (len(digits) - shown) + (digits[-tail:] if tail else "")


def hash_msisdn(msisdn: str, key: bytes) -> str:
    return hmac.new(key, normalise_msisdn(msisdn).encode(), hashlib.sha256).hexdigest()


def pii_key(settings: CoreSettings) -> bytes:
    """The configured key, or one generated once and kept in the data directory."""
    if settings.pii_key is not None and settings.pii_key.get_secret_value():
        return settings.pii_key.get_secret_value().encode()
    path = Path(settings.data_dir) / "pii.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        try:
            tmp.rename(path) if not path.exists() else tmp.unlink()
        except FileExistsError:  # another process won the race; use its key
            tmp.unlink(missing_ok=True)
    return path.read_text().strip().encode()
