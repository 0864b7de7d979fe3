"""Small geometry on the sphere for the cell inventory and the serving-cell choice: unit
vectors and chords (for the KD-trees), local east/north metres, haversine distances and the 3GPP
horizontal antenna pattern.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8
TECH_CODES = {"GSM": 0, "UMTS": 1, "LTE": 2, "NR": 3}
FloatArray = npt.NDArray[np.float64]


def unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


def chord(metres: float) -> float:
    """Chord length on the unit sphere for a great-circle distance in metres."""
    return 2.0 * math.sin(min(metres / EARTH_RADIUS_M, math.pi) / 2.0)


def local_xy(
    lat0: float, lon0: float, lat: FloatArray, lon: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """East/north metres of points from (lat0, lon0) (equirectangular; fine within tens of km)."""
    k = math.pi / 180.0 * EARTH_RADIUS_M
    return (lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def antenna_attenuation_db(off_axis_deg: FloatArray, beamwidth_deg: FloatArray) -> FloatArray:
    """3GPP horizontal pattern: 12·(δ/θ3dB)² dB capped at 20 dB; omni (360°) cells: 0 dB."""
    att = 12.0 * (off_axis_deg / np.maximum(beamwidth_deg, 1.0)) ** 2
    att = np.minimum(att, 20.0)
    return np.where(beamwidth_deg >= 360.0, 0.0, att)
