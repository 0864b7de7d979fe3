"""The contract's complaint (input) and diagnosis (output), as pydantic v2 models.

``ComplaintIn`` validates what the API, ``netcomplaint diagnose`` and ``ingest complaints`` accept:
every error carries the field it is about (``loc``), so the API answers 422 naming the field and
the CLI prints ``field: message``. When ``symptom`` is missing or not one of the contract's values,
it is inferred from ``description`` (and from the vague symptom text itself); only when nothing can
be inferred is it an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from diagnostics.symptoms import infer_symptom
from netcomplaint.errors import InputError
from netcomplaint.privacy import normalise_msisdn
from netcomplaint.settings import get_settings


class Symptom(StrEnum):
    no_signal = "no_signal"
    weak_signal = "weak_signal"
    call_drop = "call_drop"
    poor_voice = "poor_voice"
    cannot_call = "cannot_call"
    cannot_receive = "cannot_receive"
    slow_data = "slow_data"
    no_data = "no_data"
    sms_failure = "sms_failure"
    roaming_failure = "roaming_failure"


class Cause(StrEnum):
    terminal_sim = "terminal_sim"
    weak_coverage = "weak_coverage"
    interference = "interference"
    congestion = "congestion"
    outage = "outage"
    roaming_registration = "roaming_registration"
    no_fault_found = "no_fault_found"


CAUSES: tuple[str, ...] = tuple(c.value for c in Cause)
SYMPTOMS: tuple[str, ...] = tuple(s.value for s in Symptom)

Frequency = Literal["occasional", "frequent", "persistent"]
Neighbours = Literal["yes", "no", "unknown"]
Channel = Literal["hotline", "app", "web", "store", "social", "regulator"]
Finding = Literal["abnormal", "normal", "unknown"]
Attribution = Literal["user", "network", "unknown"]


def _aware(value: datetime) -> datetime:
    """Timestamps without an offset are in ``NETCOMPLAINT_DEFAULT_TZ`` (UTC unless set): a call
    centre posting its local wall-clock times sets its zone once (the CSV ingest applies its
    ``--tz``, which defaults to the same, before validation)."""
    if value.tzinfo is not None:
        return value
    return value.replace(tzinfo=get_settings().default_zone())


class ComplaintIn(BaseModel):
    """One complaint as the contract defines it (JSON for the API and CLI, a CSV row for ingest)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    external_id: str = Field(min_length=1, max_length=200, description="unique per source")
    msisdn: str = Field(description="the subscriber's number; stored only hashed and masked")
    reported_at: datetime
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180, validate_default=True)
    cell_id: str | None = Field(
        default=None, validate_default=True, description="when no position is known"
    )
    description: str | None = Field(
        default=None, max_length=10_000, description="free text, zh or en"
    )
    symptom: Symptom = Field(
        default=None,  # validate_default: a missing symptom is inferred from description or refused
        validate_default=True,
        description="inferred from description when absent or not one of the contract's values",
    )
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    indoor: bool | None = None
    floor: int | None = Field(default=None, ge=-10, le=300)
    frequency: Frequency | None = None
    neighbours_affected: Neighbours | None = None
    everywhere: bool | None = None
    channel: Channel | None = None
    urgent: bool = False
    symptom_inferred: SkipJsonSchema[bool] = Field(default=False, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _infer_symptom(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        data["symptom_inferred"] = False
        for key in (
            "lat",
            "lon",
            "floor",
            "cell_id",
            "description",
            "occurred_from",
            "occurred_to",
            "frequency",
            "neighbours_affected",
            "channel",
            "symptom",
            "indoor",
            "everywhere",
        ):
            if isinstance(data.get(key), str) and not data[key].strip():
                data[key] = None  # an empty CSV cell or "" in JSON means absent
        raw = data.get("symptom")
        if isinstance(raw, str) and raw.strip().lower() in SYMPTOMS:
            data["symptom"] = raw.strip().lower()
            return data
        if raw is None or isinstance(raw, str):
            # a value outside the contract ("network_issue", "brak zasięgu") is read as words
            given = raw.replace("_", " ") if isinstance(raw, str) else None
            text = " ".join(str(t) for t in (given, data.get("description")) if t)
            inferred = infer_symptom(text) if text else None
            if inferred is not None:
                data["symptom"] = inferred
                data["symptom_inferred"] = True
        return data

    @field_validator("symptom", mode="before")
    @classmethod
    def _symptom_known(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError(
                "symptom_missing",
                "symptom is required (one of {allowed}) unless the description says what happens",
                {"allowed": "|".join(SYMPTOMS)},
            )
        return value

    @field_validator("msisdn")
    @classmethod
    def _msisdn(cls, value: str) -> str:
        try:
            return normalise_msisdn(value)
        except InputError as exc:
            raise ValueError(exc.message) from None

    @field_validator("reported_at", "occurred_from", "occurred_to")
    @classmethod
    def _zone(cls, value: datetime | None) -> datetime | None:
        return _aware(value) if value is not None else None

    @field_validator("lat", "lon")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @field_validator("lon")
    @classmethod
    def _lat_lon_pair(cls, value: float | None, info: ValidationInfo) -> float | None:
        if "lat" in info.data and (info.data["lat"] is None) != (value is None):
            raise ValueError("lat and lon must be given together")
        return value

    @field_validator("cell_id")
    @classmethod
    def _where(cls, value: str | None, info: ValidationInfo) -> str | None:
        placed = info.data.get("lat") is not None and info.data.get("lon") is not None
        # when lat or lon failed validation, their own error is reported instead
        if not value and not placed and "lat" in info.data and "lon" in info.data:
            raise ValueError("give lat+lon, or cell_id when no position is known")
        return value or None

    @model_validator(mode="after")
    def _order(self) -> ComplaintIn:
        # "22:01 till 22:00": agents round one end to the hour, or type the two the wrong way
        # round. The complaint is real either way, so it is kept, with the window read in order
        # (refusing it would lose the customer's complaint over an optional field).
        start, end = self.occurred_from, self.occurred_to
        if start is not None and end is not None and end < start:
            self.occurred_from, self.occurred_to = end, start
        return self

    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None


def first_error(exc: ValidationError) -> InputError:
    """The first validation error as an InputError naming its field (dotted path)."""
    error = exc.errors()[0]
    field = ".".join(str(p) for p in error.get("loc", ()))
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    return InputError(f"{field}: {message}" if field else message, field=field or None)


def parse_complaint(data: Any) -> ComplaintIn:
    """Validate a decoded JSON object; InputError (with the field) when it isn't a complaint."""
    if not isinstance(data, dict):
        raise InputError("a complaint must be a JSON object")
    try:
        return ComplaintIn.model_validate(data)
    except ValidationError as exc:
        raise first_error(exc) from None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One named check: what was measured, against which threshold, over which window, and what
    it found.

    ``finding`` says whether the measured value breaches its threshold (``abnormal``), is within
    it (``normal``) or could not be measured (``unknown``: data missing, said in ``detail``).
    Whether a breach supports or argues against the check's ``cause`` is in ``support``
    (internal, not in the contract JSON): how much the item raises (+) or lowers (−) the cause's
    evidence score, already multiplied by the check's weight.
    """

    check: str
    cause: str
    finding: Finding
    cell_id: str | None = None
    value: float | None = None
    threshold: float | None = None
    unit: str | None = None
    window: tuple[datetime, datetime] | None = None
    detail: str = ""
    support: float = 0.0

    def as_json(
        self, times: dict[tuple[datetime, datetime], list[str]] | None = None
    ) -> dict[str, Any]:
        """The contract's evidence item; ``times`` caches the ISO window across items (a
        diagnosis's items share a few windows)."""
        window = None
        if self.window is not None:
            cache = times if times is not None else {}
            window = cache.get(self.window)
            if window is None:
                window = cache[self.window] = [iso(self.window[0]), iso(self.window[1])]
            window = list(window)
        value = self.value
        return {
            "check": self.check,
            "cause": self.cause,
            "finding": self.finding,
            "cell_id": self.cell_id,
            "value": None if value is None else round(float(value), 4),
            "threshold": self.threshold,
            "unit": self.unit,
            "window": window,
            "detail": self.detail,
        }


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class CauseScore:
    cause: str
    score: float


@dataclass(slots=True)
class Diagnosis:
    """The contract's "diagnosis" object."""

    primary_cause: str
    attribution: Attribution
    confidence: float
    causes: list[CauseScore]
    evidence: list[Evidence]
    serving_cells: list[str]
    reply_script: dict[str, str]
    actions: list[str]
    work_order_id: str | None = None
    mass_event_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        times: dict[tuple[datetime, datetime], list[str]] = {}
        return {
            "primary_cause": self.primary_cause,
            "attribution": self.attribution,
            "confidence": round(self.confidence, 3),
            "causes": [{"cause": c.cause, "score": round(c.score, 4)} for c in self.causes],
            "evidence": [e.as_json(times) for e in self.evidence],
            "serving_cells": list(self.serving_cells),
            "reply_script": dict(self.reply_script),
            "actions": list(self.actions),
            "work_order_id": self.work_order_id,
            "mass_event_id": self.mass_event_id,
        }


@dataclass(frozen=True, slots=True)
class ComplaintRecord:
    """A stored complaint as the engine diagnoses it (from a ComplaintIn or from the table).

    Holds the MSISDN only as its keyed hash and masked form; times are aware and carry the
    complaint's own offset (a time stamped in UTC is spoken in the zone of the place:
    ``geo.zones.local_time``).
    """

    complaint_id: str
    external_id: str
    msisdn_hash: str
    msisdn_masked: str
    reported_at: datetime
    symptom: str
    lat: float | None = None
    lon: float | None = None
    cell_id: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    description: str | None = None
    indoor: bool | None = None
    floor: int | None = None
    frequency: str | None = None
    neighbours_affected: str | None = None
    everywhere: bool | None = None
    channel: str | None = None
    urgent: bool = False
    symptom_inferred: bool = False

    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None

    def gave_times(self) -> bool:
        """The customer said when (occurred_from or occurred_to): their time, not one inferred."""
        return self.occurred_from is not None or self.occurred_to is not None

    def as_mapping(self) -> dict[str, Any]:
        """What other domains (the work-order hook) get: no clear MSISDN."""
        return {
            "complaint_id": self.complaint_id,
            "external_id": self.external_id,
            "msisdn_hash": self.msisdn_hash,
            "msisdn_masked": self.msisdn_masked,
            "reported_at": self.reported_at,
            "lat": self.lat,
            "lon": self.lon,
            "cell_id": self.cell_id,
            "symptom": self.symptom,
            "occurred_from": self.occurred_from,
            "occurred_to": self.occurred_to,
            "description": self.description,
            "indoor": self.indoor,
            "floor": self.floor,
            "frequency": self.frequency,
            "neighbours_affected": self.neighbours_affected,
            "everywhere": self.everywhere,
            "channel": self.channel,
            "urgent": self.urgent,
        }
