"""Routes of this domain (thin: parse, call the domain, shape the answer)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
