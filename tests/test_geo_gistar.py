"""Gi*, Benjamini–Hochberg and EB rates on small hand-checkable arrays; calibration under noise."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from scipy import sparse

import geo.detect
import geo.gistar
import geo.h3fast
import geo.recommend
from geo.gistar import GiStar, eb_standardised_rates, fdr_bh
from geo.grid import ring_weights, with_rings
from geo.h3fast import index_points


def brute_gi_star(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Getis & Ord (1992/1995) written out unit by unit."""
    n = len(x)
    mean = x.sum() / n
    s = math.sqrt((x**2).sum() / n - mean**2)
    z = np.zeros(n)
    for i in range(n):
        wi = w[i].sum()
        s1 = (w[i] ** 2).sum()
        z[i] = ((w[i] * x).sum() - mean * wi) / (s * math.sqrt((n * s1 - wi**2) / (n - 1)))
    return z


def test_chain_by_hand() -> None:
    # x = 1 2 9 2 1, neighbours ±1 and itself: mean 3, S = √9.2.
    # Unit 2: (13 − 3·3) / (√9.2 · √((5·3 − 9)/4)) = 4 / 3.7148 = 1.0768
    w = np.eye(5) + np.eye(5, k=1) + np.eye(5, k=-1)
    g = GiStar(np.array([1.0, 2.0, 9.0, 2.0, 1.0]), sparse.csr_matrix(w))
    assert g.z[2] == pytest.approx(4 / (math.sqrt(9.2) * math.sqrt(1.5)), rel=1e-12)
    assert g.z[0] == pytest.approx(-3 / (math.sqrt(9.2) * math.sqrt(1.5)), rel=1e-12)
    assert g.p[2] == pytest.approx(0.5 * math.erfc(g.z[2] / math.sqrt(2)), rel=1e-12)


def test_matches_the_formula_on_random_weights() -> None:
    rng = np.random.default_rng(4)
    w = (rng.uniform(size=(40, 40)) < 0.15).astype(float)
    w = np.maximum(w, w.T)
    np.fill_diagonal(w, 1.0)
    x = rng.poisson(3.0, 40).astype(float)
    assert np.allclose(GiStar(x, sparse.csr_matrix(w)).z, brute_gi_star(x, w), rtol=1e-10)


def test_constant_values_give_zero() -> None:
    g = GiStar(np.ones(4), sparse.identity(4, format="csr"))
    assert np.all(g.z == 0) and np.all(g.p == 0.5)


def test_benjamini_hochberg_by_hand() -> None:
    # sorted p 0.01 0.03 0.04 0.5 → ×4/rank 0.04 0.06 0.0533 0.5 → running min from the top
    q = fdr_bh(np.array([0.01, 0.04, 0.03, 0.5]))
    assert q.tolist() == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert fdr_bh(np.array([])).size == 0


def test_eb_rates_by_hand() -> None:
    # b = 140/1200; a = Σe(r−b)²/Σe − b/ē; z = (r − b)/√(a + b/e)
    c, e = np.array([10.0, 100.0, 30.0]), np.array([100.0, 1000.0, 100.0])
    b = 140 / 1200
    a = (e * (c / e - b) ** 2).sum() / e.sum() - b / e.mean()
    expected = (c / e - b) / np.sqrt(a + b / e)
    assert eb_standardised_rates(c, e) == pytest.approx(expected)
    with pytest.raises(ValueError):
        eb_standardised_rates([1.0], [0.0])


def test_false_discoveries_stay_rare_under_pure_noise() -> None:
    """Poisson noise on an h3 grid: BH at 5 % rejects (almost) nothing, seed after seed."""
    flagged = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        cells, _ = index_points(rng.uniform(30.0, 30.3, 200), rng.uniform(120.0, 120.3, 200), 8)
        study = with_rings(cells, 1)
        counts = rng.poisson(6.0, len(study)).astype(float)
        g = GiStar(counts, ring_weights(study, 1))
        flagged += int((fdr_bh(g.p) <= 0.05).any())
    assert flagged <= 3  # BH bounds the chance of any false discovery by ~α under the null


@pytest.mark.parametrize("module", [geo.gistar, geo.h3fast, geo.detect, geo.recommend])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, raise_on_error=False)  # type: ignore[arg-type]
    assert result.failed == 0 and result.attempted > 0


def test_ring_weights_self_weight() -> None:
    cells, _ = index_points(np.array([30.0, 30.01]), np.array([120.0, 120.0]), 8)
    study = with_rings(cells, 1)
    w = ring_weights(study, 1, self_weight=2.0)
    assert np.all(w.diagonal() == 2.0)
    assert set(np.unique(w.data).tolist()) == {1.0, 2.0}
    assert (w != w.T).nnz == 0
