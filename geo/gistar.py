"""Local hotspot statistics: Getis–Ord Gi*, Benjamini–Hochberg FDR, EB-standardised rates.

Computed directly on sparse neighbour matrices (scipy.sparse) rather than with esda: esda's
``G_Local`` builds a libpysal ``W`` from Python dicts and, by default, runs conditional
permutations (999 draws per unit — about ten minutes at a million points). The analytic z-score
of Gi* (Getis & Ord 1992, Ord & Getis 1995) is one sparse matrix-vector product, so a grid of
100 000 hexagons takes milliseconds. Tests compare it with the closed form on hand-checkable
arrays.

Examples
--------
A chain of five units, each the neighbour of the next, with a peak in the middle:

>>> import numpy as np
>>> from scipy.sparse import csr_matrix
>>> w = csr_matrix(np.eye(5) + np.eye(5, k=1) + np.eye(5, k=-1))
>>> g = GiStar(np.array([1.0, 2.0, 9.0, 2.0, 1.0]), w)
>>> int(np.argmax(g.z)), g.z.round(2).tolist()
(2, [-0.81, 0.81, 1.08, 0.81, -0.81])
>>> fdr_bh(np.array([0.01, 0.04, 0.03, 0.5])).round(3).tolist()
[0.04, 0.053, 0.053, 0.5]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.special import ndtr

FloatArray = npt.NDArray[np.float64]


class GiStar:
    """Getis–Ord Gi* with analytic z-scores (self included in the neighbourhood).

    For unit i with weights ``w_ij`` (row i of ``w``, including ``w_ii``)::

        Gi* = (Σ_j w_ij x_j - x̄ W_i) / (S √((n S1_i - W_i²) / (n - 1)))

    where ``W_i = Σ_j w_ij``, ``S1_i = Σ_j w_ij²``, ``x̄`` and ``S`` (population standard
    deviation) are over all ``n`` units. Under the null of no spatial association Gi* is
    approximately standard normal.

    Parameters
    ----------
    values : (n,) array
        The variable tested (counts, or standardised rates).
    weights : (n, n) sparse matrix
        Neighbour weights with the diagonal set (binary rings for h3).

    Attributes
    ----------
    z : (n,) z-scores (0 where undefined: constant data or a unit that is its own world).
    p : (n,) one-sided p-values for "higher than the surroundings explain" (upper tail).
    """

    def __init__(self, values: npt.ArrayLike, weights: sparse.sparray | sparse.spmatrix) -> None:
        x = np.asarray(values, dtype=np.float64)
        w = sparse.csr_matrix(weights, dtype=np.float64)
        n = len(x)
        if w.shape != (n, n):
            raise ValueError(f"weights are {w.shape}, values have {n} units")
        self.n = n
        mean = float(x.mean()) if n else 0.0
        sd = float(np.sqrt(max(0.0, float((x * x).mean()) - mean * mean))) if n else 0.0
        w_sum = np.asarray(w.sum(axis=1)).ravel()
        w_sq = np.asarray(w.multiply(w).sum(axis=1)).ravel()
        lag = np.asarray(w @ x).ravel()
        spread = np.sqrt(np.maximum(0.0, (n * w_sq - w_sum * w_sum) / max(n - 1, 1))) * sd
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(spread > 0, (lag - mean * w_sum) / spread, 0.0)
        self.mean = mean
        self.sd = sd
        self.z: FloatArray = z
        self.p: FloatArray = ndtr(-z)


def fdr_bh(p_values: npt.ArrayLike) -> FloatArray:
    """Benjamini–Hochberg adjusted p-values (q-values); reject where ``q <= alpha``.

    Valid for independent or positively dependent tests (PRDS, Benjamini & Yekutieli 2001),
    which overlapping Gi* neighbourhoods are.
    """
    p = np.asarray(p_values, dtype=np.float64)
    n = len(p)
    if n == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * n / np.arange(1, n + 1)
    q_sorted = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    q = np.empty(n)
    q[order] = q_sorted
    return q


def eb_moments(events: npt.ArrayLike, exposure: npt.ArrayLike) -> tuple[float, float]:
    """Global rate ``b = Σc/Σe`` and the between-unit rate variance ``a`` (Assunção & Reis
    1999 moment estimate ``Σ e_i (r_i - b)² / Σe - b / ē``, clipped at 0)."""
    c = np.asarray(events, dtype=np.float64)
    e = np.asarray(exposure, dtype=np.float64)
    if np.any(e <= 0):
        raise ValueError("exposure must be positive")
    b = float(c.sum() / e.sum())
    a = float((e * (c / e - b) ** 2).sum() / e.sum()) - b / float(e.mean())
    return b, max(a, 0.0)


def eb_standardised_rates(events: npt.ArrayLike, exposure: npt.ArrayLike) -> FloatArray:
    """Empirical-Bayes standardised rates (Assunção & Reis 1999), as esda's ``assuncao_rate``.

    ``z_i = (r_i - b) / √(a + b / e_i)`` with ``r_i = c_i / e_i`` (see :func:`eb_moments`).
    Small exposures get a wide variance, large exposures the between-unit one, so a busy city at
    the ordinary rate scores near 0 however many complaints it has.

    >>> eb_standardised_rates([10, 100, 30], [100, 1000, 100]).round(2).tolist()
    [-0.27, -0.31, 2.92]
    """
    c = np.asarray(events, dtype=np.float64)
    e = np.asarray(exposure, dtype=np.float64)
    b, a = eb_moments(c, e)
    return np.asarray((c / e - b) / np.sqrt(a + b / e), dtype=np.float64)


def anscombe(counts: npt.ArrayLike) -> FloatArray:
    """``2√(c + 3/8)``: Poisson counts with a variance near 1 and far less skew (Anscombe 1948).

    Gi*'s analytic z assumes roughly normal values; raw counts of a few per hexagon are skewed
    enough to make the upper tail (hotspots) fire under pure noise.
    """
    return np.asarray(2.0 * np.sqrt(np.asarray(counts, dtype=np.float64) + 0.375))


def eb_anscombe_residuals(events: npt.ArrayLike, exposure: npt.ArrayLike) -> FloatArray:
    """Complaints against exposure, standardised and variance-stabilised.

    The expected count is ``E_i = b e_i``; under the Assunção–Reis model ``Var(c_i) = b e_i +
    a e_i²``, so ``Var(2√c_i) ≈ 1 + a e_i / b`` and::

        z_i = (2√(c_i + 3/8) - 2√(E_i + 3/8)) / √(1 + a e_i / b)

    Like EB-standardised rates, a busy area at the usual rate scores near 0 (its Poisson noise
    is relatively small, its between-area variance is allowed for); unlike them, hexagons with
    a few complaints are not skewed into false hotspots.

    >>> eb_anscombe_residuals([10, 100, 30], [100, 1000, 100]).round(2).tolist()
    [-0.27, -0.32, 2.22]
    """
    c = np.asarray(events, dtype=np.float64)
    e = np.asarray(exposure, dtype=np.float64)
    b, a = eb_moments(c, e)
    if b <= 0:
        return np.zeros(len(c))
    expected = b * e
    spread = np.sqrt(1.0 + a * e / b)
    return np.asarray((anscombe(c) - anscombe(expected)) / spread, dtype=np.float64)
