"""Propagation physics: path loss, antenna patterns, building penetration, shadowing.

References
- 3GPP TR 38.901 V17 §7.4.1 Table 7.4.1-1: UMa, UMi-Street Canyon, RMa and InH-Office path
  loss (NLOS taken as ``max(PL_LOS, PL'_NLOS)``, frequencies in GHz, distances in m).
- 3GPP TR 36.814 Table A.2.1.1-2 / TR 36.942 §4.2: sector antenna, horizontal
  ``A_H = -min(12 (phi/phi_3dB)^2, A_m)`` with ``A_m = 25 dB``, vertical
  ``A_V = -min(12 ((theta - tilt)/theta_3dB)^2, SLA_v)`` with ``theta_3dB = 10 deg``,
  ``SLA_v = 20 dB``, combined ``-min(-(A_H + A_V), A_m)``.
- 3GPP TR 38.901 §7.4.3.1 (O2I building penetration, low- and high-loss models).
- Gudmundson, "Correlation model for shadow fading in mobile radio systems", Electronics Letters
  27(23), 1991: exponential spatial correlation ``exp(-d / d_corr)`` of log-normal shadowing.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

C_LIGHT = 3.0e8
A_M_DB = 25.0
SLA_V_DB = 20.0
THETA_3DB = 10.0


def _log(x: F64) -> F64:
    return np.asarray(np.log10(np.maximum(x, 1e-9)), dtype=np.float64)


def pl_uma(d2d: F64, h_bs: F64, h_ut: F64, fc: F64) -> F64:
    """UMa path loss (dB), NLOS = max(LOS, NLOS'); h_ut clipped to the model's 1.5-22.5 m."""
    h_ut = np.clip(h_ut, 1.5, 22.5)
    d2d = np.maximum(d2d, 10.0)
    d3d = np.hypot(d2d, h_bs - h_ut)
    d_bp = 4.0 * (h_bs - 1.0) * (h_ut - 1.0) * fc * 1e9 / C_LIGHT
    ld = _log(d3d)
    lf = 20.0 * _log(fc)
    pl1 = 28.0 + 22.0 * ld + lf
    pl2 = 28.0 + 40.0 * ld + lf - 9.0 * _log(d_bp**2 + (h_bs - h_ut) ** 2)
    los = np.where(d2d <= d_bp, pl1, pl2)
    nlos = 13.54 + 39.08 * ld + lf - 0.6 * (h_ut - 1.5)
    return np.asarray(np.maximum(los, nlos), dtype=np.float64)


def pl_rma(d2d: F64, h_bs: F64, h_ut: F64, fc: F64) -> F64:
    """RMa path loss (dB), NLOS, street width W = 20 m, building height h = 5 m."""
    w, h = 20.0, 5.0
    h_ut = np.clip(h_ut, 1.0, 10.0)
    d2d = np.maximum(d2d, 10.0)
    d3d = np.hypot(d2d, h_bs - h_ut)
    los = (
        20.0 * _log(40.0 * np.pi * d3d * fc / 3.0)
        + min(0.03 * h**1.72, 10.0) * _log(d3d)
        - min(0.044 * h**1.72, 14.77)
        + 0.002 * np.log10(h) * d3d
    )
    nlos = (
        161.04
        - 7.1 * np.log10(w)
        + 7.5 * np.log10(h)
        - (24.37 - 3.7 * (h / h_bs) ** 2) * _log(h_bs)
        + (43.42 - 3.1 * _log(h_bs)) * (_log(d3d) - 3.0)
        + 20.0 * _log(fc)
        - (3.2 * _log(11.75 * h_ut) ** 2 - 4.97)
    )
    return np.asarray(np.maximum(los, nlos), dtype=np.float64)


def pl_umi(d2d: F64, h_src: F64, h_ut: F64, fc: F64) -> F64:
    """UMi-Street Canyon NLOS (dB): street-level sources such as a jammer or a repeater."""
    d3d = np.hypot(np.maximum(d2d, 10.0), h_src - h_ut)
    los = 32.4 + 21.0 * _log(d3d) + 20.0 * _log(fc)
    nlos = 35.3 * _log(d3d) + 22.4 + 21.3 * _log(fc) - 0.3 * (np.clip(h_ut, 1.5, 22.5) - 1.5)
    return np.asarray(np.maximum(los, nlos), dtype=np.float64)


def pl_inh(d3d: F64, fc: F64) -> F64:
    """InH-Office NLOS (dB) for indoor DAS/small cells."""
    d3d = np.maximum(d3d, 1.0)
    los = 32.4 + 17.3 * _log(d3d) + 20.0 * _log(fc)
    nlos = 17.3 + 38.3 * _log(d3d) + 24.9 * _log(fc)
    return np.asarray(np.maximum(los, nlos), dtype=np.float64)


def antenna_gain(
    dx: F64, dy: F64, dh: F64, azimuth: F64, tilt: F64, beamwidth: float = 65.0
) -> F64:
    """Attenuation (dB, <= 0) of a sector antenna towards a point; NaN azimuth = omni.

    ``dx, dy`` point minus antenna (m), ``dh`` antenna height minus point height (m).
    """
    bearing = np.degrees(np.arctan2(dx, dy))  # clockwise from north
    phi = (bearing - azimuth + 180.0) % 360.0 - 180.0
    a_h = -np.minimum(12.0 * (phi / beamwidth) ** 2, A_M_DB)
    theta = np.degrees(np.arctan2(dh, np.hypot(dx, dy)))  # below the horizon, degrees
    a_v = -np.minimum(12.0 * ((theta - tilt) / THETA_3DB) ** 2, SLA_V_DB)
    gain = -np.minimum(-(a_h + a_v), A_M_DB)
    return np.asarray(np.where(np.isnan(azimuth), 0.0, gain), dtype=np.float64)


def o2i_loss(fc: F64, depth: NDArray[np.int8], d_in: F64, noise_db: F64) -> F64:
    """Outdoor-to-indoor loss (dB): 0 outdoors; 38.901 low-loss (depth 1), high-loss (2),
    high-loss plus 12 dB for basements and car parks (3). ``d_in`` is the indoor distance
    (0.5 dB/m), ``noise_db`` the per-user N(0, 4.4) / N(0, 6.5) term."""
    l_glass = 2.0 + 0.2 * fc
    l_irr = 23.0 + 0.3 * fc
    l_conc = 5.0 + 4.0 * fc
    low = 5.0 - 10.0 * np.log10(0.3 * 10 ** (-l_glass / 10) + 0.7 * 10 ** (-l_conc / 10))
    high = 5.0 - 10.0 * np.log10(0.7 * 10 ** (-l_irr / 10) + 0.3 * 10 ** (-l_conc / 10))
    wall = np.where(depth >= 2, high, low) + np.where(depth == 3, 12.0, 0.0)
    loss = wall + 0.5 * d_in + noise_db
    return np.asarray(np.where(depth == 0, 0.0, np.maximum(loss, 0.0)), dtype=np.float64)


class ShadowField:
    """Periodic Gaussian random field with exponential (Gudmundson) correlation, unit variance.

    Built once on an ``n x n`` tile with spacing ``d_corr / 4`` by the spectral method: white
    noise filtered with the square root of the correlation function's power spectrum. Values at
    arbitrary points are bilinear interpolations; ``offset`` shifts give independent-looking
    realisations (site-specific shadowing) from the same tile.
    """

    def __init__(self, d_corr: float, rng: np.random.Generator, n: int = 2048) -> None:
        self.dx = d_corr / 4.0
        self.n = n
        idx = np.minimum(np.arange(n), n - np.arange(n)) * self.dx
        r = np.hypot(idx[:, None], idx[None, :])
        spectrum = np.maximum(np.fft.rfft2(np.exp(-r / d_corr)).real, 0.0)
        del r
        noise = rng.standard_normal((n, n))
        field = np.fft.irfft2(np.fft.rfft2(noise) * np.sqrt(spectrum), s=(n, n))
        del noise, spectrum
        field -= field.mean()
        field /= field.std()
        self.grid = field.astype(np.float32)

    def at(self, x: F64, y: F64) -> F64:
        gx = np.mod(x / self.dx, self.n)
        gy = np.mod(y / self.dx, self.n)
        i0 = np.floor(gx).astype(np.int64)
        j0 = np.floor(gy).astype(np.int64)
        fx = gx - i0
        fy = gy - j0
        i1 = (i0 + 1) % self.n
        j1 = (j0 + 1) % self.n
        g = self.grid
        top = g[j0, i0] * (1 - fx) + g[j0, i1] * fx
        bottom = g[j1, i0] * (1 - fx) + g[j1, i1] * fx
        return np.asarray(top * (1 - fy) + bottom * fy, dtype=np.float64)
